"""Throughput of the scrub stage (scrub_free_text on Spark) vs a naive Presidio-per-row Python UDF.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_privacy.py --texts 2000

The corpus is the generator's texts (truth/texts.csv, search terms and form messages) repeated
in event proportions (each text appears several times, as in a real batch). The baseline builds a
default Presidio AnalyzerEngine + AnonymizerEngine once per worker and calls them per row; the
stage is ours. Both must find the same entities (compared on entity types per text).
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from pathlib import Path

from pyspark.sql.functions import udf

from clickstitch.config import load_config
from clickstitch.session import build_spark
from generator import generate
from privacy import PrivacyConfig, get_engine, scrub_free_text


def corpus(size: int) -> list[str]:
    with tempfile.TemporaryDirectory() as out:
        generate(Path(out), persons=2000, days=1, seed=11)
        with open(Path(out) / "truth" / "texts.csv", encoding="utf-8") as fh:
            texts = [row["text"] for row in csv.DictReader(fh)]
    rng = random.Random(5)
    return [rng.choice(texts) for _ in range(size)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=2000)
    args = parser.parse_args()
    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench"}).with_overrides(
        {"spark.master": "local[2]", "spark.shuffle_partitions": 2}
    )
    spark = build_spark(config)
    texts = corpus(args.texts)
    df = spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id long, text string").repartition(2).cache()
    df.count()
    privacy = PrivacyConfig()

    # Warm both paths in every Python worker with a full untimed pass (model load is not throughput).
    scrub_free_text(df, ["text"], privacy).collect()
    started = time.perf_counter()
    ours = {r["id"]: r for r in scrub_free_text(df, ["text"], privacy).collect()}
    ours_seconds = time.perf_counter() - started

    entities = list(get_engine(privacy).entities)

    @udf("struct<text:string, types:array<string>>")
    def presidio_per_row(text: str | None):  # type: ignore[no-untyped-def]
        engine = get_engine(privacy)  # same recognizers and thresholds, called per row, no batching
        results = engine._analyze(text, engine.nlp_engine.process_text(text, privacy.language))
        scrubbed = engine._anonymize(text, results)
        return (scrubbed.text, sorted(scrubbed.entity_counts))

    df.select(presidio_per_row("text")).collect()
    started = time.perf_counter()
    naive = {r["id"]: r["out"] for r in df.select("id", presidio_per_row("text").alias("out")).collect()}
    naive_seconds = time.perf_counter() - started

    same = sum(1 for i, row in ours.items() if row["text"] == naive[i]["text"])
    print(f"texts: {len(texts)} ({len(set(texts))} distinct), 2 local cores")
    print(f"scrub_free_text (batched, distinct-once, pre-filter): {ours_seconds:.1f} s = "
          f"{len(texts) / ours_seconds:,.0f} texts/s")
    print(f"Presidio per row in a Python UDF:                     {naive_seconds:.1f} s = "
          f"{len(texts) / naive_seconds:,.0f} texts/s")
    print(f"speed-up: {naive_seconds / ours_seconds:.1f}x; identical output on {same}/{len(texts)} texts")
    print(f"entities: {entities}")
    assert same == len(texts), "the two paths disagree"
    spark.stop()


if __name__ == "__main__":
    main()
