"""The two drivers of the one pipeline: Structured Streaming over the landing folder, and backfill."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path
from types import FrameType

from pyspark.errors import StreamingQueryException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from clickstitch.pipeline import BatchReport, FileSource, run_batch
from clickstitch.sinks import BackfillSink, StreamSink
from ingest import file_listing, files_for_dates, to_landing_files
from ingest.landing import landing_uri
from lakehouse import INGEST_BATCHES, Lakehouse

log = logging.getLogger(__name__)
BINARY_FILE_SCHEMA = "path string, modificationTime timestamp, length bigint, content binary"
BACKFILL_WRITER = "clickstitch-backfill"


def check_landing(landing: Path | str) -> None:
    text = str(landing)
    if "://" not in text and not Path(text).is_dir():
        raise ClickstitchError(f"landing folder not found: {text} (expected ga4/ and segment/ below it)")


def check_backfill(config: ClickstitchConfig, first: date, last: date) -> None:
    """A backfill's arguments, checked before any Spark work."""
    if last < first:
        raise ClickstitchError(f"--to {last} is before --from {first}")
    check_landing(config.landing)


def run_backfill(
    spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, first: date, last: date
) -> BatchReport:
    """Process every landing file that may hold events of [first, last] and replace that range."""
    check_backfill(config, first, last)
    lake.ensure_all()
    log.info("backfill %s..%s: listing %s", first, last, config.landing)
    listing = [(r["path"], r["length"]) for r in file_listing(spark, config.landing).collect()]
    files = files_for_dates(to_landing_files(listing, config.landing), first, last)
    log.info("backfill %s..%s: %d of %d files may hold events of the range", first, last, len(files), len(listing))
    done = lake.committed_batch(INGEST_BATCHES, BACKFILL_WRITER)
    sink = BackfillSink(BACKFILL_WRITER, 0 if done is None else done + 1, first, last)
    return run_batch(spark, lake, config, FileSource(tuple(files)), sink)


class StreamDrained(Exception):  # noqa: N818 -- a state, raised to end the query cleanly, not an error
    """Raised by a micro-batch that starts after a drain was asked for, before it writes anything."""


class Drain:
    """Graceful stop: the running micro-batch commits, no new one starts, the query ends.

    Signal handlers only set a flag; the driver loop stops the query between micro-batches. A
    micro-batch that Spark starts in the meantime raises ``StreamDrained`` before its first write,
    so Spark records no commit for it and a restart with the same checkpoint replays it.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.in_batch = threading.Event()
        self.signal_name: str | None = None

    def request(self, signum: int, _frame: FrameType | None = None) -> None:
        if not self.requested.is_set():
            self.signal_name = signal.Signals(signum).name
            log.warning("%s: draining: the running micro-batch commits, then the stream stops", self.signal_name)
        self.requested.set()

    def install(self) -> None:
        """Drain on SIGTERM and SIGINT (Ctrl-C); main thread only."""
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.request)


def await_stream(query: StreamingQuery, drain: Drain, poll_seconds: int = 1) -> bool:
    """Wait for the query to end; True when it ended by a drain. Raises ClickstitchError when it failed."""
    while query.isActive:
        if drain.requested.is_set() and not drain.in_batch.is_set():
            query.stop()
            break
        try:
            query.awaitTermination(poll_seconds)
        except StreamingQueryException:  # the query ended with an error: looked at below
            break
    failure = query.exception()
    if failure is not None and "StreamDrained" not in str(failure):
        raise ClickstitchError(f"stream failed: {_failure_line(failure)}")
    return drain.requested.is_set()


def _failure_line(failure: BaseException) -> str:
    """The line that says what went wrong: the Python exception a micro-batch raised, else Spark's first line."""
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    raised = [line for line in lines if line.split(":", 1)[0].rsplit(".", 1)[-1].endswith(("Error", "Exception"))
              and not line.startswith(("pyspark.", "py4j.", "[", "org.apache"))]
    return raised[-1] if raised else (lines[0] if lines else type(failure).__name__)


def drained(process: Callable[[DataFrame, int], None], drain: Drain | None) -> Callable[[DataFrame, int], None]:
    """``process`` for foreachBatch, honouring ``drain``: a batch that starts after the signal raises first."""
    if drain is None:
        return process

    def guarded(micro_batch: DataFrame, batch_number: int) -> None:
        if drain.requested.is_set():
            raise StreamDrained(f"drained before micro-batch {batch_number}")
        drain.in_batch.set()
        try:
            process(micro_batch, batch_number)
        finally:
            drain.in_batch.clear()

    return guarded


def start_stream(
    spark: SparkSession,
    lake: Lakehouse,
    config: ClickstitchConfig,
    *,
    available_now: bool,
    drain: Drain | None = None,
) -> StreamingQuery:
    """Start the ingest stream; each micro-batch is a set of new landing files."""
    check_landing(config.landing)
    lake.ensure_all()
    landing = config.landing
    new_files = (
        spark.readStream.format("binaryFile")
        .schema(BINARY_FILE_SCHEMA)
        .option("recursiveFileLookup", "true")
        .option("maxFilesPerTrigger", config.stream.max_files_per_trigger)
        .load(landing_uri(landing))
        .select("path", "length")  # the file contents are read by the pipeline's own reader
    )
    writer_id = config.stream.writer_id

    def process(micro_batch: DataFrame, batch_number: int) -> None:
        rows = [(r["path"], r["length"]) for r in micro_batch.collect()]  # one row per file
        files = to_landing_files(rows, landing)
        run_batch(spark, lake, config, FileSource(tuple(files)), StreamSink(writer_id, batch_number))

    writer = (
        new_files.writeStream.queryName("clickstitch_ingest")
        .foreachBatch(drained(process, drain))
        .option("checkpointLocation", str(config.checkpoint_dir()))
    )
    writer = writer.trigger(availableNow=True) if available_now else writer.trigger(
        processingTime=config.stream.trigger_interval
    )
    query = writer.start()
    log.info("stream started (checkpoint %s, %s)", config.checkpoint_dir(),
             "available-now" if available_now else f"every {config.stream.trigger_interval}")
    return query
