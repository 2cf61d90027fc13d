"""Schemas of the identity tables, declared once (registered as TableSpecs in identity.tables)."""

from __future__ import annotations

from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    TimestampType,
)

from lakehouse.schemas import nullable_struct

# What identity adds to each silver event: the person the event resolved to when it was stitched.
SILVER_FIELDS = (StructField("person_id", StringType(), True),)

# One identifier seen on one event (intermediate, never stored): no raw value, only its keyed hash.
EVENT_IDENTIFIER_SCHEMA = nullable_struct(
    ("event_id", StringType()),
    ("event_time", TimestampType()),
    ("event_date", DateType()),
    ("source", StringType()),
    ("identifier_type", StringType()),
    ("identifier_hash", StringType()),
)

# Append-only log of edge observations: one row per (edge, source, day, batch), filed under the
# bucket of each end (the first hex digit of its hash; one row when both ends share a bucket).
# An edge joins two identifiers seen on the same event, ordered so src < dst; src == dst rows record
# a lone sighting.
IDENTITY_EDGES_SCHEMA = nullable_struct(
    ("src_type", StringType()),
    ("src_hash", StringType()),
    ("dst_type", StringType()),
    ("dst_hash", StringType()),
    ("source", StringType()),
    ("first_seen", TimestampType()),
    ("last_seen", TimestampType()),
    ("event_count", LongType()),
    ("event_date", DateType()),
    ("bucket", StringType()),
)

# Append-only log of assignments; the current person of an identifier is its row with the highest
# map_version (compact_identity_map keeps only those). component_id: the cluster before merge
# protection, used to scope incremental updates.
IDENTITY_MAP_SCHEMA = nullable_struct(
    ("identifier_type", StringType()),
    ("identifier_hash", StringType()),
    ("person_id", StringType()),
    ("valid_since", TimestampType()),
    ("component_id", StringType()),
    ("first_seen", TimestampType()),
    ("map_version", LongType()),
    ("bucket", StringType()),
)

IDENTITY_MERGES_SCHEMA = nullable_struct(
    ("old_person_id", StringType()),
    ("new_person_id", StringType()),
    ("merged_at", TimestampType()),
    ("kind", StringType()),
    ("cause_src_type", StringType()),
    ("cause_src_hash", StringType()),
    ("cause_dst_type", StringType()),
    ("cause_dst_hash", StringType()),
    ("writer_id", StringType()),
    ("batch_number", LongType()),
)

IDENTITY_CONFLICTS_SCHEMA = nullable_struct(
    ("src_type", StringType()),
    ("src_hash", StringType()),
    ("dst_type", StringType()),
    ("dst_hash", StringType()),
    ("rule", StringType()),
    ("reason", StringType()),
    ("first_seen", TimestampType()),
    ("event_count", LongType()),
    ("detected_at", TimestampType()),
)

CUSTOMER_PROFILE_SCHEMA = nullable_struct(
    ("person_id", StringType()),
    ("user_ids", LongType()),
    ("anonymous_ids", LongType()),
    ("device_ids", LongType()),
    ("emails", LongType()),
    ("phones", LongType()),
    ("first_seen", TimestampType()),
    ("last_seen", TimestampType()),
    ("sessions", LongType()),
    ("events", LongType()),
    ("orders", LongType()),
    # Filled by later stages (currency conversion, bot detection, user agents, consent).
    ("revenue_reporting_currency", DoubleType()),
    ("bot_share", DoubleType()),
    ("last_device", StringType()),
    ("last_browser", StringType()),
    ("last_country", StringType()),
    ("consent_analytics", BooleanType()),
    ("consent_advertising", BooleanType()),
    ("updated_at", TimestampType()),
    ("bucket", StringType()),
)
