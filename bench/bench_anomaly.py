"""Anomaly detection speed: the fit, and the scorer's micro-batch latency, on a copy of a backfilled lake.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_anomaly.py --lake demo/lake [--until 2026-10-04T00:00]
       [--k 3] [--batch-span "1 hour"] [--batches 5]

The lake must hold at least ``anomaly.min_training_days`` (3) days of events before ``--until`` (default:
the last closed window, which leaves nothing to score: give the start of the last day). Build one with
``clickstitch generate --persons 20000 --days 4`` and ``clickstitch backfill`` for the >= 1M-event figure.
The lake is copied first (the bench writes model versions and scores). Prints: fit seconds with k fixed
and with k chosen by silhouette, then per scorer batch the windows and seconds, and the median batch after
the first (the first pays the JIT and cache warm-up).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from clickstitch import anomaly_jobs
from clickstitch.catalog import open_lakehouse
from clickstitch.config import load_config
from clickstitch.session import build_spark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", type=Path, required=True)
    parser.add_argument("--until", type=datetime.fromisoformat)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--batch-span", default="1 hour")
    parser.add_argument("--batches", type=int, default=5)
    args = parser.parse_args()
    until = args.until.replace(tzinfo=UTC) if args.until and args.until.tzinfo is None else args.until
    with tempfile.TemporaryDirectory(prefix="bench-anomaly-") as scratch:
        root = Path(scratch) / "lake"
        shutil.copytree(args.lake, root)
        config = load_config().with_overrides({"lake.root": str(root), "anomaly.max_batch_span": args.batch_span})
        spark = build_spark(config)
        events = open_lakehouse(spark, config).read("events_silver").count()
        print(f"lake: {events} events in events_silver")
        for label, k in (("k fixed", args.k), ("k by silhouette", None)):
            shutil.rmtree(root / "anomaly_models", ignore_errors=True)
            fitted = config.with_overrides({"anomaly.k": k})
            lake = open_lakehouse(spark, fitted)
            started = time.monotonic()
            outcome = anomaly_jobs.fit(spark, lake, fitted, until)
            print(f"fit ({label}): {time.monotonic() - started:.1f}s: {outcome.line()}")
        latencies = []
        for _ in range(args.batches):
            started = time.monotonic()
            scored = anomaly_jobs.score_once(spark, lake, fitted)
            if scored.batch_number is None:
                print(scored.line())
                break
            latencies.append(time.monotonic() - started)
            print(f"scorer batch {scored.batch_number}: {scored.windows} windows, {latencies[-1]:.1f}s")
        if len(latencies) > 1:
            print(f"scorer micro-batch latency: median {statistics.median(latencies[1:]):.1f}s after the first "
                  f"({latencies[0]:.1f}s)")
        spark.stop()


if __name__ == "__main__":
    main()
