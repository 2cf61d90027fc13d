"""Incremental identity update (a batch adding 1% new edges) vs full recompute, in one run.

    PYTHONPATH=. .venv/bin/python bench/bench_identity.py --identifiers 1000000
    PYTHONPATH=. .venv/bin/python bench/bench_identity.py --identifiers 30000   # quick

Graph: N/3 persons, each a login used from two cookies (2 events per person: 3 identifiers,
2 edges). Full recompute: ``rebuild`` over all days (edges from events_bronze, distributed
connected components, map rewrite). Incremental: ``stitch_batch`` on a batch of new events, each
linking a new cookie to an existing login (1% of the edges), on the graph the rebuild wrote, then a
second such batch in the same process (what each batch of a running stream costs).

Each phase runs in its own process (its own JVM, started before the clock), on the same lake, so
the process memory of one phase does not carry the heap the other grew. Before its clock starts, each
process runs both paths once on a small scratch lake (``warm_up``), as a running job has: Python
workers up, generated code compiled. Measured per phase: wall
time; peak JVM heap used (sum of the heap pools' peak, reset before the phase; in local mode the
executors run in the driver JVM, so this covers them); peak live heap after GC (sampled); peak RSS
of the phase's processes (driver Python + JVM + Python UDF workers, sampled every 0.2 s; the JVM's
share includes its start-up footprint); peak RSS of the driver's Python process alone (sampled; not
tracemalloc, which slows every Python allocation and with it the driver-side clustering).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import identity_args, open_lakehouse
from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.session import build_spark
from identity import rebuild, stitch_batch
from lakehouse import EVENTS_BRONZE
from lakehouse.schemas import EVENT_SCHEMA

DAY = date(2026, 10, 1)
COLUMNS = ("seconds", "jvm_heap_peak_mb", "live_heap_mb", "rss_peak_mb", "driver_python_rss_mb")


def events_frame(spark: SparkSession, pairs: DataFrame) -> DataFrame:
    """EVENT_SCHEMA rows from (event_id, anonymous_id, user_id, second) rows."""
    given = {
        "event_id": F.col("event_id"), "source": F.lit("segment"), "event_type": F.lit("track"),
        "event_name": F.lit("bench"), "anonymous_id": F.col("anonymous_id"), "user_id": F.col("user_id"),
        "event_time": F.timestamp_seconds(F.lit(1790812800) + F.col("second")),
        "event_date": F.lit(DAY), "country": F.lit("United States"),
    }
    return pairs.select(*[given.get(f.name, F.lit(None)).cast(f.dataType).alias(f.name) for f in EVENT_SCHEMA.fields])


def process_tree_rss_mb(root_pids: list[int]) -> float:
    """RSS of some processes and all their descendants (Linux /proc), MB."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry), int(fields[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo, seen = 0, list(root_pids), set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += rss.get(pid, 0)
        todo.extend(children.get(pid, []))
    return total / 1e6


def process_rss_mb(pid: int) -> float:
    """RSS of one process, MB."""
    with open(f"/proc/{pid}/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def measure(spark: SparkSession, action: Callable[[], Any]) -> dict[str, float]:
    """Seconds, peak JVM heap used, peak live JVM heap after GC, peak RSS, peak driver Python RSS (MB).

    Heap used peak follows the collector's rhythm (garbage counts until collected); the live heap
    after GC (pools' collection usage, sampled every 0.2 s) is the better working-set figure.
    """
    jvm: Any = spark.sparkContext._jvm
    jvm_pid = int(jvm.java.lang.ProcessHandle.current().pid())
    pools = [p for p in jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans()
             if str(p.getType()) == "Heap memory"]
    jvm.java.lang.System.gc()
    for pool in pools:
        pool.resetPeakUsage()
    live, rss, python_rss = [0.0], [0.0], [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            after_gc = sum(u.getUsed() for u in (p.getCollectionUsage() for p in pools) if u is not None)
            live[0] = max(live[0], after_gc / 1e6)
            rss[0] = max(rss[0], process_tree_rss_mb([os.getpid(), jvm_pid]))
            python_rss[0] = max(python_rss[0], process_rss_mb(os.getpid()))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    heap_peak = sum(p.getPeakUsage().getUsed() for p in pools) / 1e6
    return dict(zip(COLUMNS, (seconds, heap_peak, live[0], rss[0], python_rss[0]), strict=True))


def bench_config(root: Path, driver_memory: str) -> ClickstitchConfig:
    return load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-hash-key"}).with_overrides({
        "lake.root": str(root / "lake"), "spark.driver_memory": driver_memory,
        "spark.shuffle_partitions": 8,
        "spark.conf": {"spark.sql.adaptive.enabled": "true", "spark.local.dir": str(root / "spark")},
    })


