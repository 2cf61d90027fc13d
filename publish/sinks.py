"""Topic sinks: one small interface for publishing records (alerts, metrics) to a topic.

A record is a row with a ``key`` (string: a stable id of what it describes, such as an alert id,
so a consumer dedupes replays by key) and a ``value`` (string, usually JSON). Two implementations:

- ``KafkaPublisher``: Spark's Kafka sink with an idempotent producer (``enable.idempotence``,
  ``acks=all``: a retried send is not duplicated) and the writer and batch in each message's
  headers. A batch replayed after a crash is sent again: consumers dedupe by key (Kafka offers no
  exactly-once from a Spark batch write).
- ``DeltaTablePublisher``: the fallback when no broker is configured, a Delta table
  ``topic_<topic>`` appended exactly once per (writer, batch) and once per key.

Needs Spark's Kafka source jars for ``KafkaPublisher`` (``make jars``; on a cluster ``--packages``).
"""

from __future__ import annotations

import re
from typing import Protocol

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StringType, StructField, StructType, TimestampType

from lakehouse import Lakehouse, TableSpec

RECORD_COLUMNS = ("key", "value")
TOPIC_TABLE_SCHEMA = StructType([
    StructField("key", StringType(), nullable=False),
    StructField("value", StringType()),
    StructField("writer_id", StringType()),
    StructField("batch_number", LongType()),
    StructField("published_at", TimestampType()),
])
_TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,200}$")


class Publisher(Protocol):
    """Publishes a batch of records (columns ``key``, ``value``) once per (writer_id, batch_number)
    where the medium allows it, keyed so that consumers can dedupe where it does not."""

    name: str
    topic: str

    def publish(self, records: DataFrame, writer_id: str, batch_number: int) -> int:
        """Publish the records; returns how many were sent (0 when the batch was already published)."""
        ...


def _records(records: DataFrame) -> DataFrame:
    missing = [c for c in RECORD_COLUMNS if c not in records.columns]
    if missing:
        raise ValueError(f"records to publish need columns {list(RECORD_COLUMNS)}; missing {missing}")
    return records.select(F.col("key").cast("string"), F.col("value").cast("string"))


def _check_topic(topic: str) -> str:
    if not _TOPIC_NAME.match(topic):
        raise ValueError(f"not a valid topic name: {topic!r} (letters, digits, '.', '_', '-')")
    return topic


class KafkaPublisher:
    name = "kafka"

    def __init__(self, bootstrap: str, topic: str, producer_options: dict[str, str] | None = None) -> None:
        self.bootstrap, self.topic = bootstrap, _check_topic(topic)
        self.options = {"kafka.enable.idempotence": "true", "kafka.acks": "all",
                        **{f"kafka.{k}" if not k.startswith("kafka.") else k: v
                           for k, v in (producer_options or {}).items()}}

    def publish(self, records: DataFrame, writer_id: str, batch_number: int) -> int:
        rows = _records(records).persist()
        try:
            count = rows.count()
            headers = F.array(
                F.struct(F.lit("clickstitch.writer").alias("key"), F.lit(writer_id).cast("binary").alias("value")),
                F.struct(F.lit("clickstitch.batch").alias("key"),
                         F.lit(str(batch_number)).cast("binary").alias("value")),
            )
            writer = rows.select("key", "value", headers.alias("headers")).write.format("kafka")
            writer = writer.option("kafka.bootstrap.servers", self.bootstrap).option("topic", self.topic)
            for key, value in self.options.items():
                writer = writer.option(key, value)
            writer.save()
            return count
        finally:
            rows.unpersist()


def topic_table(topic: str) -> TableSpec:
    """The Delta table standing in for a topic when no broker is configured."""
    name = "topic_" + re.sub(r"[^A-Za-z0-9_]", "_", _check_topic(topic))
    return TableSpec(name, TOPIC_TABLE_SCHEMA, keys=("key",), layer="gold",
                     description=f"Records published to topic {topic} (no Kafka broker configured).")


class DeltaTablePublisher:
    name = "delta"

    def __init__(self, lake: Lakehouse, topic: str) -> None:
        self.lake, self.topic = lake, topic
        self.table = topic_table(topic)

    def publish(self, records: DataFrame, writer_id: str, batch_number: int) -> int:
        rows = _records(records).dropDuplicates(["key"]).select(
            "key", "value", F.lit(writer_id).alias("writer_id"), F.lit(batch_number).cast("long").alias("batch_number"),
            F.current_timestamp().alias("published_at"),
        )
        result = self.lake.append_new_keys(self.table, rows, writer_id, batch_number)
        return result.rows if result.committed else 0


def open_publisher(lake: Lakehouse, topic: str, bootstrap: str | None = None,
                   producer_options: dict[str, str] | None = None) -> Publisher:
    """Kafka when a bootstrap server is given, else the Delta table fallback."""
    if bootstrap:
        return KafkaPublisher(bootstrap, topic, producer_options)
    return DeltaTablePublisher(lake, topic)
