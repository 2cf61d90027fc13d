"""The identity tables (listed in the catalog, ``clickstitch.catalog``)."""

from __future__ import annotations

from identity.schemas import (
    CUSTOMER_PROFILE_SCHEMA,
    IDENTITY_CONFLICTS_SCHEMA,
    IDENTITY_EDGES_SCHEMA,
    IDENTITY_MAP_SCHEMA,
    IDENTITY_MERGES_SCHEMA,
)
from lakehouse import TableSpec

IDENTITY_EDGES = TableSpec(
    name="identity_edges",
    schema=IDENTITY_EDGES_SCHEMA,
    keys=("src_type", "src_hash", "dst_type", "dst_hash", "source", "event_date", "bucket"),
    partition_by=("bucket",),
    layer="silver",
    description="Append-only log of identity-graph edges (two identifiers on one event), per source, "
    "day and batch, filed under the bucket (first hex digit of the hash) of each end; the edge is "
    "the sum of the rows in its src's bucket. Hashed identifiers only.",
    privacy_safe=True,
)

IDENTITY_MAP = TableSpec(
    name="identity_map",
    schema=IDENTITY_MAP_SCHEMA,
    keys=("identifier_type", "identifier_hash", "map_version"),
    partition_by=("bucket",),
    layer="silver",
    description="Identifier (type + keyed hash) -> person_id; append-only, the highest map_version "
    "per identifier is current. Partitioned by the first hex digit of the hash.",
    privacy_safe=True,
)

IDENTITY_MERGES = TableSpec(
    name="identity_merges",
    schema=IDENTITY_MERGES_SCHEMA,
    keys=("old_person_id", "new_person_id", "merged_at"),
    layer="audit",
    description="Every person id that stopped being current: merged into (or split off to) the new id, "
    "with the edge that caused it.",
    privacy_safe=True,
)

IDENTITY_CONFLICTS = TableSpec(
    name="identity_conflicts",
    schema=IDENTITY_CONFLICTS_SCHEMA,
    keys=("src_type", "src_hash", "dst_type", "dst_hash", "rule"),
    layer="audit",
    description="Edges not applied because they would break a merge-protection limit, with the rule.",
    privacy_safe=True,
)

CUSTOMER_PROFILES = TableSpec(
    name="customer_profiles",
    schema=CUSTOMER_PROFILE_SCHEMA,
    keys=("person_id",),
    partition_by=("bucket",),
    layer="gold",
    description="One row per person: identifier counts, activity, orders; later stages fill revenue, "
    "bots, device and consent columns.",
    privacy_safe=True,
)

IDENTITY_TABLES = (IDENTITY_EDGES, IDENTITY_MAP, IDENTITY_MERGES, IDENTITY_CONFLICTS, CUSTOMER_PROFILES)
