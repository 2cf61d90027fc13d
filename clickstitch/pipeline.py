"""The one pipeline: a batch of landing files -> Delta tables. Stream and backfill both call it.

``transform_batch`` is pure (DataFrames in, DataFrames out); ``run_batch`` reads the files,
runs it, and hands the outputs to a sink that knows how its driver commits (the stream appends
exactly-once per micro-batch, the backfill replaces a date range).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from functools import reduce
from operator import and_
from typing import Any, Protocol

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from botdetect import apply_verdicts, refresh_verdicts, user_agent_signals
from botdetect.signals import SESSION_KEY
from botdetect.tables import BOT_SESSIONS
from botdetect.verdict import VERDICT_COLUMNS
from clickstitch import faults
from clickstitch.config import ClickstitchConfig
from identity.identifiers import event_identifiers
from identity.profiles import refresh_profiles
from identity.stitch import stitch_batch
from identity.store import current_map, event_persons
from identity.tables import CUSTOMER_PROFILES, IDENTITY_MAP, IDENTITY_MERGES
from ingest import (
    BatchContext,
    LandingFile,
    dead_letters,
    dedupe_events,
    parse_events,
    read_lines,
    valid_events,
)
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, EVENTS_SILVER, INGEST_BATCHES, Lakehouse, TableSpec, WriteResult
from lakehouse.schemas import INGEST_BATCH_SCHEMA
from privacy import PII_COUNTS_COLUMN, audit_rows, daily_events_k_anon, to_silver
from privacy.tables import EVENTS_DAILY_K_ANON, PRIVACY_AUDIT

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestOutputs:
    """What the ingest half of a batch produces.

    events: EVENT_SCHEMA, one row per event_id (bronze); dead: DEAD_LETTER_SCHEMA.
    """

    events: DataFrame
    dead: DataFrame


@dataclass(frozen=True)
class SilverOutputs:
    """What the silver half of a batch produces.

    silver: SILVER_EVENT_SCHEMA plus ``pii_entity_counts`` (for privacy_audit), with the bot verdict
    of each event's session. With bot detection on (else None): verdicts: SESSION_VERDICT_SCHEMA, one
    row per session whose verdict the batch may have changed (its own sessions and those sharing a
    client with them); reevaluated: the bronze events of those sessions (EVENT_SCHEMA) with the new
    verdict as ``new_<column>`` per VERDICT_COLUMNS, materialized (silver's re-labelling and the
    profile refresh both read it).
    """

    silver: DataFrame
    verdicts: DataFrame | None = None
    reevaluated: DataFrame | None = None


@dataclass(frozen=True)
class BatchReport:
    """Accounting of one batch: input_records = bronze_records + dead_letters + duplicates + out_of_range."""

    batch_id: str
    driver: str
    files: int
    input_records: int
    bronze_records: int
    dead_letters: int
    duplicates: int
    out_of_range: int
    started_at: datetime
    finished_at: datetime

    def balanced(self) -> bool:
        accounted = self.bronze_records + self.dead_letters + self.duplicates + self.out_of_range
        return self.input_records == accounted


def ingest_stage(parsed: DataFrame, config: ClickstitchConfig, batch: BatchContext) -> IngestOutputs:
    """The shared transform, first half: parsed lines -> bronze events and dead letters.

    Needs: ingest.parse_events output.
    """
    events = parsed.transform(valid_events).transform(dedupe_events)
    dead = dead_letters(parsed, config.ingest.dead_letter_raw_chars, batch.ingested_at)
    return IngestOutputs(events=events, dead=dead)


def silver_stage(
    events: DataFrame, history: DataFrame | None, config: ClickstitchConfig, hash_key: bytes
) -> SilverOutputs:
    """The shared transform, second half: bronze events -> silver events with their bot verdicts.

    Needs: the batch's events (EVENT_SCHEMA) and ``history``, the bronze events of the batch's days
    +-1 day (the batch's own included), so a session's verdict sees every event of its clients
    however the events were cut into batches (``botdetect.refresh``). Without history (bot
    detection off) the bot columns stay null.
    """
    with_agents = events.transform(user_agent_signals)
    if history is None:
        return SilverOutputs(silver=with_agents.transform(to_silver, config.privacy, hash_key))
    verdicts = refresh_verdicts(events.sparkSession, None, events, config.botdetect, history)
    silver = with_agents.transform(apply_verdicts, verdicts).transform(to_silver, config.privacy, hash_key)
    reevaluated = history.join(
        verdicts.select(*SESSION_KEY, *[F.col(c).alias(f"new_{c}") for c in VERDICT_COLUMNS]), list(SESSION_KEY)
    ).localCheckpoint(eager=True)
    return SilverOutputs(silver=silver, verdicts=verdicts, reevaluated=reevaluated)


class BatchSink(Protocol):
    """How a driver commits a batch's outputs."""

    @property
    def driver(self) -> str: ...

    @property
    def writer_id(self) -> str: ...

    @property
    def batch_number(self) -> int: ...

    def in_scope(self, event_date: F.Column) -> F.Column: ...

    def keeps(self, day: F.Column) -> F.Column:
        """Whether rows of this day that a table already holds survive the batch's write."""
        ...

    def scope(self, dates: tuple[date, date] | None) -> tuple[date, date] | None:
        """The days the batch writes, given the (first, last) days of its in-scope events."""
        ...

    def write_events(self, lake: Lakehouse, events: DataFrame, table: TableSpec = EVENTS_BRONZE) -> WriteResult: ...


@dataclass(frozen=True)
class StreamSink:
    """Micro-batch n of a stream: exactly-once appends; events already in bronze are skipped."""

    writer_id: str
    batch_number: int
    driver: str = "stream"

    def in_scope(self, event_date: F.Column) -> F.Column:
        return F.lit(True)

    def keeps(self, day: F.Column) -> F.Column:
        return F.lit(True)

    def scope(self, dates: tuple[date, date] | None) -> tuple[date, date] | None:
        return dates

    def write_events(self, lake: Lakehouse, events: DataFrame, table: TableSpec = EVENTS_BRONZE) -> WriteResult:
        return lake.append_new_keys(table, events, self.writer_id, self.batch_number)


@dataclass(frozen=True)
class BackfillSink:
    """A backfill run over [first, last]: replaces those partitions of bronze and of silver, each in one commit."""

    writer_id: str
    batch_number: int
    first: date
    last: date
    driver: str = "backfill"

    def in_scope(self, event_date: F.Column) -> F.Column:
        return event_date.between(F.lit(self.first), F.lit(self.last))

    def keeps(self, day: F.Column) -> F.Column:
        return ~self.in_scope(day)

    def scope(self, dates: tuple[date, date] | None) -> tuple[date, date]:
        return (self.first, self.last)  # the backfill owns its whole range, days without events included

    def write_events(self, lake: Lakehouse, events: DataFrame, table: TableSpec = EVENTS_BRONZE) -> WriteResult:
        in_range = events.where(self.in_scope(F.col("event_date")))
        bounds = (self.first.isoformat(), self.last.isoformat())
        return lake.replace_partitions(table, in_range, bounds, self.writer_id, self.batch_number)


def run_batch(
    spark: SparkSession,
    lake: Lakehouse,
    config: ClickstitchConfig,
    files: list[LandingFile],
    sink: BatchSink,
    lines: DataFrame | None = None,
) -> BatchReport:
    """Read, transform and commit one batch of files. Safe to re-run after a crash (replay).

    ``lines`` (LINE_SCHEMA, e.g. ``ingest.kafka.kafka_lines``) replaces reading ``files``."""
    batch = BatchContext(f"{sink.writer_id}-{sink.batch_number}", datetime.now(UTC))
    hash_key = config.secrets.hash_key_bytes()
    if _already_committed(lake, sink):
        log.info("batch %s already committed, nothing to do", batch.batch_id)
        return _committed_report(lake, batch.batch_id)
    size_mb = sum(f.size for f in files) / 1e6
    log.info("batch %s: reading %d files (%.1f MB)", batch.batch_id, len(files), size_mb)
    if lines is None:
        lines = read_lines(spark, files, config.ingest)
    parsed = parse_events(lines, config.ingest, batch)
    parsed = parsed.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        counts = _count(parsed, sink)
        log.info(
            "batch %s: %d records, %d valid, %d rejected, %d outside the range",
            batch.batch_id, counts["input"], counts["valid"], counts["rejected"], counts["out_of_range"],
        )
        ingest = ingest_stage(parsed, config, batch)
        # Computed once and cut from the (huge) parse plan: bronze, bots and silver all read it.
        batch_events = ingest.events.localCheckpoint(eager=True)
        bronze = sink.write_events(lake, batch_events)
        faults.after_write(EVENTS_BRONZE.name, sink.batch_number)
        in_scope = batch_events.where(sink.in_scope(F.col("event_date")))
        # Identity before silver: silver rows carry the person each event resolves to now.
        events = _stitch_identities(spark, lake, config, sink, in_scope)
        faults.after_write(IDENTITY_MAP.name, sink.batch_number)
        # Verdicts read the bronze neighbourhood of the batch as it is now that the batch is in it.
        history = _bronze_around(lake, counts["dates"], events) if config.botdetect.enabled else None
        outputs = silver_stage(events, history, config, hash_key)
        # Scrubbing is the costly stage: computed once, then written to silver and counted for the audit.
        silver = outputs.silver.persist(StorageLevel.MEMORY_AND_DISK)
        written = _write_silver(lake, sink, silver.drop(PII_COUNTS_COLUMN), outputs.reevaluated, counts["dates"])
        faults.after_write(EVENTS_SILVER.name, sink.batch_number)
        if outputs.verdicts is not None:  # materialized by refresh_verdicts (a local checkpoint; not cached again)
            _write_bot_sessions(lake, sink, outputs.verdicts)
            faults.after_write(BOT_SESSIONS.name, sink.batch_number)
        _refresh_profiles(spark, lake, config, sink, events, outputs.reevaluated)
        faults.after_write(CUSTOMER_PROFILES.name, sink.batch_number)
        lake.append(PRIVACY_AUDIT, audit_rows(silver, batch.batch_id), sink.writer_id, sink.batch_number)
        silver.unpersist()
        _refresh_gold(lake, config, sink, written)
        dead = ingest.dead.where(sink.in_scope(F.col("event_date")) | F.col("event_date").isNull())
        lake.append_new_keys(DEAD_LETTER, dead, sink.writer_id, sink.batch_number)
        faults.after_write(DEAD_LETTER.name, sink.batch_number)
        bronze_rows = bronze.rows if bronze.committed else _rows_of_batch(lake, batch.batch_id, counts["dates"])
        report = BatchReport(
            batch_id=batch.batch_id,
            driver=sink.driver,
            files=len(files),
            input_records=counts["input"],
            bronze_records=bronze_rows,
            dead_letters=counts["rejected_in_scope"],
            duplicates=counts["valid_in_scope"] - bronze_rows,
            out_of_range=counts["out_of_range"],
            started_at=batch.ingested_at,
            finished_at=datetime.now(UTC),
        )
        audit = spark.createDataFrame([tuple(asdict(report).values())], INGEST_BATCH_SCHEMA)
        lake.append(INGEST_BATCHES, audit, sink.writer_id, sink.batch_number)
        faults.after_write(INGEST_BATCHES.name, sink.batch_number)
    finally:
        parsed.unpersist()
    log.info(
        "batch %s: %d events to bronze, %d dead letters, %d duplicates (%.1f s)",
        report.batch_id, report.bronze_records, report.dead_letters, report.duplicates,
        (report.finished_at - report.started_at).total_seconds(),
    )
    return report


def _stitch_identities(
    spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, sink: BatchSink, events: DataFrame
) -> DataFrame:
    """Stitch the batch into the identity graph; gives the events with ``person_id`` (materialized)."""
    return stitch_batch(spark, lake, events, config, sink.writer_id, sink.batch_number).localCheckpoint(eager=True)


def _refresh_profiles(
    spark: SparkSession,
    lake: Lakehouse,
    config: ClickstitchConfig,
    sink: BatchSink,
    stitched: DataFrame,
    reevaluated: DataFrame | None,
) -> None:
    """Refresh the profiles the batch changed, after silver (profiles read its bot verdicts).

    Those are the batch's persons, the ids it merged away (their rows go) and the current persons
    of ``reevaluated`` (SilverOutputs): every event of a session whose verdict the batch re-evaluated.
    """
    merged_away = lake.read(IDENTITY_MERGES).where(
        (F.col("writer_id") == sink.writer_id) & (F.col("batch_number") == sink.batch_number)
    ).select(F.col("old_person_id").alias("person_id"))
    touched = stitched.select("person_id").unionByName(merged_away)
    if reevaluated is not None:
        identifiers = event_identifiers(reevaluated, config.secrets.hash_key_bytes(), config.identity)
        touched = touched.unionByName(event_persons(identifiers, current_map(lake, identifiers)).select("person_id"))
    refresh_profiles(spark, lake, config, touched.where(F.col("person_id").isNotNull()))


def _bronze_around(lake: Lakehouse, dates: tuple[date, date] | None, events: DataFrame) -> DataFrame:
    """Bronze events of the batch's days +-1 day: every event a verdict of the batch can depend on."""
    if dates is None:
        return events.where(F.lit(False))
    return lake.read(EVENTS_BRONZE, {"event_date": _days(_widen(dates))})


def _write_silver(
    lake: Lakehouse,
    sink: BatchSink,
    silver: DataFrame,
    reevaluated: DataFrame | None,
    dates: tuple[date, date] | None,
) -> tuple[date, date] | None:
    """Write the batch's silver rows, re-labelling earlier rows whose session verdict the batch changed.

    A later batch can change the verdict of a session written earlier (more of its events, or of
    its clients' sessions, arrive). Those rows get the new verdict in the same commit, so silver
    holds the one-shot verdicts however the events were batched. Returns the days written.
    """
    new_verdicts = None if reevaluated is None else reevaluated.select(
        "event_id", *[f"new_{c}" for c in VERDICT_COLUMNS]
    )
    stale = None if new_verdicts is None or dates is None else _stale_days(lake, sink, new_verdicts, dates)
    if new_verdicts is None or stale is None:
        sink.write_events(lake, silver, EVENTS_SILVER)
        return sink.scope(dates)
    first, last = _cover(stale, sink.scope(dates))
    existing = lake.read(EVENTS_SILVER, {"event_date": _days((first, last))}).where(sink.keeps(F.col("event_date")))
    relabelled = existing.join(new_verdicts, "event_id", "left").withColumns(
        {c: F.when(F.col("new_is_bot").isNotNull(), F.col(f"new_{c}")).otherwise(F.col(c)) for c in VERDICT_COLUMNS}
    )
    # What the sink would add: rows of the batch the table does not hold (a replayed event keeps its row).
    added = silver.join(existing.select("event_id"), "event_id", "left_anti")
    columns = EVENTS_SILVER.schema.fieldNames()
    rows = relabelled.select(*columns).unionByName(added.select(*columns))
    log.info("silver: re-labelling sessions whose bot verdict changed, days %s..%s", first, last)
    lake.replace_partitions(EVENTS_SILVER, rows, (first.isoformat(), last.isoformat()), sink.writer_id,
                            sink.batch_number)
    return (first, last)


def _stale_days(
    lake: Lakehouse, sink: BatchSink, new_verdicts: DataFrame, dates: tuple[date, date]
) -> tuple[date, date] | None:
    """(first, last) day of the silver rows kept by the sink whose verdict differs from the new one."""
    nearby = lake.read(EVENTS_SILVER, {"event_date": _days(_widen(dates))}).where(sink.keeps(F.col("event_date")))
    unchanged = reduce(and_, [F.col(c).eqNullSafe(F.col(f"new_{c}")) for c in VERDICT_COLUMNS])
    stale = nearby.join(new_verdicts, "event_id").where(~unchanged).agg(
        F.min("event_date").alias("first"), F.max("event_date").alias("last")
    ).first()
    return None if stale is None or stale["first"] is None else (stale["first"], stale["last"])


def _write_bot_sessions(lake: Lakehouse, sink: BatchSink, verdicts: DataFrame) -> None:
    """bot_sessions := its rows outside the batch's reach, plus the flagged ones of the new verdicts.

    A session the batch re-evaluated is replaced (or removed, when no longer flagged), in one commit.
    """
    bounds = verdicts.agg(F.min("session_date").alias("first"), F.max("session_date").alias("last")).first()
    judged = (bounds["first"], bounds["last"]) if bounds is not None and bounds["first"] is not None else None
    scope = sink.scope(None)
    span = judged if scope is None else _cover(scope, judged)
    if span is None:
        return
    first, last = span
    kept = (
        lake.read(BOT_SESSIONS, {"session_date": _days((first, last))})
        .where(sink.keeps(F.col("session_date")))
        .join(verdicts.select(*SESSION_KEY), list(SESSION_KEY), "left_anti")
    )
    columns = BOT_SESSIONS.schema.fieldNames()
    rows = kept.select(*columns).unionByName(verdicts.where("is_bot").select(*columns))
    lake.replace_partitions(BOT_SESSIONS, rows, (first.isoformat(), last.isoformat()), sink.writer_id,
                            sink.batch_number)


def _cover(span: tuple[date, date], *others: tuple[date, date] | None) -> tuple[date, date]:
    """The smallest (first, last) day range holding ``span`` and each of ``others`` that is given."""
    given = [span, *(other for other in others if other is not None)]
    return min(first for first, _ in given), max(last for _, last in given)


def _refresh_gold(lake: Lakehouse, config: ClickstitchConfig, sink: BatchSink, dates: tuple[date, date] | None) -> None:
    """Recompute the k-anonymous gold days the batch wrote to silver, from all of silver for those days.

    Gold is a function of silver per day, so any batching of the same events gives the same gold.
    """
    if dates is None:
        return
    days = _days(dates)
    gold = daily_events_k_anon(lake.read(EVENTS_SILVER, {"event_date": days}), config.privacy.k_anonymity,
                               exclude_bots=config.botdetect.exclude_bots_from_metrics)
    lake.replace_partitions(EVENTS_DAILY_K_ANON, gold, (days[0], days[-1]), sink.writer_id, sink.batch_number)
    faults.after_write(EVENTS_DAILY_K_ANON.name, sink.batch_number)


def _count(parsed: DataFrame, sink: BatchSink) -> dict[str, Any]:
    """All batch counts in one pass over the cached parse (this also fills the cache)."""
    rejected = F.col("reject_reason").isNotNull()
    in_scope = sink.in_scope(F.col("event_date"))
    valid_day = F.when(~rejected & in_scope, F.col("event_date"))
    row = parsed.agg(
        F.count(F.lit(1)).alias("input"),
        F.count_if(rejected).alias("rejected"),
        F.count_if(rejected & (in_scope | F.col("event_date").isNull())).alias("rejected_in_scope"),
        F.count_if(~rejected & in_scope).alias("valid_in_scope"),
        F.min(valid_day).alias("first_day"),
        F.max(valid_day).alias("last_day"),
    ).first()
    values = row.asDict()  # type: ignore[union-attr]
    first_day, last_day = values.pop("first_day"), values.pop("last_day")
    counts: dict[str, Any] = {k: int(v or 0) for k, v in values.items()}
    counts["dates"] = (first_day, last_day) if first_day is not None else None
    counts["valid"] = counts["input"] - counts["rejected"]
    counts["out_of_range"] = counts["input"] - counts["rejected_in_scope"] - counts["valid_in_scope"]
    return counts


def _already_committed(lake: Lakehouse, sink: BatchSink) -> bool:
    done = lake.committed_batch(INGEST_BATCHES, sink.writer_id)
    return done is not None and done >= sink.batch_number


def _committed_report(lake: Lakehouse, batch_id: str) -> BatchReport:
    row = lake.read(INGEST_BATCHES).where(F.col("batch_id") == batch_id).first()
    if row is None:
        raise RuntimeError(f"ingest_batches has a commit for {batch_id} but no row")
    return BatchReport(**row.asDict())


def _rows_of_batch(lake: Lakehouse, batch_id: str, dates: tuple[date, date] | None) -> int:
    """Bronze rows a replayed batch committed before a crash (its write was skipped this time)."""
    if dates is None:
        return 0
    return lake.read(EVENTS_BRONZE, {"event_date": _days(dates)}).where(F.col("batch_id") == batch_id).count()


def _widen(dates: tuple[date, date], days: int = 1) -> tuple[date, date]:
    return (dates[0] - timedelta(days=days), dates[1] + timedelta(days=days))


def _days(dates: tuple[date, date]) -> list[str]:
    """Every day of an inclusive (first, last) range, as partition values."""
    first, last = dates
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
