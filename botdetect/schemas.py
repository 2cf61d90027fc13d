"""The schema of a session verdict, declared once (``session_verdicts`` output, ``bot_sessions`` rows)."""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

# What bot detection adds to each silver event: the parsed user agent and its session's verdict.
SILVER_FIELDS = tuple(
    StructField(name, dtype, True)
    for name, dtype in (
        ("ua_browser", StringType()),
        ("ua_os", StringType()),
        ("ua_device", StringType()),
        ("bot_score", DoubleType()),
        ("is_bot", BooleanType()),
        ("bot_category", StringType()),
        ("bot_reasons", ArrayType(StringType(), True)),
    )
)

SESSION_VERDICT_SCHEMA = StructType(
    [
        StructField(name, dtype, True)
        for name, dtype in (
            ("source", StringType()),
            ("session_id", StringType()),
            ("anonymous_id", StringType()),
            ("session_date", DateType()),
            ("first_event_time", TimestampType()),
            ("last_event_time", TimestampType()),
            ("user_agent", StringType()),
            ("event_count", LongType()),
            ("page_views", LongType()),
            ("interactions", LongType()),
            ("duration_s", DoubleType()),
            ("pages_per_minute", DoubleType()),
            ("page_gaps", LongType()),
            ("gap_cv", DoubleType()),
            ("no_referrer_share", DoubleType()),
            ("deep_link_share", DoubleType()),
            ("active_hours", LongType()),
            ("ip_anonymous_ids", LongType()),
            ("sessions_per_minute", LongType()),
            ("ua_bot_score", DoubleType()),
            ("bot_score", DoubleType()),
            ("is_bot", BooleanType()),
            ("bot_category", StringType()),
            ("bot_reasons", ArrayType(StringType(), True)),
        )
    ]
)
"""What ``session_verdicts`` returns (one row per session) and what ``bot_sessions`` stores."""
