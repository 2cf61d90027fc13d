"""Throughput of the scrub stage (scrub_free_text on Spark) vs a naive Presidio-per-row Python UDF.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_privacy.py [--persons 3000] [--texts 12000]

Corpus: the clickstream's own free-text column. The generator's landing files go through ingest
(parse, valid, dedupe) and every non-null page_title and search_term of the events becomes one row,
in event order: popular titles and searches repeat as often as visitors produce them, rare ones
(typed names, e-mails, phone numbers) appear once. ``--texts`` caps the row count (first rows).

Both paths run on the same cached DataFrame in the same Spark session, 2 partitions, in the same
Python workers, with the same engine (``get_engine``: recognizers, thresholds, spaCy pipeline):

* stage: ``scrub_free_text``: the column's values made distinct in Spark (one shuffle), so each
  distinct string is analyzed once whatever the partitioning, Arrow batches of distinct strings, the
  pre-filter (no NER where no name can be), ``nlp.pipe`` batching, joined back on the value;
* naive: a plain ``@udf`` that calls the analyzer on every row (``nlp(text)`` + every recognizer),
  then the anonymizer: what one writes without batching or caching.

Both paths are first run once on strings that are not in the corpus (a cached frame of the same shape):
Python workers load the engine, the JVM compiles both plans, and the stage's cache starts empty for the
timed run. Each path is timed computing its cached result (``count`` of a cached DataFrame computes every
column), then read back untimed; the two outputs must be identical per row: scrubbed text and entity
counts.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.functions import udf

from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.session import build_spark
from generator import generate
from ingest import BatchContext, dedupe_events, file_listing, parse_events, read_lines, to_landing_files, valid_events
from privacy import PII_COUNTS_COLUMN, PrivacyConfig, get_engine, scrub_free_text

PARTITIONS = 2


def clickstream_texts(spark: SparkSession, config: ClickstitchConfig, persons: int, limit: int | None) -> DataFrame:
    """id, text: the page titles and search terms of one generated day, one row per event and field."""
    with tempfile.TemporaryDirectory() as out:
        generate(Path(out), persons=persons, days=1, seed=11)
        landing = Path(out) / "landing"
        rows = [(r["path"], r["length"]) for r in file_listing(spark, landing).collect()]
        batch = BatchContext("bench-privacy", datetime(2026, 10, 5, tzinfo=UTC))
        events = (
            parse_events(read_lines(spark, to_landing_files(rows, landing), config.ingest), config.ingest, batch)
            .transform(valid_events)
            .transform(dedupe_events)
        )
        texts = (
            events.select(
                "event_time", "event_id", F.posexplode(F.array("page_title", "search_term")).alias("field", "text")
            )
            .where(F.col("text").isNotNull())
            .orderBy("event_time", "event_id", "field")
            .select("text")
            .collect()
        )
    values = [row["text"] for row in texts][:limit]
    return spark.createDataFrame(list(enumerate(values)), "id long, text string").repartition(PARTITIONS).cache()


def scrub_stage(df: DataFrame, privacy: PrivacyConfig) -> DataFrame:
    return scrub_free_text(df, ["text"], privacy)


def presidio_per_row_stage(df: DataFrame, privacy: PrivacyConfig) -> DataFrame:
    """The naive path: a plain ``@udf`` running the analyzer and the anonymizer on every row."""

    @udf("struct<text:string, counts:array<struct<entity_type:string, count:int>>>")
    def presidio_per_row(text: str | None):  # type: ignore[no-untyped-def]
        if text is None:
            return None
        engine = get_engine(privacy)  # built once per worker; same recognizers and thresholds
        findings = engine._analyze(text, engine.nlp_engine.process_text(text, privacy.language))
        scrubbed = engine._anonymize(text, findings)
        return scrubbed.text, sorted(scrubbed.entity_counts.items())

    return df.select("id", presidio_per_row("text").alias("out"))


def warm_up(spark: SparkSession, privacy: PrivacyConfig) -> None:
    """Run both paths once on strings the corpus does not hold, on a cached frame of the corpus' shape:
    every Python worker loads the engine and the JVM compiles both plans, as in a running stream; the
    stage's result cache stays cold for the corpus."""
    warm = (
        spark.createDataFrame(
            [(i, f"warm-up {i}: Hi Tom, card 4111 1111 1111 1111, mail x{i}@example.com") for i in range(32)],
            "id long, text string",
        )
        .repartition(PARTITIONS)
        .cache()
    )
    for path in (scrub_stage, presidio_per_row_stage):
        result = path(warm, privacy).cache()
        result.count()
        result.unpersist()
    warm.unpersist()


def timed_materialization(result: DataFrame) -> float:
    """Seconds to compute every row of a cached result (what a sink would pay); reading it back for
    the comparison is not timed, so the driver's Row conversion is not part of either figure."""
    started = time.perf_counter()
    result.count()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=3000, help="generated persons (one day of their traffic)")
    parser.add_argument("--texts", type=int, default=None, help="at most this many rows")
    args = parser.parse_args()
    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench"}).with_overrides(
        {"spark.master": f"local[{PARTITIONS}]", "spark.shuffle_partitions": PARTITIONS}
    )
    spark = build_spark(config)
    df = clickstream_texts(spark, config, args.persons, args.texts)
    texts = [row["text"] for row in df.orderBy("id").collect()]
    privacy = PrivacyConfig()
    engine = get_engine(privacy)  # driver side: routes for the report only
    warm_up(spark, privacy)

    stage = scrub_stage(df, privacy).cache()
    ours_seconds = timed_materialization(stage)
    ours = {
        row["id"]: (row["text"], sorted((c["entity_type"], c["count"]) for c in row[PII_COUNTS_COLUMN]))
        for row in stage.collect()
    }

    baseline = presidio_per_row_stage(df, privacy).cache()
    naive_seconds = timed_materialization(baseline)
    naive = {
        row["id"]: (row["out"]["text"], sorted((c["entity_type"], c["count"]) for c in row["out"]["counts"]))
        for row in baseline.collect()
    }

    distinct = set(texts)
    # Without the Spark-level distinct each worker would analyze the distinct strings of its partition.
    per_partition = df.groupBy(F.spark_partition_id()).agg(F.countDistinct("text").alias("n")).collect()
    analyzed = sum(row["n"] for row in per_partition)
    routes = Counter(engine.route(text) for text in distinct)
    found = Counter(entity for _, counts in ours.values() for entity, count in counts for _ in range(count))
    same = sum(1 for i, result in ours.items() if result == naive[i])
    print(f"corpus: {len(texts):,} texts (page_title + search_term of {args.persons} persons' day), "
          f"{len(distinct):,} distinct ({len(texts) / len(distinct):.1f} rows per distinct text), "
          f"{PARTITIONS} local cores, {PARTITIONS} partitions (the stage analyzes {len(distinct):,}; distinct "
          f"per partition, summed: {analyzed:,})")
    print(f"distinct routes: {dict(routes)}; entities replaced: {dict(found)}")
    print(f"scrub_free_text (Spark distinct, batched, pre-filter):   {ours_seconds:6.1f} s = "
          f"{len(texts) / ours_seconds:8,.0f} texts/s")
    print(f"Presidio per row in a Python UDF:                        {naive_seconds:6.1f} s = "
          f"{len(texts) / naive_seconds:8,.0f} texts/s")
    print(f"speed-up: {naive_seconds / ours_seconds:.1f}x; identical text and entity counts on "
          f"{same:,}/{len(texts):,} rows")
    assert same == len(texts), "the two paths disagree"
    spark.stop()


if __name__ == "__main__":
    main()
