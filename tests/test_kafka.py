"""Kafka for real: a KRaft broker on loopback (tests/kafka_broker.py), Spark's Kafka source and sink.

The acceptance test publishes valid and hostile Segment messages to a topic, streams them with
`clickstitch stream --kafka-bootstrap ... --topic ...` in a process of its own, kills it with
SIGKILL after some micro-batches, restarts it, and finds every valid message once in bronze and
every other one in dead_letter with its topic, partition and offset.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import BinaryType, StringType, StructField, StructType

from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig
from clickstitch.kafka_stream import kafka_writer_id
from ingest.kafka import kafka_lines
from ingest.reader import LINE_SCHEMA, ReadLimits
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, INGEST_BATCHES
from publish import DeltaTablePublisher, KafkaPublisher, open_publisher
from tests.frames import assert_same_rows
from tests.kafka_broker import KafkaBroker

pytestmark = pytest.mark.jars
MESSAGE_SCHEMA = StructType([StructField("key", StringType()), StructField("value", BinaryType())])
MAX_RECORD_BYTES = 2048  # ingest.max_record_bytes of the streamed process: the 4 kB message is too large


@pytest.fixture(scope="module")
def broker() -> Iterator[KafkaBroker]:
    with KafkaBroker() as running:
        yield running


def produce(spark: SparkSession, broker: KafkaBroker, topic: str, values: list[bytes]) -> None:
    """Send the messages in order, from one task (one partition topic: offsets 0, 1, 2, ...)."""
    rows = [(f"k{i}", v) for i, v in enumerate(values)]
    (spark.createDataFrame(rows, MESSAGE_SCHEMA).coalesce(1).write.format("kafka")
     .option("kafka.bootstrap.servers", broker.bootstrap).option("topic", topic).save())


def read_topic(spark: SparkSession, broker: KafkaBroker, topic: str):  # type: ignore[no-untyped-def]
    return (spark.read.format("kafka").option("kafka.bootstrap.servers", broker.bootstrap)
            .option("subscribe", topic).option("startingOffsets", "earliest").option("includeHeaders", "true").load())


def segment(message_id: str, minute: int, **more: object) -> dict:
    return {"type": "track", "event": "Product Viewed", "messageId": message_id,
            "anonymousId": f"anon-{minute % 7}", "timestamp": f"2026-10-01T10:{minute % 60:02d}:00Z",
            "context": {"ip": "203.0.113.9", "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"},
            "properties": {"product_id": f"p{minute % 5}"}, **more}


def encoded(message: dict) -> bytes:
    return json.dumps(message).encode()


# Hostile messages and the dead-letter reason each must get.
HOSTILE: list[tuple[bytes, str]] = [
    (b'{"type": "track", "event": "Product Viewed", "messageId": "cut', "invalid_json"),
    (encoded({**segment("h-wrong", 1), "messageId": 12345}), "wrong_type"),
    (encoded({k: v for k, v in segment("h-noid", 2).items() if k != "messageId"}), "missing_id"),
    (encoded(segment("h-time", 3, timestamp="yesterday")), "invalid_timestamp"),
    (encoded(segment("h-type", 4, type="teleport")), "unknown_event_type"),
    (b'\xff\xfe' + encoded(segment("h-utf8", 5)), "invalid_utf8"),
    (encoded(segment("h-big", 6, properties={"blob": "x" * 4096})), "record_too_large"),
    (b"[1, 2, 3]", "invalid_json"),  # JSON, but not an object
]


def test_kafka_lines_carry_topic_partition_offset_and_read_errors(spark: SparkSession, broker: KafkaBroker) -> None:
    produce(spark, broker, "lines", [encoded(segment("m1", 1)), b"\xff bad", b"y" * 3000])
    limits = ReadLimits(max_record_bytes=MAX_RECORD_BYTES, max_file_bytes=10**9, raw_chars=100, lines_per_batch=1000)
    lines = kafka_lines(read_topic(spark, broker, "lines"), "segment", limits)
    assert [(f.name, f.dataType) for f in lines.schema] == [(f.name, f.dataType) for f in LINE_SCHEMA]
    got = {r["source_line"]: r for r in lines.collect()}
    assert {r["source_file"] for r in got.values()} == {"kafka://lines/0"}
    assert (got[0]["read_error"], json.loads(got[0]["text"])["messageId"]) == (None, "m1")
    assert got[1]["read_error"] == "invalid_utf8"
    assert (got[2]["read_error"], got[2]["raw_bytes"], len(got[2]["text"])) == ("record_too_large", 3000, 100)


def test_kafka_publisher_sends_keyed_messages_with_the_batch_in_headers(spark: SparkSession, broker: KafkaBroker,
                                                                        lake_root: Path,
                                                                        test_config: ClickstitchConfig) -> None:
    lake = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root)}))
    publisher = open_publisher(lake, "alerts", broker.bootstrap)
    assert isinstance(publisher, KafkaPublisher)
    records = spark.createDataFrame([("alert-1", '{"score": 9}'), ("alert-2", '{"score": 7}')],
                                    "key string, value string")
    assert publisher.publish(records, "anomaly", 3) == 2
    sent = read_topic(spark, broker, "alerts").select(
        F.col("key").cast("string").alias("key"), F.col("value").cast("string").alias("value"),
        F.map_from_entries("headers").alias("headers"))
    rows = {r["key"]: r for r in sent.collect()}
    assert {k: r["value"] for k, r in rows.items()} == {"alert-1": '{"score": 9}', "alert-2": '{"score": 7}'}
    assert bytes(rows["alert-1"]["headers"]["clickstitch.batch"]) == b"3"


def test_delta_table_publisher_is_exactly_once_per_batch_and_key(spark: SparkSession, lake_root: Path,
                                                                 test_config: ClickstitchConfig) -> None:
    lake = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root)}))
    publisher = open_publisher(lake, "alerts")
    assert isinstance(publisher, DeltaTablePublisher)
    first = spark.createDataFrame([("a1", "x"), ("a2", "y")], "key string, value string")
    assert publisher.publish(first, "anomaly", 0) == 2
    assert publisher.publish(first, "anomaly", 0) == 0  # the replayed batch
    assert publisher.publish(spark.createDataFrame([("a2", "y"), ("a3", "z")], "key string, value string"),
                             "anomaly", 1) == 1
    assert_same_rows(lake.read(publisher.table).select("key", "value"),
                     [{"key": "a1", "value": "x"}, {"key": "a2", "value": "y"}, {"key": "a3", "value": "z"}])


def _stream_process(broker: KafkaBroker, topic: str, lake: Path) -> subprocess.Popen:
    env = {**os.environ, "CLICKSTITCH__SPARK__MASTER": "local[2]", "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2",
           "CLICKSTITCH_HASH_KEY": "test-only-hash-key",
           # The embedded backend: the Kafka source is what is under test here (jars on the classpath).
           "CLICKSTITCH__LAKE__BACKEND": "delta-rs", "CLICKSTITCH__SPARK__LOCAL_JARS": "true",
           "CLICKSTITCH__STREAM__MAX_MESSAGES_PER_TRIGGER": "15",
           "CLICKSTITCH__INGEST__MAX_RECORD_BYTES": str(MAX_RECORD_BYTES)}
    command = [sys.executable, "-m", "clickstitch.cli", "stream", "--available-now", "--kafka-bootstrap",
               broker.bootstrap, "--topic", topic, "--source", "segment", "--lake", str(lake), "-q"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _committed_batches(lake: Path) -> int:
    log = lake / INGEST_BATCHES.name / "_delta_log"
    return len(list(log.glob("*.json"))) - 1 if log.exists() else 0


@pytest.mark.slow
def test_kafka_stream_killed_mid_run_then_restarted_is_exactly_once(
    spark: SparkSession, broker: KafkaBroker, test_config: ClickstitchConfig, tmp_path: Path
) -> None:
    topic = "segment-events"
    valid = [encoded(segment(f"m-{i:03d}", i)) for i in range(60)]
    resent = valid[5:8]  # a producer retry: same messageId again, a duplicate, not a dead letter
    values = valid[:30] + [v for v, _ in HOSTILE[:4]] + valid[30:] + resent + [v for v, _ in HOSTILE[4:]]
    produce(spark, broker, topic, values)
    hostile_offsets = {values.index(v): reason for v, reason in HOSTILE}

    lake_dir = tmp_path / "lake"
    running = _stream_process(broker, topic, lake_dir)
    deadline = time.monotonic() + 600
    while _committed_batches(lake_dir) < 2 and running.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert running.poll() is None, f"the stream ended before it could be killed: {running.stderr.read()[-2000:]}"
    running.send_signal(signal.SIGKILL)
    running.wait(timeout=60)
    killed_at = _committed_batches(lake_dir)
    assert 2 <= killed_at < 6, "killed mid-run: 70 messages at 15 per micro-batch is 5 batches"

    restarted = _stream_process(broker, topic, lake_dir)
    _, stderr = restarted.communicate(timeout=900)
    assert restarted.returncode == 0, stderr[-3000:]

    lake = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_dir), "lake.backend": "delta-rs"}))
    bronze = lake.read(EVENTS_BRONZE)
    assert bronze.count() == len(valid) == bronze.select("event_id").distinct().count()
    dead = {(r["source_file"], r["source_line"]): r["reason"] for r in lake.read(DEAD_LETTER).collect()}
    assert dead == {(f"kafka://{topic}/0", offset): reason for offset, reason in hostile_offsets.items()}
    batches = lake.read(INGEST_BATCHES)
    totals = batches.groupBy().sum("input_records", "bronze_records", "dead_letters", "duplicates").first()
    assert tuple(totals) == (len(values), len(valid), len(HOSTILE), len(resent))
    assert {r["batch_id"].rsplit("-", 1)[0] for r in batches.collect()} == {
        kafka_writer_id(test_config, topic)}
