"""Pipeline throughput against two floors, per-step times, stream micro-batch latency and peak memory.

    python bench/bench_pipeline.py [--persons 20000] [--days 3] [--micro-batches 6] [--batch-events 1000]

On the same generated exports, in one Spark session:
(a) floor 1: Spark reads the raw export lines and writes them unchanged to Parquet;
(b) floor 2: ``from_json`` with each source's export schema, written to a Delta table (delta-rs commit);
(c) the full pipeline backfill, every stage on (the generated dimensions loaded first); its per-step times
    come from ``ingest_batch_steps``;
(d) stream mode: micro-batches of about ``--batch-events`` events (one landing file each) on the lake of (c),
    each committed by ``run_batch`` as the stream does; the first is warm-up, the median of the rest is printed.
Peak memory: the driver JVM's heap-used peak (all pools, from the JVM's MemoryPoolMXBeans; in local mode
the executors run inside it) and the peak RSS of the whole process tree (driver, JVM, Python workers).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_quality import GateTimes  # noqa: E402

import generator  # noqa: E402
from clickstitch.catalog import INGEST_BATCH_STEPS, open_lakehouse  # noqa: E402
from clickstitch.config import load_config  # noqa: E402
from clickstitch.drivers import run_backfill  # noqa: E402
from clickstitch.pipeline import FileSource, run_batch  # noqa: E402
from clickstitch.session import build_spark  # noqa: E402
from clickstitch.sinks import StreamSink  # noqa: E402
from enrich import DIMENSIONS, load_dimension  # noqa: E402
from ingest import ga4, segment, to_landing_files  # noqa: E402
from ingest.landing import landing_uri  # noqa: E402
from lakehouse import TableSpec  # noqa: E402
from lakehouse.schemas import nullable_struct  # noqa: E402

START = date(2026, 10, 1)


class TreeRss:
    """Samples the RSS of this process and its descendants every 0.2 s; keeps the peak (MB)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while not self._stop.wait(0.2):
            total = 0
            for pid in _tree(os.getpid()):
                try:
                    total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * page
                except (OSError, IndexError, ValueError):
                    continue
            self.peak_mb = max(self.peak_mb, total / 1e6)


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def jvm_heap_peak_mb(spark) -> float:  # type: ignore[no-untyped-def]
    """Sum of the JVM heap pools' peak usage since the last reset, and reset them."""
    jvm = spark.sparkContext._jvm
    total = 0
    for pool in jvm.java.lang.management.ManagementFactory.getMemoryPoolMXBeans():
        if str(pool.getType()) == "Heap memory":
            total += pool.getPeakUsage().getUsed()
            pool.resetPeakUsage()
    return total / 1e6


def floor_parquet(spark, landing: Path, target: Path) -> float:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    spark.read.option("recursiveFileLookup", "true").text(landing_uri(landing)).write.mode("overwrite").parquet(
        f"file://{target.absolute()}"
    )
    return time.perf_counter() - t0


