"""The ingest stream over a Kafka topic: the same pipeline as the landing-folder stream.

Each micro-batch is a range of offsets; its messages become lines (``ingest.kafka.kafka_lines``)
and go through ``run_batch`` with a ``StreamSink``, so every table write carries the Delta
transaction id (writer, batch number). The offsets live in the query's checkpoint: after a crash
or kill -9 Spark replays the last micro-batch with the same number and offsets, and the tables
that had already committed it skip it. A message that is not a valid event becomes a dead letter
with ``source_file`` ``kafka://<topic>/<partition>`` and ``source_line`` its offset.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.streaming import StreamingQuery

from clickstitch.config import ClickstitchConfig
from clickstitch.drivers import Drain, drained
from clickstitch.errors import ClickstitchError
from clickstitch.pipeline import LinesSource, run_batch
from clickstitch.sinks import StreamSink
from ingest.kafka import kafka_lines, kafka_messages
from ingest.reader import ReadLimits
from lakehouse import Lakehouse

log = logging.getLogger(__name__)
KAFKA_SOURCES = ("segment", "ga4")


def kafka_checkpoint(config: ClickstitchConfig, topic: str) -> Path:
    """The checkpoint of one topic's stream: beside the file stream's, never shared with it."""
    return config.checkpoint_dir().with_name(f"kafka-{topic}")


def kafka_writer_id(config: ClickstitchConfig, topic: str) -> str:
    """The Delta transaction app id of one topic's stream (its batch numbers are its own)."""
    return f"{config.stream.writer_id}-kafka-{topic}"


def start_kafka_stream(
    spark: SparkSession,
    lake: Lakehouse,
    config: ClickstitchConfig,
    *,
    bootstrap: str,
    topic: str,
    source: str,
    available_now: bool,
    drain: Drain | None = None,
) -> StreamingQuery:
    """Start the ingest stream over ``topic``, whose messages are events of ``source``."""
    if source not in KAFKA_SOURCES:
        raise ClickstitchError(f"--source must be one of {', '.join(KAFKA_SOURCES)}, not {source!r}")
    lake.ensure_all()
    messages = kafka_messages(spark, bootstrap, topic,
                              max_offsets_per_trigger=config.stream.max_messages_per_trigger)
    limits = ReadLimits.from_config(config.ingest)
    writer_id = kafka_writer_id(config, topic)

    def process(micro_batch: DataFrame, batch_number: int) -> None:
        lines = kafka_lines(micro_batch, source, limits)
        run_batch(spark, lake, config, LinesSource(lines), StreamSink(writer_id, batch_number))

    checkpoint = kafka_checkpoint(config, topic)
    writer = (
        messages.writeStream.queryName(f"clickstitch_kafka_{topic}")
        .foreachBatch(drained(process, drain))
        .option("checkpointLocation", str(checkpoint))
    )
    writer = writer.trigger(availableNow=True) if available_now else writer.trigger(
        processingTime=config.stream.trigger_interval
    )
    query = writer.start()
    log.info("kafka stream on %s/%s started (checkpoint %s)", bootstrap, topic, checkpoint)
    return query
