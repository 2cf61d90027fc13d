"""The one pipeline: a batch of input lines -> Delta tables. Stream and backfill both call ``run_batch``.

``run_batch`` is a short loop over ``steps.DEFAULT_STEPS``: each step turns the batch's frames into
new frames plus the table writes it wants, the sink commits those writes (exactly-once, in the
driver's commit mode) and the loop times the step. ``ingest_batches`` (with the per-step times in
``ingest_batch_steps``) is written last: it marks the batch done. See docs/pipeline.md.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Protocol

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import INGEST_BATCH_STEPS
from clickstitch.config import ClickstitchConfig
from clickstitch.sinks import BackfillSink, Sink, StreamSink, TableWrite
from clickstitch.steps import DEFAULT_STEPS, BatchCounts, Frames, Step, StepContext
from ingest import BatchContext, LandingFile, read_lines
from ingest.config import IngestConfig
from lakehouse import EVENTS_BRONZE, INGEST_BATCHES, DayRange, Lakehouse, WriteResult
from lakehouse.schemas import INGEST_BATCH_SCHEMA

__all__ = ["BackfillSink", "BatchReport", "FileSource", "LinesSource", "StepTiming", "StreamSink", "run_batch"]

log = logging.getLogger(__name__)


class BatchSource(Protocol):
    """Where a batch's input lines come from (landing files, Kafka messages)."""

    @property
    def files(self) -> int:
        """How many inputs (files, topic partitions) the batch reads, for ingest_batches."""
        ...

    def lines(self, spark: SparkSession, config: IngestConfig) -> DataFrame:
        """The batch's lines, ``ingest.LINE_SCHEMA``."""
        ...


@dataclass(frozen=True)
class FileSource:
    """Landing files: each line of each file is one input record."""

    landing_files: tuple[LandingFile, ...]

    @property
    def files(self) -> int:
        return len(self.landing_files)

    def lines(self, spark: SparkSession, config: IngestConfig) -> DataFrame:
        size_mb = sum(f.size for f in self.landing_files) / 1e6
        log.info("reading %d files (%.1f MB)", len(self.landing_files), size_mb)
        return read_lines(spark, list(self.landing_files), config)


@dataclass(frozen=True)
class LinesSource:
    """Lines already in a frame: a Kafka micro-batch's messages as ``ingest.kafka.kafka_lines`` gives them."""

    frame: DataFrame
    inputs: int = 0  # topic partitions (ingest_batches.files)

    @property
    def files(self) -> int:
        return self.inputs

    def lines(self, spark: SparkSession, config: IngestConfig) -> DataFrame:
        return self.frame


@dataclass(frozen=True)
class StepTiming:
    step: str
    seconds: float
    rows: int | None
    spark_jobs: int
    started_at: datetime


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


