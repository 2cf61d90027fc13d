"""Reading the identity tables back, touching only the buckets that matter.

identity_edges and identity_map are partitioned by ``bucket``, the first hex digit of an
identifier's hash (16 buckets). An edge is filed under the bucket of each of its ends, so the
edges of a node are all in the node's bucket: a batch reads the buckets of its nodes, not the logs.

Why 16, not 256: every append writes one file per bucket it touches, and a batch of a few thousand
identifiers touches every bucket either way. At 256 buckets the appends of a 1%-of-a-million-edges
batch spent more time opening and closing 256 small files per table than on their rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import pyarrow as pa
import pyarrow.compute as pc
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from identity.identifiers import EVENT_PERSON_PRIORITY, node_key
from identity.schemas import IDENTITY_EDGES_SCHEMA
from identity.tables import IDENTITY_EDGES, IDENTITY_MAP
from lakehouse import Lakehouse

_ID = ["identifier_type", "identifier_hash"]
# Every bucket, for writes that replace a whole table.
BUCKET_RANGE = ("0", "f")
COMPACT_WRITER = "identity-compact"


def identifier_bucket(identifier_hash: Column) -> Column:
    """Partition of identity_map and identity_edges: the first hex digit of a hash ('0'..'f')."""
    return F.substring(identifier_hash, 1, 1)


def node_hash(node: Column) -> Column:
    """The hash part of a node key (``type:hash``)."""
    return F.split(node, ":", 2)[1]


def node_identifiers(nodes: DataFrame) -> DataFrame:
    """(identifier_type, identifier_hash) of a frame of node keys (column ``node``)."""
    parts = F.split(F.col("node"), ":", 2)
    return nodes.select(parts[0].alias("identifier_type"), parts[1].alias("identifier_hash"))


def buckets_of(frame: DataFrame, hash_col: Column) -> list[str]:
    """The distinct buckets of some hashes (at most 16 values reach the driver)."""
    return sorted(r[0] for r in frame.select(identifier_bucket(hash_col)).distinct().collect() if r[0])


def edge_copies(edges: DataFrame) -> DataFrame:
    """Each edge observation filed under the bucket of each end (once when both ends share one).

    Needs: observed_edges columns. Gives: IDENTITY_EDGES_SCHEMA (with ``bucket``).
    """
    ends = F.array_distinct(F.array(identifier_bucket(F.col("src_hash")), identifier_bucket(F.col("dst_hash"))))
    return edges.withColumn("bucket", F.explode(ends)).select(*IDENTITY_EDGES_SCHEMA.fieldNames())


def compacted_edges(edge_log: DataFrame) -> DataFrame:
    """The edge log summed per edge, source, day and bucket (what a compaction or rebuild writes).

    Needs and gives: IDENTITY_EDGES_SCHEMA.
    """
    return edge_log.groupBy("src_type", "src_hash", "dst_type", "dst_hash", "source", "event_date", "bucket").agg(
        F.min("first_seen").alias("first_seen"),
        F.max("last_seen").alias("last_seen"),
        F.sum("event_count").alias("event_count"),
    ).select(*IDENTITY_EDGES_SCHEMA.fieldNames())


def _is_src_copy() -> Column:
    return F.col("bucket") == identifier_bucket(F.col("src_hash"))


def edge_log(lake: Lakehouse) -> DataFrame:
    """The whole edge log, one row per observation (the copies filed under the src's bucket)."""
    return lake.read(IDENTITY_EDGES).where(_is_src_copy()).drop("bucket")


def edges_touching(lake: Lakehouse, nodes: DataFrame, buckets: Sequence[str] | None = None) -> DataFrame:
    """Every edge-log observation with an end in ``nodes`` (column node), once; reads only their buckets
    (``buckets``, when the caller knows them, saves the Spark job that finds them).

    Gives: src, dst (node keys) and the edge-log columns (no bucket). Of an observation's copies, the
    one kept is the src's when the src is wanted, else the dst's (the only copy in the dst's bucket).
    """
    wanted = nodes.select("node").distinct()
    if buckets is None:
        buckets = buckets_of(wanted, node_hash(F.col("node")))
    log = lake.read(IDENTITY_EDGES, {"bucket": buckets})
    ids = node_identifiers(wanted)

    def flags(end: str) -> DataFrame:  # joined on type and hash: no node key is built for every log row
        return F.broadcast(ids.select(F.col("identifier_type").alias(f"{end}_type"),
                                      F.col("identifier_hash").alias(f"{end}_hash"),
                                      F.lit(True).alias(f"{end}_wanted")))

    flagged = log.join(flags("src"), on=["src_type", "src_hash"], how="left").join(
        flags("dst"), on=["dst_type", "dst_hash"], how="left"
    )
    src_wanted = F.coalesce(F.col("src_wanted"), F.lit(False))
    dst_wanted = F.coalesce(F.col("dst_wanted"), F.lit(False))
    picked = (src_wanted & _is_src_copy()) | (
        ~src_wanted & dst_wanted & (F.col("bucket") == identifier_bucket(F.col("dst_hash")))
    )
    return flagged.where(picked).select(
        node_key(F.col("src_type"), F.col("src_hash")).alias("src"),
        node_key(F.col("dst_type"), F.col("dst_hash")).alias("dst"),
        *[c for c in log.columns if c != "bucket"],
    )


def node_buckets(nodes: Collection[str]) -> list[str]:
    """The buckets of some node keys (``type:hash``), computed in the driver."""
    return sorted({node.split(":", 1)[1][:1] for node in nodes})


def _node_keys(types: pa.ChunkedArray, hashes: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.binary_join_element_wise(types, hashes, ":")


def neighbours_in_driver(lake: Lakehouse, nodes: Collection[str]) -> set[str]:
    """Every node that shares an edge-log observation with one of ``nodes`` (they included, when seen).

    For a batch's few thousand nodes: reads their buckets' rows with an end among them as Arrow in the
    driver (no Spark job; edges_touching is the distributed read).
    """
    if not nodes:
        return set()
    hashes = {node.split(":", 1)[1] for node in nodes}
    rows = lake.read_arrow(IDENTITY_EDGES, ["src_type", "src_hash", "dst_type", "dst_hash"],
                           {"bucket": node_buckets(nodes)}, {"src_hash": hashes, "dst_hash": hashes})
    src = _node_keys(rows["src_type"], rows["src_hash"])
    dst = _node_keys(rows["dst_type"], rows["dst_hash"])
    wanted = pa.array(list(nodes), pa.string())
    touching = pc.or_(pc.is_in(src, value_set=wanted), pc.is_in(dst, value_set=wanted))
    return set(pc.filter(src, touching).to_pylist()) | set(pc.filter(dst, touching).to_pylist())


def components_in_driver(lake: Lakehouse, nodes: Collection[str]) -> dict[str, str]:
    """node -> current component_id, for the nodes of ``nodes`` identity_map has (Arrow reads, no Spark job)."""
    if not nodes:
        return {}
    rows = lake.read_arrow(IDENTITY_MAP, ["identifier_type", "identifier_hash", "component_id", "map_version"],
                           {"bucket": node_buckets(nodes)},
                           {"identifier_hash": {node.split(":", 1)[1] for node in nodes}})
    keyed = rows.append_column("node", _node_keys(rows["identifier_type"], rows["identifier_hash"]))
    keyed = keyed.filter(pc.is_in(keyed["node"], value_set=pa.array(list(nodes), pa.string())))
    # The current row of an identifier is its highest map_version (as latest_assignments).
    latest = keyed.sort_by("map_version").to_pydict()
    return dict(zip(latest["node"], latest["component_id"], strict=True))


def latest_assignments(map_log: DataFrame) -> DataFrame:
    """The current row (highest map_version) of each identifier in an identity_map log."""
    return (
        map_log.groupBy(*_ID)
        .agg(F.max_by(F.struct(*[c for c in map_log.columns if c not in _ID]), F.col("map_version")).alias("r"))
        .select(*_ID, "r.*")
    )


def current_map(
    lake: Lakehouse, identifiers: DataFrame | None = None, buckets: Sequence[str] | None = None
) -> DataFrame:
    """Current identity_map rows, optionally only of the given (identifier_type, identifier_hash).

    With identifiers, only their buckets are read (``buckets``, when the caller knows them).
    """
    if identifiers is None:
        return latest_assignments(lake.read(IDENTITY_MAP))
    wanted = identifiers.select(*_ID).distinct()
    if buckets is None:
        buckets = buckets_of(wanted, F.col("identifier_hash"))
    log = lake.read(IDENTITY_MAP, {"bucket": buckets})
    return latest_assignments(log.join(F.broadcast(wanted), on=_ID, how="left_semi"))


def event_persons(identifiers: DataFrame, mapping: DataFrame) -> DataFrame:
    """(event_id, person_id): the person of the event's strongest identifier (EVENT_PERSON_PRIORITY).

    A login on the event wins, so an event on a shared cookie goes to the person who signed in.
    Needs: EVENT_IDENTIFIER_SCHEMA rows and a mapping with identifier_type, identifier_hash, person_id.
    """
    rank = F.array_position(F.array(*[F.lit(t) for t in EVENT_PERSON_PRIORITY]), F.col("identifier_type"))
    return (
        identifiers.join(mapping.select(*_ID, "person_id"), on=_ID)
        .groupBy("event_id")
        .agg(F.min_by("person_id", F.struct(rank, F.col("identifier_hash"))).alias("person_id"))
    )


def by_bucket(rows: DataFrame) -> DataFrame:
    """One write task per bucket, so a write adds at most one file per bucket."""
    return rows.repartition("bucket")


def compact_identity_map(lake: Lakehouse, writer_id: str = COMPACT_WRITER) -> int:
    """Rewrite identity_map with only its current rows (run periodically; readers see no change)."""
    current = latest_assignments(lake.read(IDENTITY_MAP)).localCheckpoint(eager=True)
    batch = (lake.committed_batch(IDENTITY_MAP, writer_id) or 0) + 1
    rows = by_bucket(current.select(*IDENTITY_MAP.schema.fieldNames()))
    return lake.replace_partitions(IDENTITY_MAP, rows, BUCKET_RANGE, writer_id, batch).rows


def compact_identity_edges(lake: Lakehouse, writer_id: str = COMPACT_WRITER) -> int:
    """Rewrite identity_edges with one row per edge, source, day and bucket (same sums for readers)."""
    summed = compacted_edges(lake.read(IDENTITY_EDGES)).localCheckpoint(eager=True)
    batch = (lake.committed_batch(IDENTITY_EDGES, writer_id) or 0) + 1
    return lake.replace_partitions(IDENTITY_EDGES, by_bucket(summed), BUCKET_RANGE, writer_id, batch).rows


def compact_identity_tables(lake: Lakehouse, writer_id: str = COMPACT_WRITER) -> None:
    """Compact both logs: each batch adds up to one small file per touched bucket to each."""
    compact_identity_edges(lake, writer_id)
    compact_identity_map(lake, writer_id)


def needs_compaction(lake: Lakehouse, max_files: int) -> bool:
    """True when either log has more files than ``max_files`` (reads get slower with every small file)."""
    return any(lake.info(t).files > max_files for t in (IDENTITY_EDGES, IDENTITY_MAP))
