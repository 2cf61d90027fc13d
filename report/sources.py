"""The tables the report reads, and how it reads them without creating anything.

Each panel names its table and the columns it needs. A table the lake's catalog knows is read with
its catalog spec; one the catalog does not list yet (built by a branch not merged here) is read by
its folder under the lake root with the columns below, so it shows up as soon as it exists. A table
that is absent gives ``None``: the panel says what produces it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from lakehouse import Lakehouse, TableSpec


@dataclass(frozen=True)
class Source:
    """A table one or more panels read: the columns they need and what writes the table."""

    table: str
    columns: tuple[tuple[str, DataType], ...]
    produced_by: str
    partition_by: tuple[str, ...] = ()

    @property
    def schema(self) -> StructType:
        return StructType([StructField(name, kind, True) for name, kind in self.columns])

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]


CATEGORY_METRICS = Source(
    "category_metrics",
    (("window_kind", StringType()), ("window_start", TimestampType()), ("window_end", TimestampType()),
     ("category", StringType()), ("events", LongType()), ("purchases", LongType()),
     ("revenue_reporting", DoubleType()), ("conversion_rate", DoubleType()), ("bot_events", LongType()),
     ("late_events", LongType()), ("window_date", DateType())),
    "the windowed metrics step (issue 14, category_metrics)",
    ("window_date",),
)
SESSIONS = Source(
    "sessions",
    (("session_start", TimestampType()), ("duration_seconds", DoubleType()), ("traffic_source", StringType()),
     ("traffic_medium", StringType()), ("device_category", StringType()), ("converted", BooleanType()),
     ("revenue_reporting", DoubleType()), ("is_bot", BooleanType()), ("session_date", DateType())),
    "the sessions step (issue 14, sessions)",
    ("session_date",),
)
EVENTS_SILVER = Source(
    "events_silver", (("is_bot", BooleanType()), ("event_date", DateType())),
    "the pipeline's silver step (clickstitch demo, backfill or stream)", ("event_date",),
)
INGEST_BATCHES = Source(
    "ingest_batches",
    (("batch_id", StringType()), ("driver", StringType()), ("input_records", LongType()),
     ("bronze_records", LongType()), ("dead_letters", LongType()), ("duplicates", LongType()),
     ("out_of_range", LongType()), ("finished_at", TimestampType())),
    "every committed batch (clickstitch demo, backfill or stream)",
)
DEAD_LETTER = Source(
    "dead_letter", (("source", StringType()), ("stage", StringType()), ("reason", StringType())),
    "ingest and the dimension loads, for records that could not become rows",
)
ANOMALY_ALERTS = Source(
    "anomaly_alerts",
    (("key_kind", StringType()), ("key", StringType()), ("window_start", TimestampType()),
     ("window_end", TimestampType()), ("severity", StringType()), ("explanation", StringType())),
    "the anomaly detection step (issue 15, anomaly_alerts)",
)
QUALITY_RESULTS = Source(
    "quality_results",
    (("batch_id", StringType()), ("table", StringType()), ("suite", StringType()), ("expectation", StringType()),
     ("action", StringType()), ("success", BooleanType()), ("observed_value", StringType()),
     ("unexpected_count", LongType()), ("unexpected_percent", DoubleType()), ("checked_at", TimestampType())),
    "the data quality step (issue 16, quality_results)",
)

SOURCES: tuple[Source, ...] = (CATEGORY_METRICS, SESSIONS, EVENTS_SILVER, INGEST_BATCHES, DEAD_LETTER,
                               ANOMALY_ALERTS, QUALITY_RESULTS)


@dataclass(frozen=True)
class Loaded:
    """A source as found in the lake: its frame (the needed columns), or why there is none."""

    source: Source
    frame: DataFrame | None
    missing: str = ""  # why frame is None: "no data yet: ..." or the columns the table lacks


def load(lake: Lakehouse, source: Source) -> Loaded:
    """The source's columns, cast to the report's types, if the table exists (never creates it), else why not."""
    known = source.table in lake.catalog
    spec = lake.catalog.spec(source.table) if known else TableSpec(
        name=source.table, schema=source.schema, keys=(), partition_by=source.partition_by, layer="report",
        description="read by the report by its folder (not in the catalog yet)")
    if not lake.backend.exists(spec):
        return Loaded(source, None, f"no data yet: {source.table} is written by {source.produced_by}")
    if not known:  # read with the table's own column types (the report's guesses may differ)
        spec = replace(spec, schema=_schema_in_log(lake, spec))
    lacking = [name for name in source.names if name not in spec.schema.fieldNames()]
    if lacking:
        return Loaded(source, None, f"{source.table} lacks the columns {', '.join(lacking)}")
    frame = lake.read(spec) if known else lake.backend.read(spec)
    return Loaded(source, frame.select(*[F.col(name).cast(kind).alias(name) for name, kind in source.columns]))


def _schema_in_log(lake: Lakehouse, spec: TableSpec) -> StructType:
    """The schema a Delta table's log declares (for a table the catalog does not list)."""
    location = getattr(lake.backend, "location", None)
    if location is not None:  # delta-spark
        return lake.spark.read.format("delta").load(location(spec)).schema
    import pyarrow as pa
    from deltalake import DeltaTable
    from pyspark.sql.pandas.types import from_arrow_schema

    path = lake.backend.path(spec)  # type: ignore[attr-defined]  # delta-rs
    return from_arrow_schema(pa.schema(DeltaTable(str(path)).schema().to_arrow()))