def floor_from_json_delta(spark, landing: Path, lake) -> float:  # type: ignore[no-untyped-def]
    """Each source's lines parsed with its export schema (from_json), appended to a Delta table."""
    from pyspark.sql import functions as F

    t0 = time.perf_counter()
    for name, module in (("ga4", ga4), ("segment", segment)):
        lines = spark.read.option("recursiveFileLookup", "true").text(landing_uri(landing / name))
        parsed = lines.select(F.from_json("value", module.RAW_SCHEMA).alias("row")).select("row.*")
        spec = TableSpec(name=f"floor_{name}", schema=nullable_struct(*[(f.name, f.dataType)
                                                                         for f in parsed.schema.fields]), keys=())
        lake.backend.ensure(spec)
        lake.append(spec, parsed, "bench-floor", 1)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--micro-batches", type=int, default=6, help="stream micro-batches (first is warm-up)")
    parser.add_argument("--batch-events", type=int, default=1000, help="events per stream micro-batch")
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "pipeline")
    args = parser.parse_args()

    out = args.out
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = generator.generate(out / "exports", persons=args.persons, days=args.days, seed=7, start_date=START)
    print(f"generated {summary.valid_events:,} events ({summary.ga4_events:,} GA4, {summary.segment_events:,} "
          f"Segment) in {time.perf_counter() - started:.1f} s", flush=True)
    landing = out / "exports" / "landing"
    size_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6
    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-key"}).with_overrides(
        {"landing": str(landing), "lake.root": str(out / "lake"), "spark.driver_memory": args.driver_memory}
    )
    spark = build_spark(config)
    lake = open_lakehouse(spark, config)
    cores = spark.sparkContext.defaultParallelism
    for name, file in generator.DIMS_FILES.items():  # enrichment joins real dimensions, as in production
        load_dimension(lake, DIMENSIONS[name], out / "exports" / "dims" / file,
                       reporting_currency=config.enrich.reporting_currency)

    gates = GateTimes()  # the quality gates' seconds, logged by the steps they guard
    logging.getLogger("clickstitch.steps").addHandler(gates)
    logging.getLogger("clickstitch.steps").setLevel(logging.INFO)
    with TreeRss() as backfill_rss:
        parquet_s = floor_parquet(spark, landing, out / "floor-parquet")
        json_s = floor_from_json_delta(spark, landing, lake)
        jvm_heap_peak_mb(spark)  # reset: the backfill's peak is measured alone
        t0 = time.perf_counter()
        report = run_backfill(spark, lake, config, START - timedelta(days=1), START + timedelta(days=args.days))
        backfill_s = time.perf_counter() - t0
        backfill_heap = jvm_heap_peak_mb(spark)
    steps = lake.read(INGEST_BATCH_STEPS).orderBy("step_index").collect()
    backfill_gates, gates.found = gates.found, []

    events = report.bronze_records
    print(f"\ninput: {report.input_records:,} records, {size_mb:.1f} MB in {report.files} files; cores: {cores}")
    print(f"floor 1  raw lines -> Parquet          {parquet_s:8.1f} s  {report.input_records / parquet_s:10,.0f} "
          "records/s")
    print(f"floor 2  from_json(export schema)->Delta {json_s:6.1f} s  {report.input_records / json_s:10,.0f} "
          "records/s")
    print(f"pipeline backfill, every stage on      {backfill_s:8.1f} s  {events / backfill_s:10,.0f} events/s")
    print(f"ratio pipeline/floor 1: {backfill_s / parquet_s:.1f}x   pipeline/floor 2: {backfill_s / json_s:.1f}x")
    print(f"peak memory (backfill): JVM heap used {backfill_heap:,.0f} MB; process tree RSS "
          f"{backfill_rss.peak_mb:,.0f} MB")
    print("\nbackfill steps:")
    for row in steps:
        rows = "" if row["rows"] is None else f"{row['rows']:>12,} rows"
        print(f"  {row['step']:<14} {row['seconds']:8.1f} s  {100 * row['seconds'] / backfill_s:5.1f} %  "
              f"{row['spark_jobs']:>4} jobs {rows}")
    quality_s = _quality_seconds({r["step"]: r["seconds"] for r in steps}, backfill_gates)
    print(f"  (quality: its own steps + the gates inside bronze, enrich, silver and metrics: {quality_s:.1f} s, "
          f"{100 * quality_s / backfill_s:.1f} %; enrich {100 * _step(steps, 'enrich') / backfill_s:.1f} %, "
          f"metrics {100 * _step(steps, 'metrics') / backfill_s:.1f} %)")

    stream_dir = out / "stream-landing" / "segment"
    stream_dir.mkdir(parents=True)
    latencies, step_seconds, quality_shares = [], {}, []
    with TreeRss() as stream_rss:
        jvm_heap_peak_mb(spark)
        source_lines = _segment_lines(landing, args.batch_events * args.micro_batches)
        for n in range(args.micro_batches):
            batch_file = stream_dir / f"micro-{n:03d}.jsonl"
            batch_file.write_text("".join(source_lines[n * args.batch_events:(n + 1) * args.batch_events]))
            files = to_landing_files([(landing_uri(batch_file), batch_file.stat().st_size)], out / "stream-landing")
            t0 = time.perf_counter()
            batch = run_batch(spark, lake, config, FileSource(tuple(files)), StreamSink("bench-stream", n))
            latencies.append(time.perf_counter() - t0)
            batch_steps = lake.read(INGEST_BATCH_STEPS).where(f"batch_id = '{batch.batch_id}'").collect()
            for row in batch_steps:
                step_seconds.setdefault(row["step"], []).append((row["seconds"], row["spark_jobs"]))
            batch_gates, gates.found = gates.found, []
            quality_shares.append(_quality_seconds({r["step"]: r["seconds"] for r in batch_steps}, batch_gates)
                                  / latencies[-1])
            print(f"micro-batch {n}: {batch.input_records:,} records, {batch.bronze_records:,} new events, "
                  f"{latencies[-1]:.1f} s", flush=True)
        stream_heap = jvm_heap_peak_mb(spark)
    warm = latencies[1:] or latencies
    print(f"\nstream micro-batch of ~{args.batch_events:,} events: median {statistics.median(warm):.1f} s "
          f"after warm-up (first {latencies[0]:.1f} s; all {', '.join(f'{t:.1f}' for t in latencies)})")
    quality_share = statistics.median(quality_shares[1:] or quality_shares)
    print(f"quality share of a micro-batch: median {100 * quality_share:.1f} %")
    print(f"peak memory (stream): JVM heap used {stream_heap:,.0f} MB; process tree RSS {stream_rss.peak_mb:,.0f} MB")
    print("stream steps (median after warm-up):")
    for step, runs in step_seconds.items():
        warm_runs = runs[1:] or runs
        print(f"  {step:<14} {statistics.median(s for s, _ in warm_runs):8.2f} s  "
              f"{statistics.median(j for _, j in warm_runs):5.0f} jobs")
    print(json.dumps({"events": events, "backfill_s": round(backfill_s, 1), "events_per_s": round(events / backfill_s),
                      "floor_parquet_s": round(parquet_s, 1), "floor_json_delta_s": round(json_s, 1),
                      "stream_median_s": round(statistics.median(warm), 1)}))
    spark.stop()
    return 0


def _step(steps: list, name: str) -> float:
    return sum(r["seconds"] for r in steps if r["step"] == name)


def _quality_seconds(step_seconds: dict[str, float], gates: list[tuple[str, float, int]]) -> float:
    """Quality's own steps plus the GX gates that run inside the steps of the tables they guard."""
    own = step_seconds.get("quality_events", 0.0) + step_seconds.get("quality_results", 0.0)
    return own + sum(seconds for _, seconds, _ in gates)


def _segment_lines(landing: Path, wanted: int) -> list[str]:
    """Segment lines of the generated exports with fresh message ids (new events for the stream batches)."""
    lines: list[str] = []
    for path in sorted((landing / "segment").rglob("*.jsonl")):
        for text in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(text)
            except ValueError:
                continue
            if isinstance(row, dict) and row.get("messageId"):
                row["messageId"] = f"stream-{len(lines)}-{row['messageId']}"
                lines.append(json.dumps(row) + "\n")
                if len(lines) >= wanted:
                    return lines
    return lines


if __name__ == "__main__":
    sys.exit(main())
