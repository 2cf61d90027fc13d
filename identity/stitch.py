"""The identity stage the pipeline calls: per batch (incremental) and over a date range (rebuild).

Writes are appends (exactly-once per writer and batch through Delta transaction ids) or
partition replaces; no MERGE touches a large identity table (delta-rs MERGE loads far more than the
source: delta-rs issues 2573, 2802, 4422).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from identity.cluster import Clustering, cluster_identities, cluster_in_driver
from identity.config import IdentityConfig
from identity.identifiers import event_identifiers, graph_edges, node_key, observed_edges
from identity.schemas import IDENTITY_MAP_SCHEMA, IDENTITY_MERGES_SCHEMA
from identity.store import (
    BUCKET_RANGE,
    by_bucket,
    compact_identity_tables,
    compacted_edges,
    components_in_driver,
    current_map,
    edge_copies,
    edge_log,
    edges_touching,
    event_persons,
    identifier_bucket,
    needs_compaction,
    neighbours_in_driver,
    node_buckets,
    node_identifiers,
)
from identity.tables import IDENTITY_CONFLICTS, IDENTITY_EDGES, IDENTITY_MAP, IDENTITY_MERGES
from lakehouse import EVENTS_BRONZE, DayRange, Lakehouse

log = logging.getLogger(__name__)

REBUILD_WRITER = "identity-rebuild"
_ID = ["identifier_type", "identifier_hash"]


@dataclass(frozen=True)
class WrittenResults:
    """What one clustering wrote: the new assignments, every map row, the changed ones, the merges."""

    assignments: DataFrame
    map_rows: DataFrame
    changed: DataFrame
    merges: DataFrame


@dataclass(frozen=True)
class RebuildReport:
    first: date
    last: date
    identifiers: int
    edges: int
    persons: int
    changed_identifiers: int
    merges: int
    conflicts: int
    rounds: int
    seconds: float


def stitch_batch(
    spark: SparkSession,
    lake: Lakehouse,
    events: DataFrame,
    config: IdentityConfig,
    hash_key: bytes,
    writer_id: str,
    batch_number: int,
) -> DataFrame:
    """Update the identity tables with one batch of events; return the events with ``person_id``.

    Needs: EVENT_SCHEMA columns. Exactly-once per (writer_id, batch_number): a replay of a committed
    batch writes nothing and resolves persons from the map. Only the components the batch touches
    (and their one-hop neighbours) are re-clustered.
    """
    identifiers = event_identifiers(events, hash_key, config).localCheckpoint(eager=True)
    done = lake.committed_batch(IDENTITY_MAP, writer_id)
    if done is not None and done >= batch_number:
        log.info("identity: %s batch %s already stitched", writer_id, batch_number)
        return _with_persons(events, identifiers, current_map(lake, identifiers))

    lake.append(IDENTITY_EDGES, by_bucket(edge_copies(observed_edges(identifiers))), writer_id, batch_number)
    touched = identifiers.select(node_key(F.col("identifier_type"), F.col("identifier_hash")).alias("node"))
    scope = _closed_scope(lake, set(touched.toArrow().column("node").to_pylist()))
    scope_edges = scope.graph.count()
    in_driver = scope_edges <= config.driver_clustering_max_edges
    log.info("identity: %s batch %s re-clusters %d edges (%s)", writer_id, batch_number, scope_edges,
             "in the driver" if in_driver else "distributed")
    cluster = cluster_in_driver if in_driver else cluster_identities
    clustering = cluster(scope.graph, config, scope.nodes)
    written = _write_results(lake, clustering, scope.assignments, writer_id, batch_number, full=False)
    persons = _with_persons(events, identifiers, written.assignments)
    if needs_compaction(lake, config.compact_after_files):
        compact_identity_tables(lake)
    return persons


def rebuild(
    spark: SparkSession, lake: Lakehouse, config: IdentityConfig, hash_key: bytes, first: date, last: date
) -> RebuildReport:
    """Recompute the edges of [first, last] from events_bronze and re-cluster the whole graph.

    Edges of other days stay (the edge log is rewritten compacted); the distributed components run
    over every edge. Person ids are kept wherever a person's identifiers (and so its oldest
    identifier) are the same.
    """
    started = time.perf_counter()
    events = lake.read(EVENTS_BRONZE, {"event_date": DayRange(first, last).days()})
    identifiers = event_identifiers(events, hash_key, config)
    batch = (lake.committed_batch(IDENTITY_EDGES, REBUILD_WRITER) or 0) + 1
    # The log is partitioned by bucket, not day: other days' rows are carried over into the rewrite.
    other_days = lake.read(IDENTITY_EDGES).where(~F.col("event_date").between(first, last))
    recomputed = edge_copies(observed_edges(identifiers))
    log_rows = compacted_edges(other_days.unionByName(recomputed)).localCheckpoint(eager=True)
    lake.replace_partitions(IDENTITY_EDGES, by_bucket(log_rows), BUCKET_RANGE, REBUILD_WRITER, batch)
    graph = graph_edges(edge_log(lake)).localCheckpoint(eager=True)
    clustering = cluster_identities(graph, config)
    previous = current_map(lake).localCheckpoint(eager=True)
    written = _write_results(lake, clustering, previous, REBUILD_WRITER, batch, full=True)
    report = RebuildReport(
        first=first, last=last, identifiers=written.map_rows.count(), edges=graph.where("src != dst").count(),
        persons=written.map_rows.select("person_id").distinct().count(), changed_identifiers=written.changed.count(),
        merges=written.merges.count(), conflicts=clustering.conflicts.count(), rounds=clustering.rounds,
        seconds=round(time.perf_counter() - started, 1),
    )
    log.info("identity rebuild: %s", report)
    return report


@dataclass(frozen=True)
class Scope:
    """What a batch re-clusters. nodes: column node; graph: the graph edges (graph_edges columns)
    summed from every edge-log observation with an end in nodes, materialized; assignments: the
    current identity_map rows of the nodes."""

    nodes: DataFrame
    graph: DataFrame
    assignments: DataFrame


def _closed_scope(lake: Lakehouse, touched: set[str]) -> Scope:
    """Nodes to re-cluster: the batch's nodes, their neighbours, and every node of their components.

    Closed under applied edges: an edge whose status can change has an end in the batch, and an
    applied edge never leaves a component, so no edge applied after the update leaves the scope.
    The members of a component are connected by its applied edges, so they are found by walking
    the edge log from the neighbourhood, stepping only onto nodes of those components.

    The walk runs in the driver on Arrow reads of the buckets it reaches (a batch's scope is a few
    thousand nodes; as Spark jobs each step cost a dozen jobs of ~0.2 s). The scope's graph and
    assignments are then read once with Spark, for the clustering.
    """
    near = touched | neighbours_in_driver(lake, touched)
    components = set(components_in_driver(lake, near).values())
    nodes, frontier = set(near), near
    while frontier:
        reached = neighbours_in_driver(lake, frontier) - nodes
        frontier = {node for node, component in components_in_driver(lake, reached).items()
                    if component in components}
        nodes |= frontier
    spark = lake.spark
    scope = spark.createDataFrame(pd.DataFrame({"node": sorted(nodes)}), "node string")
    buckets = node_buckets(nodes)
    graph = graph_edges(edges_touching(lake, scope, buckets).drop("src", "dst")).localCheckpoint(eager=True)
    assignments = current_map(lake, node_identifiers(scope), buckets).localCheckpoint(eager=True)
    return Scope(scope, graph, assignments)


def _write_results(
    lake: Lakehouse,
    clustering: Clustering,
    previous: DataFrame,
    writer_id: str,
    batch_number: int,
    *,
    full: bool,
) -> WrittenResults:
    """Conflicts, merges and the changed map rows, in that order (the map last: it is what the next
    batch reads, and its transaction id says the batch is done)."""
    now = datetime.now(UTC)
    assignments = clustering.assignments.localCheckpoint(eager=True)
    conflicts = clustering.conflicts.withColumn("detected_at", F.lit(now).cast("timestamp"))
    lake.append_new_keys(IDENTITY_CONFLICTS, conflicts, writer_id, batch_number)
    merges = _merges(assignments, previous, clustering, now, writer_id, batch_number).localCheckpoint(eager=True)
    lake.append(IDENTITY_MERGES, merges, writer_id, batch_number)
    version = lake.version(IDENTITY_MAP) + 1
    before = previous.select(*_ID, F.col("person_id").alias("_old_person"), F.col("component_id").alias("_old_cmp"))
    rows = assignments.join(before, on=_ID, how="left").select(
        *_ID, "person_id", F.lit(now).cast("timestamp").alias("valid_since"), "component_id", "first_seen",
        F.lit(version).cast("long").alias("map_version"), identifier_bucket(F.col("identifier_hash")).alias("bucket"),
        (F.col("_old_person").isNull() | (F.col("_old_person") != F.col("person_id"))
         | (F.col("_old_cmp") != F.col("component_id"))).alias("_changed"),
    ).localCheckpoint(eager=True)
    changed = rows.where("_changed").drop("_changed")
    if full:
        result = by_bucket(rows.drop("_changed").select(*IDENTITY_MAP_SCHEMA.fieldNames()))
        lake.replace_partitions(IDENTITY_MAP, result, BUCKET_RANGE, writer_id, batch_number)
    else:
        lake.append(IDENTITY_MAP, by_bucket(changed.select(*IDENTITY_MAP_SCHEMA.fieldNames())), writer_id,
                    batch_number)
    return WrittenResults(assignments, rows, changed, merges)


def _merges(
    assignments: DataFrame, previous: DataFrame, clustering: Clustering, now: datetime, writer_id: str, batch: int
) -> DataFrame:
    """One row per (old person id, new person id) of identifiers that changed person.

    kind: 'merge' when all of the old person went to one new person, else 'split'. The cause of a
    merge: the most recent applied edge joining the old person's identifiers to another person's.
    """
    pairs = assignments.join(previous.select(*_ID, F.col("person_id").alias("old_person_id")), on=_ID).select(
        "node", "old_person_id", F.col("person_id").alias("new_person_id")
    )
    fanout = pairs.groupBy("old_person_id").agg(F.count_distinct("new_person_id").alias("fanout"))
    moved = pairs.where(F.col("old_person_id") != F.col("new_person_id")).groupBy(
        "old_person_id", "new_person_id"
    ).count().join(fanout, on="old_person_id")
    conflict_free = assignments.select("node", "person_id").join(
        pairs.select("node", "old_person_id"), on="node", how="left"
    )
    s = conflict_free.select(F.col("node").alias("src"), F.col("person_id").alias("s_new"),
                             F.col("old_person_id").alias("s_old"))
    d = conflict_free.select(F.col("node").alias("dst"), F.col("person_id").alias("d_new"),
                             F.col("old_person_id").alias("d_old"))
    edges = clustering.applied_edges
    crossing = edges.join(s, on="src").join(d, on="dst").where(
        (F.col("s_new") == F.col("d_new")) & ~F.col("s_old").eqNullSafe(F.col("d_old"))
    )
    cause_cols = F.struct("last_seen", "src_type", "src_hash", "dst_type", "dst_hash")
    causes = crossing.select(F.col("s_old").alias("old_person_id"), F.col("s_new").alias("new_person_id"),
                             cause_cols.alias("c")).unionByName(
        crossing.select(F.col("d_old").alias("old_person_id"), F.col("d_new").alias("new_person_id"),
                        cause_cols.alias("c"))
    ).where(F.col("old_person_id").isNotNull()).groupBy("old_person_id", "new_person_id").agg(
        F.max_by("c", "c.last_seen").alias("c")
    )
    return moved.join(causes, on=["old_person_id", "new_person_id"], how="left").select(
        "old_person_id", "new_person_id", F.lit(now).cast("timestamp").alias("merged_at"),
        F.when(F.col("fanout") > 1, "split").otherwise("merge").alias("kind"),
        F.col("c.src_type").alias("cause_src_type"), F.col("c.src_hash").alias("cause_src_hash"),
        F.col("c.dst_type").alias("cause_dst_type"), F.col("c.dst_hash").alias("cause_dst_hash"),
        F.lit(writer_id).alias("writer_id"), F.lit(batch).cast("long").alias("batch_number"),
    ).select(*IDENTITY_MERGES_SCHEMA.fieldNames())


def _with_persons(events: DataFrame, identifiers: DataFrame, mapping: DataFrame) -> DataFrame:
    return events.join(event_persons(identifiers, mapping), on="event_id", how="left")
