"""Table schemas as code: each declared once, used for reads, writes, fixtures and checks.

Every field is nullable at the storage level; which fields a row must have is the ingest
validator's job (a row missing them becomes a dead letter with a reason, not a write error).
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
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


def event_fields(*names: str) -> list[tuple[str, object]]:
    """(name, type) of EVENT_SCHEMA columns, for tables that carry them unchanged."""
    return [(name, EVENT_SCHEMA[name].dataType) for name in names]