def run_batch(
    spark: SparkSession,
    lake: Lakehouse,
    config: ClickstitchConfig,
    source: BatchSource,
    sink: Sink,
    steps: Sequence[Step] = DEFAULT_STEPS,
) -> BatchReport:
    """Read, transform and commit one batch. Safe to re-run after a crash (each write is skipped
    where the batch had already committed it)."""
    batch = BatchContext(f"{sink.writer_id}-{sink.batch_number}", datetime.now(UTC))
    if _already_committed(lake, sink):
        log.info("batch %s already committed, nothing to do", batch.batch_id)
        return _committed_report(lake, batch.batch_id)
    ctx = StepContext(spark, lake, config, sink, batch, config.secrets.hash_key_bytes())
    frames = Frames({"lines": source.lines(spark, config.ingest)})
    results: dict[str, WriteResult] = {}
    timings: list[StepTiming] = []
    try:
        for step in steps:
            started, clock = datetime.now(UTC), time.perf_counter()
            group = f"{batch.batch_id}/{step.name}"  # the step's Spark jobs are counted by their job group
            spark.sparkContext.setJobGroup(group, f"clickstitch {group}")
            outcome = step.run(frames, ctx)
            frames.update(outcome.frames)
            written = [sink.commit(lake, write) for write in outcome.writes]
            results.update({r.table: r for r in written})
            rows = outcome.rows if outcome.rows is not None else (sum(r.rows for r in written) if written else None)
            jobs = len(spark.sparkContext.statusTracker().getJobIdsForGroup(group))
            timings.append(StepTiming(step.name, round(time.perf_counter() - clock, 3), rows, jobs, started))
            log.info("batch %s: step %s %.1f s, %d Spark jobs%s", batch.batch_id, step.name, timings[-1].seconds,
                     jobs, "" if rows is None else f", {rows} rows")
        spark.sparkContext.setJobGroup(batch.batch_id, f"clickstitch {batch.batch_id}")
        report = _report(lake, batch, sink, source.files, frames["counts"], results.get(EVENTS_BRONZE.name))
        _write_batch_audit(spark, lake, sink, report, timings)
    finally:
        parsed = frames.get("parsed")
        if parsed is not None:
            parsed.unpersist()
    log.info(
        "batch %s: %d events to bronze, %d dead letters, %d duplicates (%.1f s)",
        report.batch_id, report.bronze_records, report.dead_letters, report.duplicates,
        (report.finished_at - report.started_at).total_seconds(),
    )
    return report


def _report(
    lake: Lakehouse,
    batch: BatchContext,
    sink: Sink,
    files: int,
    counts: BatchCounts,
    bronze: WriteResult | None,
) -> BatchReport:
    if bronze is not None and bronze.committed:
        bronze_rows = bronze.rows
    else:  # replayed: the bronze write was skipped, count what the crashed run committed
        bronze_rows = _rows_of_batch(lake, batch.batch_id, counts.days)
    return BatchReport(
        batch_id=batch.batch_id,
        driver=sink.driver,
        files=files,
        input_records=counts.input,
        bronze_records=bronze_rows,
        dead_letters=counts.rejected_in_scope,
        duplicates=counts.valid_in_scope - bronze_rows,
        out_of_range=counts.out_of_range,
        started_at=batch.ingested_at,
        finished_at=datetime.now(UTC),
    )


def _write_batch_audit(
    spark: SparkSession, lake: Lakehouse, sink: Sink, report: BatchReport, timings: list[StepTiming]
) -> None:
    """ingest_batch_steps, then ingest_batches: the last commit of a batch marks it done."""
    steps = spark.createDataFrame(
        [(report.batch_id, n, t.step, t.seconds, t.rows, t.spark_jobs, t.started_at) for n, t in enumerate(timings)],
        INGEST_BATCH_STEPS.schema,
    )
    sink.commit(lake, TableWrite(INGEST_BATCH_STEPS, steps))
    audit = spark.createDataFrame([tuple(asdict(report).values())], INGEST_BATCH_SCHEMA)
    sink.commit(lake, TableWrite(INGEST_BATCHES, audit))


def _already_committed(lake: Lakehouse, sink: Sink) -> bool:
    done = lake.committed_batch(INGEST_BATCHES, sink.writer_id)
    return done is not None and done >= sink.batch_number


def _committed_report(lake: Lakehouse, batch_id: str) -> BatchReport:
    row = lake.read(INGEST_BATCHES).where(F.col("batch_id") == batch_id).first()
    if row is None:
        raise RuntimeError(f"ingest_batches has a commit for {batch_id} but no row")
    return BatchReport(**row.asDict())


def _rows_of_batch(lake: Lakehouse, batch_id: str, days: DayRange | None) -> int:
    """Bronze rows a replayed batch committed before a crash (its write was skipped this time)."""
    if days is None:
        return 0
    return lake.read(EVENTS_BRONZE, {"event_date": days.days()}).where(F.col("batch_id") == batch_id).count()
