"""Reading the identity tables back: the current map, scoped to the identifiers that matter."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from identity.identifiers import EVENT_PERSON_PRIORITY, node_key
from identity.tables import IDENTITY_EDGES, IDENTITY_MAP
from lakehouse import Lakehouse

_ID = ["identifier_type", "identifier_hash"]


def map_bucket(identifier_hash: Column) -> Column:
    """identity_map partition: the first hex digit of the hash (16 buckets, '0'..'f')."""
    return F.substring(identifier_hash, 1, 1)


def latest_assignments(map_log: DataFrame) -> DataFrame:
    """The current row (highest map_version) of each identifier in an identity_map log."""
    return (
        map_log.groupBy(*_ID)
        .agg(F.max_by(F.struct(*[c for c in map_log.columns if c not in _ID]), F.col("map_version")).alias("r"))
        .select(*_ID, "r.*")
    )


def current_map(lake: Lakehouse, identifiers: DataFrame | None = None) -> DataFrame:
    """Current identity_map rows, optionally only of the given (identifier_type, identifier_hash)."""
    log = lake.read(IDENTITY_MAP)
    if identifiers is not None:
        log = log.join(identifiers.select(*_ID).distinct(), on=_ID, how="left_semi")
    return latest_assignments(log)


def edge_log_with_nodes(lake: Lakehouse) -> DataFrame:
    log = lake.read(IDENTITY_EDGES)
    return log.select(
        node_key(F.col("src_type"), F.col("src_hash")).alias("src"),
        node_key(F.col("dst_type"), F.col("dst_hash")).alias("dst"),
        *log.columns,
    )


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


def compact_identity_map(lake: Lakehouse, writer_id: str = "identity-compact") -> int:
    """Rewrite identity_map with only its current rows (run periodically; readers see no change)."""
    current = latest_assignments(lake.read(IDENTITY_MAP)).localCheckpoint(eager=True)
    batch = (lake.committed_batch(IDENTITY_MAP, writer_id) or 0) + 1
    return lake.replace_partitions(IDENTITY_MAP, current.select(*IDENTITY_MAP.schema.fieldNames()), ("0", "f"),
                                   writer_id, batch).rows
