"""The two drivers of the one pipeline: Structured Streaming over the landing folder, and backfill."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from clickstitch.pipeline import BackfillSink, BatchReport, StreamSink, run_batch
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
    return run_batch(spark, lake, config, files, sink)


def start_stream(
    spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, *, available_now: bool
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
        run_batch(spark, lake, config, files, StreamSink(writer_id, batch_number))

    writer = (
        new_files.writeStream.queryName("clickstitch_ingest")
        .foreachBatch(process)
        .option("checkpointLocation", str(config.checkpoint_dir()))
    )
    writer = writer.trigger(availableNow=True) if available_now else writer.trigger(
        processingTime=config.stream.trigger_interval
    )
    query = writer.start()
    log.info("stream started (checkpoint %s, %s)", config.checkpoint_dir(),
             "available-now" if available_now else f"every {config.stream.trigger_interval}")
    return query
