"""Kafka messages -> lines: the same ``LINE_SCHEMA`` rows the landing reader gives, so the pipeline
parses, checks and dead-letters Kafka messages exactly as it does lines of files.

A message's place is its topic, partition and offset: ``source_file`` is ``kafka://<topic>/<partition>``
and ``source_line`` the offset, so a dead letter says where the message sits. Read errors are the
reader's: ``invalid_utf8`` and ``record_too_large`` (over ``ingest.max_record_bytes``).

Needs Spark's Kafka source on the classpath (``make jars`` locally; on a cluster
``--packages org.apache.spark:spark-sql-kafka-0-10_2.13:<spark version>``).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from ingest.reader import LINE_SCHEMA, ReadLimits

KAFKA_SCHEME = "kafka://"
# Spark 4.1.1's DSv2 Kafka micro-batch stream fails its progress report on the first trigger after a
# restart that replays an uncommitted batch (NullPointerException in KafkaMicroBatchStream.metrics,
# SPARK-55271 / SPARK-57438): exactly the kill -9 case. The DSv1 Kafka source has no such report.
_KAFKA_PROVIDER = "org.apache.spark.sql.kafka010.KafkaSourceProvider"


def kafka_messages(
    spark: SparkSession, bootstrap: str, topic: str, *, max_offsets_per_trigger: int | None = None,
    options: dict[str, str] | None = None,
) -> DataFrame:
    """The streaming Kafka source over one topic, from its earliest offsets (the checkpoint keeps
    the offsets a restarted query resumes from). Columns: Spark's Kafka rows (key, value, topic,
    partition, offset, timestamp, ...).

    Sets ``spark.sql.streaming.disabledV2MicroBatchReaders`` to Kafka's provider (the DSv1 source,
    see above) on the session."""
    disabled = spark.conf.get("spark.sql.streaming.disabledV2MicroBatchReaders", "") or ""
    if _KAFKA_PROVIDER not in disabled.split(","):
        spark.conf.set("spark.sql.streaming.disabledV2MicroBatchReaders",
                       ",".join(p for p in (disabled, _KAFKA_PROVIDER) if p))
    reader = (
        spark.readStream.format("kafka")
        .option("kafka.bootstrap.servers", bootstrap)
        .option("subscribe", topic)
        .option("startingOffsets", "earliest")
    )
    if max_offsets_per_trigger:
        reader = reader.option("maxOffsetsPerTrigger", str(max_offsets_per_trigger))
    for key, value in (options or {}).items():
        reader = reader.option(key, value)
    return reader.load()


def kafka_lines(messages: DataFrame, source: str, limits: ReadLimits) -> DataFrame:
    """Kafka rows (topic, partition, offset, value) as lines of ``source`` ("segment" or "ga4"),
    with the reader's limits (``ReadLimits.from_config(config.ingest)``).

    Needs: topic, partition, offset, value (binary). Gives: LINE_SCHEMA.
    """
    value = F.col("value")
    size = F.coalesce(F.length(value), F.lit(0)).cast("long")
    as_text = value.cast("string")
    valid_utf8 = F.coalesce(F.expr("is_valid_utf8(CAST(value AS STRING))"), F.lit(True))
    too_large = size > F.lit(limits.max_record_bytes)
    error = F.when(too_large, F.lit("record_too_large")).when(~valid_utf8, F.lit("invalid_utf8"))
    detail = (
        F.when(too_large, F.format_string(f"%d bytes > ingest.max_record_bytes={limits.max_record_bytes}", size))
        .when(~valid_utf8, F.lit("message is not valid UTF-8"))
    )
    preview: Column = F.substring(F.expr("make_valid_utf8(CAST(value AS STRING))"), 1, limits.raw_chars)
    lines = messages.select(
        F.lit(source).alias("source"),
        F.concat(F.lit(KAFKA_SCHEME), F.col("topic"), F.lit("/"), F.col("partition").cast("string")).alias(
            "source_file"
        ),
        F.col("offset").cast("long").alias("source_line"),
        F.when(error.isNull(), F.coalesce(as_text, F.lit(""))).otherwise(preview).alias("text"),
        size.alias("raw_bytes"),
        error.alias("read_error"),
        detail.alias("read_detail"),
    )
    return lines.select(*[F.col(f.name).cast(f.dataType) for f in LINE_SCHEMA.fields])
