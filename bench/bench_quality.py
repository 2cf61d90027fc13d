"""The quality step's cost per batch and the Data Docs build time after many stored validations.

    python bench/bench_quality.py [--persons 300] [--days 1] [--validations 1000]

(a) a backfill of generated exports with quality on: the ``quality_events`` step's seconds and Spark jobs
    (from ``ingest_batch_steps``), the gates' GX seconds for ``event_items`` and ``events_silver`` (from the
    step log), and their share of the batch;
(b) Data Docs: the stored validation result of (a) copied to ``--validations`` results (distinct run names),
    then ``build_docs`` with ``docs_max_results`` = that number, timed.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import generator  # noqa: E402
from clickstitch.catalog import INGEST_BATCH_STEPS, open_lakehouse  # noqa: E402
from clickstitch.config import load_config  # noqa: E402
from clickstitch.drivers import run_backfill  # noqa: E402
from clickstitch.session import build_spark  # noqa: E402
from enrich import DIMENSIONS, load_dimension  # noqa: E402
from quality import build_docs, quality_root  # noqa: E402
from quality.docs import results_folder  # noqa: E402

START = date(2026, 10, 1)
GATE_LINE = re.compile(r"quality (\w+) ([\d.]+) s, (\d+) Spark jobs")


class GateTimes(logging.Handler):
    """Collects the gates' per-batch log lines (seconds, Spark jobs per validated table)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.found: list[tuple[str, float, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        hit = GATE_LINE.search(record.getMessage())
        if hit:
            self.found.append((hit.group(1), float(hit.group(2)), int(hit.group(3))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--validations", type=int, default=1000)
    parser.add_argument("--driver-memory", default="4g")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "quality")
    args = parser.parse_args()

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    summary = generator.generate(out / "exports", persons=args.persons, days=args.days, seed=7, start_date=START)
    print(f"generated {summary.valid_events:,} events", flush=True)
    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-key"}).with_overrides(
        {"landing": str(out / "exports" / "landing"), "lake.root": str(out / "lake"),
         "spark.driver_memory": args.driver_memory})
    spark = build_spark(config)
    lake = open_lakehouse(spark, config)
    for name, file in generator.DIMS_FILES.items():
        load_dimension(lake, DIMENSIONS[name], out / "exports" / "dims" / file)
    gates = GateTimes()
    logging.getLogger("clickstitch.steps").addHandler(gates)
    logging.getLogger("clickstitch.steps").setLevel(logging.INFO)

    clock = time.perf_counter()
    report = run_backfill(spark, lake, config, START - timedelta(days=1), START + timedelta(days=args.days))
    batch_s = time.perf_counter() - clock
    steps = {r["step"]: r for r in lake.read(INGEST_BATCH_STEPS).collect()}
    own = [("quality_events", steps["quality_events"]["seconds"], steps["quality_events"]["spark_jobs"]),
           ("quality_results", steps["quality_results"]["seconds"], steps["quality_results"]["spark_jobs"])]
    print(f"\n(a) backfill of {report.input_records:,} records -> {report.bronze_records:,} events: {batch_s:.1f} s")
    total = 0.0
    for name, seconds, jobs in [*own, *gates.found]:
        total += seconds
        print(f"  {name:<16} {seconds:7.2f} s  {jobs:>4} Spark jobs")
    print(f"  quality total    {total:7.2f} s  = {100 * total / batch_s:.1f} % of the batch (target <= 20 %)")

    root = quality_root(config.lake.root)
    stored = sorted(results_folder(root).rglob("*.json"))
    template = stored[0]
    suite_dir = template.relative_to(results_folder(root)).parts[0]
    for n in range(args.validations - len(stored)):
        target = results_folder(root) / suite_dir / f"bench-{n:05d}" / "20261001T000000.000000Z" / template.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(template, target)
    kept = len(list(results_folder(root).rglob("*.json")))
    index, seconds = build_docs(root, max_results=args.validations)
    print(f"\n(b) Data Docs from {kept:,} stored validations: {seconds:.1f} s ({index})")
    spark.stop()


if __name__ == "__main__":
    main()
