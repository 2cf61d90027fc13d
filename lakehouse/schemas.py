"""Table schemas as code: each declared once, used for reads, writes, fixtures and checks.

Every field is nullable at the storage level; which fields a row must have is the ingest
validator's job (a row missing them becomes a dead letter with a reason, not a write error).
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


def nullable_struct(*specs: tuple[str, object]) -> StructType:
    """A StructType of nullable fields from (name, type) pairs: how every table schema is declared."""
    return StructType([StructField(name, dtype, True) for name, dtype in specs])  # type: ignore[arg-type]


ITEM_SCHEMA = nullable_struct(
    ("product_id", StringType()),
    ("product_name", StringType()),
    ("category", StringType()),
    ("quantity", LongType()),
    ("price", DoubleType()),
    ("currency", StringType()),
)

# The canonical clickstream event both sources are normalized into (docs/tables.md).
EVENT_SCHEMA = nullable_struct(
    ("event_id", StringType()),
    ("source", StringType()),
    ("event_type", StringType()),
    ("event_name", StringType()),
    ("event_time", TimestampType()),
    ("received_time", TimestampType()),
    ("anonymous_id", StringType()),
    ("user_id", StringType()),
    ("device_id", StringType()),
    ("session_id", StringType()),
    ("page_url", StringType()),
    ("page_referrer", StringType()),
    ("page_title", StringType()),
    ("search_term", StringType()),
    ("user_agent", StringType()),
    ("ip", StringType()),
    ("country", StringType()),
    ("region", StringType()),
    ("city", StringType()),
    ("device_category", StringType()),
    ("os", StringType()),
    ("browser", StringType()),
    ("traffic_source", StringType()),
    ("traffic_medium", StringType()),
    ("traffic_campaign", StringType()),
    ("order_id", StringType()),
    ("revenue", DoubleType()),
    ("currency", StringType()),
    ("items", ArrayType(ITEM_SCHEMA, True)),
    ("properties", MapType(StringType(), StringType(), True)),
    ("traits", MapType(StringType(), StringType(), True)),
    ("consent", MapType(StringType(), StringType(), True)),
    ("source_file", StringType()),
    ("source_line", LongType()),
    ("batch_id", StringType()),
    ("ingested_at", TimestampType()),
    ("event_date", DateType()),
)

DEAD_LETTER_SCHEMA = nullable_struct(
    ("dead_letter_id", StringType()),
    ("source", StringType()),
    ("source_file", StringType()),
    ("source_line", LongType()),
    ("stage", StringType()),
    ("reason", StringType()),
    ("detail", StringType()),
    ("raw_text", StringType()),
    ("raw_bytes", LongType()),
    ("event_date", DateType()),
    ("batch_id", StringType()),
    ("recorded_at", TimestampType()),
)

INGEST_BATCH_SCHEMA = nullable_struct(
    ("batch_id", StringType()),
    ("driver", StringType()),
    ("files", LongType()),
    ("input_records", LongType()),
    ("bronze_records", LongType()),
    ("dead_letters", LongType()),
    ("duplicates", LongType()),
    ("out_of_range", LongType()),
    ("started_at", TimestampType()),
    ("finished_at", TimestampType()),
)

def _event_fields(*names: str) -> list[tuple[str, object]]:
    return [(name, EVENT_SCHEMA[name].dataType) for name in names]


# Silver events: bronze minus raw personal data, plus person, bot and user-agent columns.
# Identifiers are keyed hashes (privacy.keyed_hash), free text is scrubbed, the IP generalized.
SILVER_EVENT_SCHEMA = nullable_struct(
    *_event_fields("event_id", "source", "event_type", "event_name", "event_time"),
    ("person_id", StringType()),
    ("anonymous_id_hash", StringType()),
    ("user_id_hash", StringType()),
    ("device_id_hash", StringType()),
    ("session_id_hash", StringType()),
    *_event_fields("page_url", "page_referrer", "page_title", "search_term", "user_agent"),
    ("ua_browser", StringType()),
    ("ua_os", StringType()),
    ("ua_device", StringType()),
    ("ip_prefix", StringType()),
    *_event_fields(
        "country", "region", "city", "device_category", "os", "browser", "traffic_source", "traffic_medium",
        "traffic_campaign", "order_id", "revenue", "currency", "items", "properties", "consent",
    ),
    ("bot_score", DoubleType()),
    ("is_bot", BooleanType()),
    ("bot_category", StringType()),
    ("bot_reasons", ArrayType(StringType(), True)),
    *_event_fields("source_file", "source_line", "batch_id", "ingested_at", "event_date"),
)
