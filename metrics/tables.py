"""The metrics tables, schemas as code: ``sessions`` and ``category_metrics`` (docs/metrics.md).

Both are recomputed per day (the sink replaces the days a batch touched, like gold), so any
batching of the same events gives the same rows.
"""

from __future__ import annotations

from pyspark.sql.types import BinaryType, BooleanType, DateType, DoubleType, LongType, StringType, TimestampType

from lakehouse import TableSpec
from lakehouse.schemas import nullable_struct

SESSIONS_SCHEMA = nullable_struct(
    ("source", StringType()),
    ("session_id", StringType()),
    ("session_cut", StringType()),
    ("person_id", StringType()),
    ("session_start", TimestampType()),
    ("session_end", TimestampType()),
    ("duration_seconds", DoubleType()),
    ("event_count", LongType()),
    ("page_views", LongType()),
    ("landing_page", StringType()),
    ("exit_page", StringType()),
    ("traffic_source", StringType()),
    ("traffic_medium", StringType()),
    ("device_category", StringType()),
    ("country", StringType()),
    ("converted", BooleanType()),
    ("purchases", LongType()),
    ("revenue_reporting", DoubleType()),
    ("is_bot", BooleanType()),
    ("bot_category", StringType()),
    ("session_date", DateType()),
)

CATEGORY_METRICS_SCHEMA = nullable_struct(
    ("window_kind", StringType()),
    ("window_start", TimestampType()),
    ("window_end", TimestampType()),
    ("stagger_minute", TimestampType()),
    ("category", StringType()),
    ("events", LongType()),
    ("page_views", LongType()),
    ("product_views", LongType()),
    ("add_to_carts", LongType()),
    ("purchases", LongType()),
    ("units", LongType()),
    ("revenue_reporting", DoubleType()),
    ("avg_price_paid", DoubleType()),
    ("avg_price_deviation", DoubleType()),
    ("conversion_rate", DoubleType()),
    ("visitors_sketch", BinaryType()),
    ("visitors", LongType()),
    ("persons_sketch", BinaryType()),
    ("persons", LongType()),
    ("bot_events", LongType()),
    ("late_events", LongType()),
    ("is_final", BooleanType()),
    ("window_date", DateType()),
)

SESSIONS = TableSpec(
    name="sessions",
    schema=SESSIONS_SCHEMA,
    keys=("source", "session_id"),
    partition_by=("session_date",),
    layer="gold",
    description="One row per session (the source's session id, else a 30-minute inactivity cut per visitor), "
    "on the day it started: start, end, pages, landing and exit page, channel, device, conversion, revenue "
    "in the reporting currency and the bot verdict.",
)

CATEGORY_METRICS = TableSpec(
    name="category_metrics",
    schema=CATEGORY_METRICS_SCHEMA,
    keys=("window_kind", "window_start", "stagger_minute", "category"),
    partition_by=("window_date",),
    layer="gold",
    description="Per product category and event-time window (tumbling, sliding, stagger; tumbling_1d is the "
    "daily funnel): human events, "
    "funnel counts, units, revenue, prices, conversion, HyperLogLog sketches and estimates of distinct "
    "visitors and persons, bot and late events, and whether the window is final.",
)

METRICS_TABLES: tuple[TableSpec, ...] = (SESSIONS, CATEGORY_METRICS)
