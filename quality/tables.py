"""The quality_results table: one row per expectation, table and batch (docs/quality.md)."""

from __future__ import annotations

from pyspark.sql.types import BooleanType, DoubleType, LongType, StringType, TimestampType

from lakehouse import TableSpec
from lakehouse.schemas import nullable_struct

QUALITY_RESULTS_SCHEMA = nullable_struct(
    ("batch_id", StringType()),
    ("table", StringType()),
    ("suite", StringType()),
    ("expectation", StringType()),
    ("expectation_type", StringType()),
    ("action", StringType()),
    ("success", BooleanType()),
    ("observed_value", StringType()),
    ("unexpected_count", LongType()),
    ("unexpected_percent", DoubleType()),
    ("element_count", LongType()),
    ("checked_at", TimestampType()),
)

QUALITY_RESULTS = TableSpec(
    name="quality_results",
    schema=QUALITY_RESULTS_SCHEMA,
    keys=("batch_id", "table", "expectation"),
    layer="audit",
    description="One row per expectation checked on a batch: table, suite, action, success, GX's observed "
    "value, unexpected count and percent, rows checked. Written once per batch (exactly-once).",
    privacy_safe=True,
)

QUALITY_TABLES: tuple[TableSpec, ...] = (QUALITY_RESULTS,)
