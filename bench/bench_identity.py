"""Incremental identity update (a batch adding 1% new edges) vs full recompute, in one run.

    PYTHONPATH=. .venv/bin/python bench/bench_identity.py --identifiers 1000000
    PYTHONPATH=. .venv/bin/python bench/bench_identity.py --identifiers 30000   # quick

Graph: N/3 persons, each a login used from two cookies (2 events per person: 3 identifiers,
2 edges). Full recompute: ``rebuild`` over all days (edges from events_bronze, distributed
connected components, map rewrite). Incremental: ``stitch_batch`` on a batch of new events, each
linking a new cookie to an existing login (1% of the edges).

Measured per phase: wall time; peak JVM heap (sum of the heap memory pools' peak usage, reset
before the phase; in local mode the executors run in the driver JVM, so this covers them);
peak Python allocations of the driver (tracemalloc). Not covered: Python UDF worker processes.
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.config import load_config
from clickstitch.session import build_spark
from identity import rebuild, stitch_batch
from lakehouse import EVENTS_BRONZE, open_lakehouse
from lakehouse.schemas import EVENT_SCHEMA

DAY = date(2026, 10, 1)


def events_frame(spark: SparkSession, pairs: DataFrame) -> DataFrame:
    """EVENT_SCHEMA rows from (event_id, anonymous_id, user_id, second) rows."""
    given = {
        "event_id": F.col("event_id"), "source": F.lit("segment"), "event_type": F.lit("track"),
        "event_name": F.lit("bench"), "anonymous_id": F.col("anonymous_id"), "user_id": F.col("user_id"),
        "event_time": F.timestamp_seconds(F.lit(1790812800) + F.col("second")),
        "event_date": F.lit(DAY), "country": F.lit("United States"),
    }
    return pairs.select(*[given.get(f.name, F.lit(None)).cast(f.dataType).alias(f.name) for f in EVENT_SCHEMA.fields])


def measure(spark: SparkSession, action: Callable[[], Any]) -> tuple[float, float, float, float]:
    """(seconds, peak JVM heap used MB, peak live JVM heap after GC MB, peak driver Python MB).

    Heap used peak follows the collector's rhythm (garbage counts until collected); the live heap
    after GC (pools' collection usage, sampled every 0.2 s) is the better working-set figure.
    """
    jvm: Any = spark.sparkContext._jvm
    pools = [p for p in jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
             if str(p.getType()) == "Heap memory"]
    jvm.java.lang.System.gc()
    for pool in pools:
        pool.resetPeakUsage()
    live: list[float] = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            after_gc = sum(u.getUsed() for u in (p.getCollectionUsage() for p in pools) if u is not None)
            live[0] = max(live[0], after_gc / 1e6)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    tracemalloc.start()
    tracemalloc.reset_peak()
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    python_peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    done.set()
    sampler.join()
    heap_peak = sum(p.getPeakUsage().getUsed() for p in pools) / 1e6
    return seconds, heap_peak, live[0], python_peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identifiers", type=int, default=1_000_000, help="identifiers in the graph (>= 300)")
    parser.add_argument("--new-edge-share", type=float, default=0.01)
    parser.add_argument("--driver-memory", default="8g")
    args = parser.parse_args()
    persons = max(100, args.identifiers // 3)
    root = Path(tempfile.mkdtemp(prefix="bench_identity_"))
    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-hash-key"}).with_overrides({
        "lake.root": str(root / "lake"), "spark.driver_memory": args.driver_memory,
        "spark.shuffle_partitions": 8,
        "spark.conf": {"spark.sql.adaptive.enabled": "true", "spark.local.dir": str(root / "spark")},
    })
    spark = build_spark(config)
    lake = open_lakehouse(spark, config)
    try:
        ids = spark.range(persons * 2).select(
            F.concat(F.lit("e"), F.col("id")).alias("event_id"),
            F.concat(F.lit("c"), F.col("id")).alias("anonymous_id"),
            F.concat(F.lit("u"), (F.col("id") / 2).cast("long")).alias("user_id"),
            (F.col("id") % 80000).alias("second"),
        )
        lake.append(EVENTS_BRONZE, events_frame(spark, ids), "bench", 1)
        edges = persons * 2
        print(f"graph: {persons * 3:,} identifiers, {edges:,} edges, {persons:,} persons")
        full = measure(spark, lambda: rebuild(spark, lake, config, DAY, DAY))
        new = max(1, int(edges * args.new_edge_share))
        rng = random.Random(7)
        rows = [(f"n{i}", f"new{i}", f"u{rng.randrange(persons)}", 80000 + i) for i in range(new)]
        batch = spark.createDataFrame(rows, "event_id string, anonymous_id string, user_id string, second long")
        incremental = measure(
            spark, lambda: stitch_batch(spark, lake, events_frame(spark, batch), config, "bench", 1).count()
        )
        print(f"{'':28}{'seconds':>9}{'JVM heap peak MB':>18}{'live after GC MB':>18}{'driver Python MB':>18}")
        for name, (s, heap, live, py) in (("full recompute", full), (f"incremental (+{new:,} edges)", incremental)):
            print(f"{name:28}{s:9.1f}{heap:18.0f}{live:18.0f}{py:18.1f}")
        print(f"ratio full/incremental: time {full[0] / incremental[0]:.1f}x, JVM heap peak "
              f"{full[1] / incremental[1]:.1f}x, live heap {full[2] / max(incremental[2], 1):.1f}x")
    finally:
        spark.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
