"""Pipeline throughput against its floor, on the same generated exports, in one run.

    python bench/bench_pipeline.py [--persons 5000] [--days 3] [--repeat 2]

(a) floor: Spark reads the raw export lines and writes them unchanged to Parquet;
(b) the full pipeline backfill (read, parse, check, dedupe, bronze + dead letters + audit commits).
Prints events/s for both and their ratio. Each is run ``--repeat`` times in one warm session and the
best time is kept, so JVM start-up and first-query compilation do not count against either side.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import generator  # noqa: E402
from clickstitch.catalog import open_lakehouse  # noqa: E402
from clickstitch.config import load_config  # noqa: E402
from clickstitch.drivers import run_backfill  # noqa: E402
from clickstitch.session import build_spark  # noqa: E402
from ingest.landing import landing_uri  # noqa: E402

START = date(2026, 10, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "pipeline")
    args = parser.parse_args()

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = generator.generate(out / "exports", persons=args.persons, days=args.days, seed=7, start_date=START)
    print(f"generated {summary.valid_events:,} events ({summary.ga4_events:,} GA4, {summary.segment_events:,} "
          f"Segment) in {time.perf_counter() - started:.1f} s")
    landing = out / "exports" / "landing"
    size_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6

    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-key"}).with_overrides(
        {"landing": str(landing), "lake.root": str(out / "lake")}
    )
    spark = build_spark(config)

    floor_times, pipeline_times = [], []
    for attempt in range(args.repeat):
        target = out / f"floor-{attempt}"
        t0 = time.perf_counter()
        lines = spark.read.option("recursiveFileLookup", "true").text(landing_uri(landing))
        lines.write.mode("overwrite").parquet(f"file://{target.absolute()}")
        floor_times.append(time.perf_counter() - t0)

        lake_root = out / f"lake-{attempt}"
        run_config = config.with_overrides({"lake.root": str(lake_root)})
        lake = open_lakehouse(spark, run_config)
        t0 = time.perf_counter()
        report = run_backfill(spark, lake, run_config, START, START + timedelta(days=args.days - 1))
        pipeline_times.append(time.perf_counter() - t0)

    events = report.bronze_records
    floor, pipeline = min(floor_times), min(pipeline_times)
    print(f"input: {report.input_records:,} records, {size_mb:.1f} MB in {report.files} files; "
          f"cores: {spark.sparkContext.defaultParallelism}")
    print(f"(a) floor   raw lines -> Parquet     {floor:7.2f} s  {report.input_records / floor:12,.0f} records/s")
    print(f"(b) pipeline backfill -> Delta      {pipeline:7.2f} s  {events / pipeline:12,.0f} events/s")
    floors, pipelines = (", ".join(f"{t:.1f}" for t in times) for times in (floor_times, pipeline_times))
    runs = f"floor {floors} s; pipeline {pipelines} s"
    print(f"ratio pipeline/floor time: {pipeline / floor:.2f}x  (all runs: {runs})")
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