def bronze_pairs(spark: SparkSession, persons: int) -> DataFrame:
    """The graph's events: each login ``u{n}`` used from two cookies (2 events per person)."""
    return spark.range(persons * 2).select(
        F.concat(F.lit("e"), F.col("id")).alias("event_id"),
        F.concat(F.lit("c"), F.col("id")).alias("anonymous_id"),
        F.concat(F.lit("u"), (F.col("id") / 2).cast("long")).alias("user_id"),
        (F.col("id") % 80000).alias("second"),
    )


def new_edge_batch(spark: SparkSession, persons: int, new: int, seed: int) -> DataFrame:
    """``new`` events, each linking a new cookie to an existing login."""
    rng = random.Random(seed)
    rows = [(f"n{i}", f"new{seed}_{i}", f"u{rng.randrange(persons)}", 80000 + i) for i in range(new)]
    return events_frame(spark, spark.createDataFrame(rows, "event_id string, anonymous_id string, user_id string, "
                                                           "second long"))


def warm_up(spark: SparkSession, root: Path, driver_memory: str) -> None:
    """Run both code paths once on a small scratch lake, as a running job would have: Python workers
    started, plans' code generated. Then the measured phase pays only its own work."""
    config = bench_config(root / "warm-up", driver_memory)
    lake = open_lakehouse(spark, config)
    lake.append(EVENTS_BRONZE, events_frame(spark, bronze_pairs(spark, 300)), "bench", 1)
    rebuild(spark, lake, *identity_args(config), DAY, DAY)
    stitch_batch(spark, lake, new_edge_batch(spark, 300, 6, seed=1), *identity_args(config), "bench", 1).count()


Rows = dict[str, dict[str, float]]


def run_phase(phase: str, root: Path, persons: int, new_edge_share: float, driver_memory: str) -> Rows:
    """One measured phase in this process: ``full`` (writes bronze, then rebuild) or ``incremental``
    (two batches in a row: the first a process runs, then the next, as a stream's steady state)."""
    config = bench_config(root, driver_memory)
    spark = build_spark(config)
    lake = open_lakehouse(spark, config)
    try:
        warm_up(spark, root / f"scratch-{phase}", driver_memory)
        if phase == "full":
            lake.append(EVENTS_BRONZE, events_frame(spark, bronze_pairs(spark, persons)), "bench", 1)
            return {"full recompute": measure(spark, lambda: rebuild(spark, lake, *identity_args(config), DAY, DAY))}
        new = max(1, int(persons * 2 * new_edge_share))
        rows: Rows = {}
        for number, label in ((1, "incremental, first batch"), (2, "incremental, next batch")):
            batch = new_edge_batch(spark, persons, new, seed=6 + number)
            rows[f"{label} (+{new:,} edges)"] = measure(
                spark, lambda: stitch_batch(spark, lake, batch, *identity_args(config), "bench", number).count()  # noqa: B023
            )
        return rows
    finally:
        spark.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--identifiers", type=int, default=1_000_000, help="identifiers in the graph (>= 300)")
    parser.add_argument("--new-edge-share", type=float, default=0.01)
    parser.add_argument("--driver-memory", default="8g")
    parser.add_argument("--phase", choices=("full", "incremental"), help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    persons = max(100, args.identifiers // 3)
    if args.phase:  # a child process: measure one phase, hand the figures back as one JSON line
        result = run_phase(args.phase, args.root, persons, args.new_edge_share, args.driver_memory)
        print("RESULT " + json.dumps(result), flush=True)
        return
    root = Path(tempfile.mkdtemp(prefix="bench_identity_"))
    print(f"graph: {persons * 3:,} identifiers, {persons * 2:,} edges, {persons:,} persons", flush=True)
    try:
        full = _child("full", root, args)
        incremental = _child("incremental", root, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"{'':42}{'seconds':>9}{'JVM heap peak MB':>18}{'live after GC MB':>18}{'RSS peak MB':>13}"
          f"{'driver Python RSS MB':>22}")
    for name, r in {**full, **incremental}.items():
        print(f"{name:42}{r['seconds']:9.1f}{r['jvm_heap_peak_mb']:18.0f}{r['live_heap_mb']:18.0f}"
              f"{r['rss_peak_mb']:13.0f}{r['driver_python_rss_mb']:22.0f}")
    whole = full["full recompute"]
    for name, r in incremental.items():
        print(f"{name.split(' (')[0]} / full: " + ", ".join(
            f"{label} {r[key] / max(whole[key], 1e-9):.3f}"
            for label, key in (("time", "seconds"), ("JVM heap peak", "jvm_heap_peak_mb"),
                               ("live heap", "live_heap_mb"), ("RSS peak", "rss_peak_mb"))
        ))


def _child(phase: str, root: Path, args: argparse.Namespace) -> Rows:
    command = [sys.executable, __file__, "--phase", phase, "--root", str(root),
               "--identifiers", str(args.identifiers), "--new-edge-share", str(args.new_edge_share),
               "--driver-memory", args.driver_memory]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)  # Spark logs: stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


if __name__ == "__main__":
    main()
