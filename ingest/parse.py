"""Lines -> canonical events or dead letters. Pure DataFrame stages, shared by stream and backfill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from ingest import ga4, segment
from ingest.checks import first_failure, number_probe_schema
from ingest.config import IngestConfig
from lakehouse.schemas import DEAD_LETTER_SCHEMA, EVENT_SCHEMA

_SOURCES = {"ga4": ga4, "segment": segment}
_JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": "_corrupt_record"}


@dataclass(frozen=True)
class BatchContext:
    """What every row of a batch shares: its id and the one ingest time (keeps a batch deterministic)."""

    batch_id: str
    ingested_at: datetime


def parse_events(lines: DataFrame, config: IngestConfig, batch: BatchContext) -> DataFrame:
    """Parse and check every line, in one pass.

    Needs: ingest.reader.LINE_SCHEMA columns.
    Gives: every EVENT_SCHEMA column plus reject_reason, reject_detail, reject_stage (null for
    valid events) and raw_text, raw_bytes for the dead letters.
    """
    plan = _parse_plan(config, lines.sparkSession.sparkContext.applicationId)
    # The batch's own values are columns, so the (large) expressions of the plan are built once per config.
    lines = lines.withColumns({
        _MAX_TIME: F.lit(batch.ingested_at + timedelta(hours=config.max_future_skew_hours)).cast("timestamp"),
        _BATCH_ID: F.lit(batch.batch_id),
        _INGESTED_AT: F.lit(batch.ingested_at).cast("timestamp"),
    })
    return lines.select(*plan.parsed).select("*", *plan.derived).select(*plan.events)


_MAX_TIME, _BATCH_ID, _INGESTED_AT = "_max_event_time", "_batch_id", "_ingested_at"


@dataclass(frozen=True)
class _ParsePlan:
    """The three projections of parse_events: each line parsed once, per-source intermediates, events."""

    parsed: tuple[Column, ...]
    derived: tuple[Column, ...]
    events: tuple[Column, ...]


@lru_cache(maxsize=8)
def _parse_plan(config: IngestConfig, application_id: str) -> _ParsePlan:
    """Built once per config and Spark application: a few hundred expressions, seconds of driver time
    a micro-batch need not pay again (``application_id`` keeps a stopped session's columns out)."""
    del application_id
    min_time = F.lit(config.min_event_time).cast("timestamp")
    max_time = F.col(_MAX_TIME)
    source, text = F.col("source"), F.col("text")
    readable = F.col("read_error").isNull()
    # Parse each line once, in its own projection: referenced by dozens of expressions below,
    # from_json would otherwise run once per reference (Spark keeps non-cheap projections apart).
    parsed = (
        F.col("*"),
        *[F.when(readable & (source == name), F.from_json(text, module.RAW_SCHEMA, _JSON_OPTIONS)).alias(f"_{name}")
          for name, module in _SOURCES.items()],
        # Second parse only where a cheap regex sees a non-string token after one of the fields.
        *[F.when(readable & (source == name) & text.rlike(_non_string_token(module.STRING_FIELDS)),
                 F.from_json(text, number_probe_schema(module.STRING_FIELDS)))
          .alias(f"_{name}_numbers") for name, module in _SOURCES.items()],
    )
    intermediate_names: dict[str, list[str]] = {}
    derived = []
    for name, module in _SOURCES.items():
        columns = module.intermediate_columns(F.col(f"_{name}"))
        intermediate_names[name] = list(columns)
        derived += [value.alias(f"_{name}_{key}") for key, value in columns.items()]

    values: dict[str, Column] = {}
    reason: Column = F.when(~readable, F.col("read_error"))
    detail: Column = F.when(~readable, F.col("read_detail"))
    valid_time: Column = F.lit(False)
    for name, module in _SOURCES.items():
        mine = readable & (source == name)
        row = F.col(f"_{name}")
        columns = module.event_columns(row, {k: F.col(f"_{name}_{k}") for k in intermediate_names[name]})
        for column, value in columns.items():
            values[column] = values[column].when(mine, value) if column in values else F.when(mine, value)
        event_time = columns["event_time"]
        source_reason, source_detail = first_failure(
            module.checks(row, text, event_time, min_time, max_time, F.col(f"_{name}_numbers"))
        )
        reason, detail = reason.when(mine, source_reason), detail.when(mine, source_detail)
        in_bounds = event_time.isNotNull() & (event_time >= min_time) & (event_time <= max_time)
        valid_time = valid_time | (mine & in_bounds)
    reason = reason.otherwise(F.lit("unknown_source"))
    detail = detail.otherwise(F.lit("no parser for this source"))
    values.update(
        source=source,
        source_file=F.col("source_file"),
        source_line=F.col("source_line"),
        batch_id=F.col(_BATCH_ID),
        ingested_at=F.col(_INGESTED_AT),
    )
    values["event_date"] = F.when(valid_time, F.to_date(values["event_time"]))
    events = (
        *[values.get(f.name, F.lit(None)).cast(f.dataType).alias(f.name) for f in EVENT_SCHEMA.fields],
        reason.alias("reject_reason"),
        detail.alias("reject_detail"),
        F.when(~readable, F.lit("read")).when(reason.isNotNull(), F.lit("parse")).alias("reject_stage"),
        text.alias("raw_text"),
        F.col("raw_bytes"),
    )
    return _ParsePlan(parsed, tuple(derived), events)


def _non_string_token(fields: tuple[str, ...]) -> str:
    return '"(' + "|".join(fields) + ')"\\s*:\\s*[-0-9.\\[{]'


def valid_events(parsed: DataFrame) -> DataFrame:
    """Rows that passed every check, as EVENT_SCHEMA. Needs: parse_events output."""
    return parsed.where(F.col("reject_reason").isNull()).select(*EVENT_SCHEMA.fieldNames())


def dedupe_events(events: DataFrame) -> DataFrame:
    """One row per event_id: the first occurrence by (source_file, source_line).

    Needs/gives: EVENT_SCHEMA. Deterministic, so any batching of the same files keeps the same row.
    """
    first = Window.partitionBy("event_id").orderBy("source_file", "source_line")
    return events.withColumn("_n", F.row_number().over(first)).where("_n = 1").drop("_n")


def dead_letters(parsed: DataFrame, raw_chars: int, recorded_at: datetime) -> DataFrame:
    """Rejected rows as DEAD_LETTER_SCHEMA; the id is stable per (file, line) so replays dedupe.

    Needs: parse_events output.
    """
    rejected = parsed.where(F.col("reject_reason").isNotNull())
    return rejected.select(
        F.sha2(F.concat_ws("|", F.col("source_file"), F.col("source_line").cast("string")), 256)
        .alias("dead_letter_id"),
        F.col("source"),
        F.col("source_file"),
        F.col("source_line"),
        F.col("reject_stage").alias("stage"),
        F.col("reject_reason").alias("reason"),
        F.col("reject_detail").alias("detail"),
        F.left(F.col("raw_text"), F.lit(raw_chars)).alias("raw_text"),
        F.col("raw_bytes"),
        F.col("event_date"),
        F.col("batch_id"),
        F.lit(recorded_at).cast("timestamp").alias("recorded_at"),
    ).select(*DEAD_LETTER_SCHEMA.fieldNames())
