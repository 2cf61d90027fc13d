"""The pipeline's steps. Each takes the batch's frames and context and returns new frames plus the
table writes it wants; the sink commits those writes (docs/pipeline.md lists the steps).

A step is thin: it picks frames, calls a stage package's pure functions, and names its writes.
Steps that must read what an earlier step wrote (bots read bronze with the batch in it) rely on
the loop committing each step's writes before the next step runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import reduce
from operator import and_
from typing import Any, Protocol

from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from botdetect import (
    BOT_SESSIONS,
    apply_verdicts,
    refresh_verdicts,
    superseded_gap_sessions,
    user_agent_signals,
    with_gap_sessions,
)
from botdetect.gap_sessions import GAP_SESSION_PREFIX
from botdetect.refresh import SIGNAL_EVENT_COLUMNS
from botdetect.signals import SESSION_KEY
from botdetect.verdict import VERDICT_COLUMNS
from clickstitch.catalog import EVENTS_SILVER, SILVER_CARRIED_FIELDS
from clickstitch.config import ClickstitchConfig
from clickstitch.sinks import Sink, TableWrite, WriteMode
from enrich import EVENT_ITEMS, enrich_events, revenue_by_event
from identity import (
    CUSTOMER_PROFILES,
    IDENTITY_MAP,
    IDENTITY_MERGES,
    current_map,
    event_identifiers,
    event_persons,
    refresh_profiles,
    stitch_batch,
)
from ingest import BatchContext, dead_letters, dedupe_events, parse_events, valid_events
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, DayRange, Lakehouse, TableSpec
from metrics import (
    CATEGORY_METRICS,
    SESSIONS,
    build_sessions,
    category_events,
    duration_seconds,
    final_window_records,
    window_metrics,
    window_rows,
)
from privacy import EVENTS_DAILY_K_ANON, PII_COUNTS_COLUMN, PRIVACY_AUDIT, audit_rows, daily_events_k_anon, to_silver
from publish import open_publisher
from quality import (
    DETAIL_COLUMN,
    QUALITY_RESULTS,
    REASON_COLUMN,
    Bounds,
    ExpectationResult,
    Suite,
    dead_letter_rows,
    first_failure,
    mark_drops,
    needs_quarantine,
    prune_results,
    quality_root,
    result_rows,
    validate,
    validation_frame,
)
from quality import EVENTS_BRONZE as QUALITY_EVENTS_BRONZE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StepContext:
    """What every step of one batch shares."""

    spark: SparkSession
    lake: Lakehouse
    config: ClickstitchConfig
    sink: Sink
    batch: BatchContext
    hash_key: bytes


@dataclass
class Frames:
    """The batch's named frames and facts, filled in by the steps in order.

    lines (LINE_SCHEMA), parsed (parse_events output, persisted), counts (BatchCounts), events (the
    batch's bronze events in the sink's scope, materialized), stitched (events + person_id),
    verdicts / reevaluated / session_ids / superseded_sessions (bots; None when off), silver
    (SILVER_EVENT_SCHEMA + pii_entity_counts, persisted), silver_days (the days written to silver),
    dead (DEAD_LETTER_SCHEMA).
    """

    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"no frame {name!r} yet: a step that makes it must run first") from None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def update(self, new: dict[str, Any]) -> None:
        self.values.update(new)


@dataclass(frozen=True)
class StepResult:
    frames: dict[str, Any] = field(default_factory=dict)
    writes: tuple[TableWrite, ...] = ()
    rows: int | None = None  # rows produced, where that is known without an extra Spark job


class Step(Protocol):
    """One step: ``name`` (stable, used in ingest_batch_steps), ``tables`` it writes, ``run``."""

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> tuple[TableSpec, ...]: ...

    def run(self, frames: Frames, ctx: StepContext) -> StepResult: ...


@dataclass(frozen=True)
class BatchCounts:
    """All batch counts from one pass over the parsed lines."""

    input: int
    rejected: int
    rejected_in_scope: int
    valid_in_scope: int
    days: DayRange | None

    @property
    def out_of_range(self) -> int:
        return self.input - self.rejected_in_scope - self.valid_in_scope


class ParseStep:
    """lines -> parsed (every EVENT_SCHEMA column + reject_*), persisted, and the batch counts."""

    name = "parse"
    tables: tuple[TableSpec, ...] = ()

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        parsed = parse_events(frames["lines"], ctx.config.ingest, ctx.batch).persist(StorageLevel.MEMORY_AND_DISK)
        counts = _count(parsed, ctx.sink)
        log.info("batch %s: %d records, %d rejected, %d outside the range", ctx.batch.batch_id, counts.input,
                 counts.rejected, counts.out_of_range)
        return StepResult({"parsed": parsed, "counts": counts}, rows=counts.input)


class BronzeStep:
    """parsed -> events_bronze (valid, de-duplicated events) and the dead letters of the batch."""

    name = "bronze"
    tables = (EVENTS_BRONZE,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        parsed = frames["parsed"]
        # Computed once and cut from the (large) parse plan: bronze, identity, bots and silver read it.
        batch_events = parsed.transform(valid_events).transform(dedupe_events).localCheckpoint(eager=True)
        dead = dead_letters(parsed, ctx.config.ingest.dead_letter_raw_chars, ctx.batch.ingested_at)
        in_scope = batch_events.where(ctx.sink.in_scope(F.col("event_date")))
        return StepResult(
            {"events": in_scope, "dead": dead},
            (TableWrite(EVENTS_BRONZE, batch_events, WriteMode.EVENTS),),
        )


class IdentityStep:
    """events -> stitched (events + person_id); writes the identity tables itself.

    Identity interleaves reads and writes of its graph (docs/identity.md), so it commits through the
    lakehouse with the sink's transaction id; the sink's fault hook runs after it.
    """

    name = "identity"
    tables = (IDENTITY_MAP,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        sink = ctx.sink
        stitched = stitch_batch(ctx.spark, ctx.lake, frames["events"], ctx.config.identity, ctx.hash_key,
                                sink.writer_id, sink.batch_number).localCheckpoint(eager=True)
        sink.committed(IDENTITY_MAP.name)
        return StepResult({"stitched": stitched})


class BotStep:
    """stitched -> verdicts of every session the batch can change, and the bronze events of those sessions.

    Verdicts read the bronze neighbourhood of the batch (its days +-1) as it is with the batch in it.
    Events without a session id are cut into inactivity sessions over that neighbourhood first (a gap
    session's id depends on the visitor's earlier events), the same sessions metrics counts.
    Gives verdicts (SESSION_VERDICT_SCHEMA), reevaluated (their bronze events, gap sessions' ids in
    session_id, with ``new_<column>`` per VERDICT_COLUMNS, materialized), session_ids (event_id,
    session_id of the batch's events, for ``apply_verdicts``) and superseded_sessions (source,
    session_id, session_date: gap session ids the batch made obsolete); all None when bot detection is off.
    """

    name = "bots"
    tables: tuple[TableSpec, ...] = ()

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        config = ctx.config.botdetect
        if not config.enabled:
            return StepResult({"verdicts": None, "reevaluated": None, "session_ids": None,
                               "superseded_sessions": None})
        events, days = frames["stitched"], frames["counts"].days
        if days is None:
            history = events.where(F.lit(False))
        else:
            history = ctx.lake.read(EVENTS_BRONZE, {"event_date": days.widen().days()})
        # Bronze holds the batch now: cut once, and take the batch's events (with their ids) from the cut.
        # Only the columns the verdicts read are materialized (the neighbourhood is days of bronze).
        sessionized = history.select(*SIGNAL_EVENT_COLUMNS).transform(
            with_gap_sessions, config.session_gap_seconds).localCheckpoint(eager=True)
        batch = sessionized.join(events.select("event_id"), "event_id", "left_semi")
        verdicts = refresh_verdicts(ctx.spark, None, batch, config, sessionized)
        new_verdicts = verdicts.select(*SESSION_KEY, *[F.col(c).alias(f"new_{c}") for c in VERDICT_COLUMNS])
        # The re-judged sessions' whole bronze rows (profiles read their identifiers): by the source's session
        # id, and for events without one by event id, through the cut that gave their gap session's id.
        has_id = F.col("session_id").isNotNull()
        # (the cut's event ids come from the same bronze read: renamed, or Spark sees a self-join it cannot resolve)
        gap_judged = sessionized.where(F.col("session_id").startswith(GAP_SESSION_PREFIX)).select(
            F.col("event_id").alias("_cut_event_id"), *SESSION_KEY).join(new_verdicts, list(SESSION_KEY)).drop("source")
        sessionless = history.where(~has_id).drop("session_id")
        reevaluated = history.where(has_id).join(new_verdicts, list(SESSION_KEY)).unionByName(
            sessionless.join(gap_judged, sessionless["event_id"] == gap_judged["_cut_event_id"]).drop("_cut_event_id")
        ).localCheckpoint(eager=True)
        return StepResult({"verdicts": verdicts, "reevaluated": reevaluated,
                           "session_ids": batch.select("event_id", "session_id"),
                           "superseded_sessions": superseded_gap_sessions(sessionized, verdicts)})


class EnrichStep:
    """stitched -> event_items (one row per item: product, list price at the event time, FX), and the
    events with ``revenue_reporting``. Dimensions are read as they are in the lake now; a missing
    dimension flags the item, never drops it (docs/enrich.md)."""

    name = "enrich"
    tables = (EVENT_ITEMS,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        if not ctx.config.enrich.enabled:
            return StepResult()
        stitched = frames["stitched"]
        items = enrich_events(ctx.lake, stitched, ctx.config.enrich).localCheckpoint(eager=True)
        with_revenue = stitched.join(revenue_by_event(items), "event_id", "left")
        return StepResult({"stitched": with_revenue}, (TableWrite(EVENT_ITEMS, items, WriteMode.EVENTS),))


class SilverStep:
    """stitched + verdicts -> events_silver (privacy policies applied), re-labelling earlier rows whose
    session verdict the batch changed, in the same commit. Gives silver (persisted) and silver_days."""

    name = "silver"
    tables = (EVENTS_SILVER,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        with_agents = frames["stitched"].transform(user_agent_signals)
        verdicts = frames["verdicts"]
        if verdicts is not None:
            with_agents = with_agents.transform(apply_verdicts, verdicts, frames["session_ids"])
        # Scrubbing is the costly stage: computed once, then written to silver and counted for the audit.
        silver = with_agents.transform(to_silver, ctx.config.privacy, ctx.hash_key, SILVER_CARRIED_FIELDS).persist(
            StorageLevel.MEMORY_AND_DISK
        )
        write, days = _silver_write(ctx, silver.drop(PII_COUNTS_COLUMN), frames["reevaluated"], frames["counts"].days)
        return StepResult({"silver": silver, "silver_days": days}, (write,))


class BotSessionsStep:
    """verdicts -> bot_sessions: rows outside the batch's reach kept, re-evaluated sessions replaced, and rows of
    gap sessions whose id the batch superseded (their events now start a session elsewhere) removed."""

    name = "bot_sessions"
    tables = (BOT_SESSIONS,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        verdicts = frames["verdicts"]
        if verdicts is None:
            return StepResult()
        replaced = verdicts.select(*SESSION_KEY, "session_date").unionByName(frames["superseded_sessions"])
        bounds = replaced.agg(F.min("session_date").alias("first"), F.max("session_date").alias("last")).first()
        judged = DayRange.of(bounds["first"], bounds["last"]) if bounds is not None else None
        scope = ctx.sink.scope(None)
        span = judged if scope is None else scope.cover(judged)
        if span is None:
            return StepResult()
        kept = (
            ctx.lake.read(BOT_SESSIONS, {"session_date": span.days()})
            .where(ctx.sink.keeps(F.col("session_date")))
            .join(replaced.select(*SESSION_KEY), list(SESSION_KEY), "left_anti")
        )
        columns = BOT_SESSIONS.schema.fieldNames()
        rows = kept.select(*columns).unionByName(verdicts.where("is_bot").select(*columns))
        return StepResult(writes=(TableWrite.replace_days(BOT_SESSIONS, rows, span),))


class ProfilesStep:
    """Refresh the profiles the batch changed, after silver (profiles read its bot verdicts).

    Those are the batch's persons, the ids it merged away (their rows go) and the current persons
    of every event of a session whose verdict the batch re-evaluated.
    """

    name = "profiles"
    tables = (CUSTOMER_PROFILES,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        lake, sink, config = ctx.lake, ctx.sink, ctx.config
        merged_away = lake.read(IDENTITY_MERGES).where(
            (F.col("writer_id") == sink.writer_id) & (F.col("batch_number") == sink.batch_number)
        ).select(F.col("old_person_id").alias("person_id"))
        touched = frames["stitched"].select("person_id").unionByName(merged_away)
        reevaluated = frames["reevaluated"]
        if reevaluated is not None:
            identifiers = event_identifiers(reevaluated, ctx.hash_key, config.identity)
            touched = touched.unionByName(
                event_persons(identifiers, current_map(lake, identifiers)).select("person_id")
            )
        result = refresh_profiles(ctx.spark, lake, config.identity, ctx.hash_key,
                                  touched.where(F.col("person_id").isNotNull()),
                                  exclude_bots=config.botdetect.exclude_bots_from_metrics)
        sink.committed(CUSTOMER_PROFILES.name)
        return StepResult(rows=result.rows)


class PrivacyAuditStep:
    """silver's entity counts -> privacy_audit (counts only, never values)."""

    name = "privacy_audit"
    tables = (PRIVACY_AUDIT,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        return StepResult(writes=(TableWrite(PRIVACY_AUDIT, audit_rows(frames["silver"], ctx.batch.batch_id)),))


class GoldStep:
    """Recompute the k-anonymous gold days the batch wrote to silver, from all of silver for those days.

    Gold is a function of silver per day, so any batching of the same events gives the same gold.
    """

    name = "gold"
    tables = (EVENTS_DAILY_K_ANON,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        days: DayRange | None = frames["silver_days"]
        frames["silver"].unpersist()
        if days is None:
            return StepResult()
        silver = ctx.lake.read(EVENTS_SILVER, {"event_date": days.days()})
        gold = daily_events_k_anon(silver, ctx.config.privacy.k_anonymity,
                                   exclude_bots=ctx.config.botdetect.exclude_bots_from_metrics)
        return StepResult(writes=(TableWrite.replace_days(EVENTS_DAILY_K_ANON, gold, days),))


class DeadLetterStep:
    """The batch's dead letters in scope (or with no event date) -> dead_letter, once per dead_letter_id."""

    name = "dead_letters"
    tables = (DEAD_LETTER,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        dead = frames["dead"].where(ctx.sink.in_scope(F.col("event_date")) | F.col("event_date").isNull())
        return StepResult(writes=(TableWrite(DEAD_LETTER, dead, WriteMode.APPEND_NEW_KEYS),))


# --- Data quality (issue 16, docs/quality.md): the quality steps, one block. -------------------------


def _quality_bounds(ctx: StepContext) -> Bounds:
    """The batch's plausible event-time range, as ingest's parse checks it."""
    ingest = ctx.config.ingest
    return Bounds(datetime.fromisoformat(ingest.min_event_time.replace("Z", "+00:00")),
                  ctx.batch.ingested_at + timedelta(hours=ingest.max_future_skew_hours))


def _check(earlier: Sequence[tuple], ctx: StepContext, suite: Suite,
           checked: DataFrame) -> tuple[list[ExpectationResult], list[tuple]]:
    """One GX Checkpoint run over the suite's columns; raises on a failed ``fail`` expectation (before any
    write of the table, and before quality_results holds anything of the batch). Gives the results and
    the batch's quality_results rows so far (``earlier`` plus this suite's)."""
    root = quality_root(ctx.config.lake.root)
    # GX plans several queries per suite on the frame; cut from the batch's lineage, each is planned over a
    # small scan instead of the whole plan that made the frame (that planning, not the jobs, dominated).
    frame = validation_frame(checked, suite, _quality_bounds(ctx)).localCheckpoint(eager=True)
    results = validate(root, suite, frame, ctx.batch.batch_id)
    failure = first_failure(results)
    if failure is not None:
        raise failure
    for result in results:
        if not result.success:
            log.warning("batch %s: quality %s.%s (%s) failed: %s unexpected rows", ctx.batch.batch_id,
                        suite.table, result.expectation.name, result.expectation.action, result.unexpected_count)
    rows = [*earlier, *result_rows(results, ctx.batch.batch_id, ctx.batch.ingested_at)]
    return results, rows


class QualityEventsStep:
    """parsed -> parsed: GX validates the batch's valid, in-scope events before bronze (suite events_bronze).

    ``drop`` rows become rejected rows (reason: the expectation's name, stage ``quality``), so bronze
    leaves them out, its dead letters carry them with the raw line, and the recount keeps
    ``ingest_batches`` balanced. ``fail`` raises before bronze. Gives parsed (persisted) and counts when
    it dropped rows, and the batch's quality results so far.
    """

    name = "quality_events"
    tables: tuple[TableSpec, ...] = ()

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        config = ctx.config.quality
        if not config.enabled:
            return StepResult()
        suite = config.suite(QUALITY_EVENTS_BRONZE)
        parsed = frames["parsed"]
        candidate = F.col("reject_reason").isNull() & ctx.sink.in_scope(F.col("event_date"))
        results, rows = _check(frames.get("quality_results") or [], ctx, suite, parsed.where(candidate))
        if not needs_quarantine(results):
            return StepResult({"quality_results": rows})
        marked = mark_drops(parsed, suite, _quality_bounds(ctx))
        dropped = candidate & F.col(REASON_COLUMN).isNotNull()
        requalified = marked.withColumns({
            "reject_reason": F.when(dropped, F.col(REASON_COLUMN)).otherwise(F.col("reject_reason")),
            "reject_detail": F.when(dropped, F.col(DETAIL_COLUMN)).otherwise(F.col("reject_detail")),
            "reject_stage": F.when(dropped, F.lit("quality")).otherwise(F.col("reject_stage")),
        }).drop(REASON_COLUMN, DETAIL_COLUMN).persist(StorageLevel.MEMORY_AND_DISK)
        counts = _count(requalified, ctx.sink)  # fills the new cache; quarantined rows now count as dead letters
        parsed.unpersist()
        log.info("batch %s: quality dropped %d events before bronze", ctx.batch.batch_id,
                 counts.rejected_in_scope - frames["counts"].rejected_in_scope)
        return StepResult({"parsed": requalified, "counts": counts, "quality_results": rows})


@dataclass(frozen=True)
class QualityGate:
    """A step whose write of ``table`` GX validates first (the step keeps its name and frames).

    ``checked`` names the frame of the batch's rows to validate (None: the write's rows). ``drop``
    rows leave the write and the checked frame (matched on ``key``) and join the batch's dead letters;
    ``fail`` raises before the loop commits anything of the step. The GX jobs run in their own job
    group (``<batch>/quality_<table>``) and are logged with their seconds.
    """

    inner: Step
    table: TableSpec
    checked: str | None
    key: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def tables(self) -> tuple[TableSpec, ...]:
        return self.inner.tables

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        outcome = self.inner.run(frames, ctx)
        write = next((w for w in outcome.writes if w.table.name == self.table.name), None)
        if not ctx.config.quality.enabled or write is None:
            return outcome
        with _timed_check(ctx, self.table.name, self.inner.name):
            return self._gate(frames, ctx, outcome, write)

    def _gate(self, frames: Frames, ctx: StepContext, outcome: StepResult, write: TableWrite) -> StepResult:
        suite = ctx.config.quality.suite(self.table.name)
        checked = write.rows if self.checked is None else outcome.frames[self.checked]
        results, rows = _check(frames.get("quality_results") or [], ctx, suite, checked)
        new_frames = {**outcome.frames, "quality_results": rows}
        if not needs_quarantine(results):
            return replace(outcome, frames=new_frames)
        marked = mark_drops(checked, suite, _quality_bounds(ctx))
        dropped = marked.where(F.col(REASON_COLUMN).isNotNull()).localCheckpoint(eager=True)
        keys = dropped.select(*self.key)
        kept = replace(write, rows=write.rows.join(keys, list(self.key), "left_anti"))
        writes = tuple(kept if w is write else w for w in outcome.writes)
        if self.checked is not None:  # later steps read the kept rows; the cached frame is freed at the end
            new_frames[self.checked] = checked.join(keys, list(self.key), "left_anti")
            new_frames["quality_cached"] = [*(frames.get("quality_cached") or []), checked]
        dead = dead_letter_rows(dropped, self.table.name, self.key, ctx.batch.batch_id, ctx.batch.ingested_at)
        new_frames["dead"] = frames["dead"].unionByName(dead)
        return replace(outcome, frames=new_frames, writes=writes)


class QualityResultsStep:
    """The batch's quality results -> quality_results, in one exactly-once append (so a batch that
    failed a check wrote none and its replay writes them all). Frees frames the gates kept cached and
    prunes GX's stored validation results to ``quality.docs_max_results``."""

    name = "quality_results"
    tables = (QUALITY_RESULTS,)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        for cached in frames.get("quality_cached") or []:
            cached.unpersist()
        rows = frames.get("quality_results")
        if not ctx.config.quality.enabled or not rows:
            return StepResult()
        prune_results(quality_root(ctx.config.lake.root), ctx.config.quality.docs_max_results)
        results = ctx.spark.createDataFrame(rows, QUALITY_RESULTS.schema)
        return StepResult(writes=(TableWrite(QUALITY_RESULTS, results),))
class MetricsStep:
    """Recompute sessions and category_metrics for the days around the silver days of the batch.

    Like gold, both are functions of silver (and event_items) per day, so any batching of the same events
    gives the same rows. A session belongs to the day it started and a window to the day of its start, and
    either can reach into the next day: the step recomputes the silver days +-1 from silver, event_items
    and bronze's received_time of those days +-2, read once and cached. It commits its two writes itself
    (through the sink, with the batch's transaction id) so it can publish the final windows to
    ``metrics.topic`` after the commit and drop its caches (docs/metrics.md).
    """

    name = "metrics"
    tables = (SESSIONS, CATEGORY_METRICS)

    def run(self, frames: Frames, ctx: StepContext) -> StepResult:
        config, lake, sink = ctx.config.metrics, ctx.lake, ctx.sink
        days: DayRange | None = frames["silver_days"]
        if not config.enabled or days is None:
            return StepResult()
        span, reach = days.widen(1), days.widen(2)
        read: dict[str, Sequence[str]] = {"event_date": reach.days()}
        silver = lake.read(EVENTS_SILVER, read).select(*_METRICS_SILVER_COLUMNS).persist(StorageLevel.MEMORY_AND_DISK)
        items = lake.read(EVENT_ITEMS, read) if lake.exists(EVENT_ITEMS) else ctx.spark.createDataFrame(
            [], EVENT_ITEMS.schema)
        arrivals = lake.read(EVENTS_BRONZE, read).select("event_id", "received_time")
        rows = category_events(silver, items, arrivals, config).persist(StorageLevel.MEMORY_AND_DISK)
        cached = [silver, rows]  # freed however the step ends (a `fail` check raises before the writes)
        try:
            sessions = build_sessions(silver, duration_seconds(config.session_gap), config.page_types,
                                      config.purchase_events)
            sessions = sessions.where(F.col("session_date").between(F.lit(span.first), F.lit(span.last)))
            sessions = sessions.persist(StorageLevel.MEMORY_AND_DISK)  # validated, then written
            cached.append(sessions)
            # One small job that also fills the cache every window kind reads.
            watermark: datetime | None = rows.agg(F.max("event_time")).first()[0]  # type: ignore[index]
            exclude_bots = ctx.config.botdetect.exclude_bots_from_metrics
            metrics = window_metrics(window_rows(rows, config), config, watermark=F.lit(watermark).cast("timestamp"),
                                     exclude_bots=exclude_bots)
            metrics = metrics.where(F.col("window_date").between(F.lit(span.first), F.lit(span.last))).persist(
                StorageLevel.MEMORY_AND_DISK)
            cached.append(metrics)
            checked = _check_metrics(frames, ctx, sessions, metrics)  # a `fail` raises before either write
            written = [sink.commit(lake, TableWrite.replace_days(SESSIONS, sessions, span)),
                       sink.commit(lake, TableWrite.replace_days(CATEGORY_METRICS, metrics, span))]
            if _may_have_final_windows(span, watermark, duration_seconds(config.allowed_lateness)):
                publisher = open_publisher(lake, config.topic, config.bootstrap)
                published = publisher.publish(final_window_records(metrics), sink.writer_id, sink.batch_number)
                log.info("metrics: %d final windows of %s published to %s", published, span, config.topic)
        finally:
            for frame in cached:
                frame.unpersist()
        return StepResult(checked, rows=sum(w.rows for w in written))


def _check_metrics(frames: Frames, ctx: StepContext, sessions: DataFrame, metrics: DataFrame) -> dict[str, Any]:
    """GX validates the recomputed sessions and windows (metrics that add up) before they are written;
    gives the batch's quality results so far (its frames update). Warn or fail only: no row to quarantine."""
    if not ctx.config.quality.enabled:
        return {}
    rows = frames.get("quality_results") or []
    for table, frame in ((SESSIONS, sessions), (CATEGORY_METRICS, metrics)):
        with _timed_check(ctx, table.name, MetricsStep.name):
            _, rows = _check(rows, ctx, ctx.config.quality.suite(table.name), frame)
    return {"quality_results": rows}


@contextmanager
def _timed_check(ctx: StepContext, table: str, step: str) -> Iterator[None]:
    """A quality check inside ``step``, under a Spark job group of its own: its seconds and jobs are logged
    (the benches add them up), and the step's job count leaves them out."""
    spark, batch_id = ctx.spark.sparkContext, ctx.batch.batch_id
    group, clock = f"{batch_id}/quality_{table}", time.perf_counter()
    spark.setJobGroup(group, f"clickstitch {group}")
    try:
        yield
    finally:
        log.info("batch %s: quality %s %.1f s, %d Spark jobs", batch_id, table, time.perf_counter() - clock,
                 len(spark.statusTracker().getJobIdsForGroup(group)))
        spark.setJobGroup(f"{batch_id}/{step}", f"clickstitch {batch_id}/{step}")


def _may_have_final_windows(span: DayRange, watermark: datetime | None, lateness_seconds: int) -> bool:
    """Whether any window of ``span`` can be final (window_end + lateness <= watermark), decided without a job.

    Windows end after their day starts (a stagger window, in arrival time, at most a day before: clock skew).
    """
    if watermark is None:
        return False
    earliest_end = datetime.combine(span.first - timedelta(days=1), datetime.min.time())
    return earliest_end + timedelta(seconds=lateness_seconds) <= watermark.replace(tzinfo=None)


# What the metrics step reads of silver (sessions and the windowed metrics).
_METRICS_SILVER_COLUMNS = (
    "event_id", "source", "event_type", "event_name", "event_time", "session_id_hash", "anonymous_id_hash",
    "device_id_hash", "user_id_hash", "person_id", "page_url", "traffic_source", "traffic_medium",
    "device_category", "country", "revenue_reporting", "is_bot", "bot_category", "event_date",
)


# The pipeline, in order. A new stage is one more entry (and its tables in clickstitch.catalog).
DEFAULT_STEPS: tuple[Step, ...] = (
    ParseStep(),
    QualityEventsStep(),
    BronzeStep(),
    IdentityStep(),
    BotStep(),
    QualityGate(EnrichStep(), EVENT_ITEMS, None, ("event_id", "item_index")),
    QualityGate(SilverStep(), EVENTS_SILVER, "silver", ("event_id",)),
    BotSessionsStep(),
    ProfilesStep(),
    PrivacyAuditStep(),
    GoldStep(),
    MetricsStep(),
    QualityResultsStep(),
    DeadLetterStep(),
)


def _silver_write(
    ctx: StepContext, silver: DataFrame, reevaluated: DataFrame | None, days: DayRange | None
) -> tuple[TableWrite, DayRange | None]:
    """The silver write of the batch, re-labelling earlier rows whose session verdict the batch changed.

    A later batch can change the verdict of a session written earlier (more of its events, or of
    its clients' sessions, arrive). Those rows get the new verdict in the same commit, so silver
    holds the one-shot verdicts however the events were batched. Gives the write and the days written.
    """
    sink, lake = ctx.sink, ctx.lake
    new_verdicts = None if reevaluated is None else reevaluated.select(
        "event_id", *[f"new_{c}" for c in VERDICT_COLUMNS]
    )
    stale = None if new_verdicts is None or days is None else _stale_days(ctx, new_verdicts, days)
    if new_verdicts is None or stale is None:
        return TableWrite(EVENTS_SILVER, silver, WriteMode.EVENTS), sink.scope(days)
    span = stale.cover(sink.scope(days))
    existing = lake.read(EVENTS_SILVER, {"event_date": span.days()}).where(sink.keeps(F.col("event_date")))
    relabelled = existing.join(new_verdicts, "event_id", "left").withColumns(
        {c: F.when(F.col("new_is_bot").isNotNull(), F.col(f"new_{c}")).otherwise(F.col(c)) for c in VERDICT_COLUMNS}
    )
    # What the sink would add: rows of the batch the table does not hold (a replayed event keeps its row).
    added = silver.join(existing.select("event_id"), "event_id", "left_anti")
    columns = EVENTS_SILVER.schema.fieldNames()
    rows = relabelled.select(*columns).unionByName(added.select(*columns))
    log.info("silver: re-labelling sessions whose bot verdict changed, days %s", span)
    return TableWrite.replace_days(EVENTS_SILVER, rows, span), span


def _stale_days(ctx: StepContext, new_verdicts: DataFrame, days: DayRange) -> DayRange | None:
    """The days of the silver rows kept by the sink whose verdict differs from the new one."""
    nearby = ctx.lake.read(EVENTS_SILVER, {"event_date": days.widen().days()}).where(
        ctx.sink.keeps(F.col("event_date"))
    )
    unchanged = reduce(and_, [F.col(c).eqNullSafe(F.col(f"new_{c}")) for c in VERDICT_COLUMNS])
    stale = nearby.join(new_verdicts, "event_id").where(~unchanged).agg(
        F.min("event_date").alias("first"), F.max("event_date").alias("last")
    ).first()
    return None if stale is None else DayRange.of(stale["first"], stale["last"])


def _count(parsed: DataFrame, sink: Sink) -> BatchCounts:
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
    assert row is not None  # an aggregate without grouping always gives one row
    return BatchCounts(
        input=int(row["input"] or 0),
        rejected=int(row["rejected"] or 0),
        rejected_in_scope=int(row["rejected_in_scope"] or 0),
        valid_in_scope=int(row["valid_in_scope"] or 0),
        days=DayRange.of(row["first_day"], row["last_day"]),
    )
