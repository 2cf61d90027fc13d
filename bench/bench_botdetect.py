"""Bot detection speed: UA classification (cold cache) and session_verdicts throughput.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_botdetect.py [--persons 5000 --days 2]

1. Distinct user agents classified per second, single-threaded from an empty cache: the
   crawler-user-agents ``instances`` plus fake-useragent's real browser UAs (when installed).
2. ``session_verdicts`` over generated events (read through the ingest stages and cached first),
   events per second, with the UA stage and without it (``use_user_agent=False``), one run.
   Each is timed twice: the first run includes starting Python workers and loading the
   crawler list, the second is warm.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import crawleruseragents
from pyspark import StorageLevel
from pyspark.sql import DataFrame

from botdetect import BotDetectConfig, classify_user_agent, clear_user_agent_cache, session_verdicts
from clickstitch.config import load_config
from clickstitch.session import build_spark
from generator import generate
from ingest import BatchContext, dedupe_events, parse_events, read_lines, to_landing_files, valid_events


def sample_user_agents() -> list[str]:
    agents = {ua for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA for ua in entry["instances"]}
    try:
        data = importlib.resources.files("fake_useragent") / "data" / "browsers.jsonl"
        lines = data.read_text(encoding="utf-8").splitlines()
        agents |= {json.loads(line)["useragent"] for line in lines if line.strip()}
    except ModuleNotFoundError:
        pass
    return sorted(agents)


def user_agents_per_second() -> tuple[int, float]:
    agents = sample_user_agents()
    classify_user_agent("warm up the lazily built matchers")
    clear_user_agent_cache()
    started = time.perf_counter()
    for ua in agents:
        classify_user_agent(ua)
    return len(agents), len(agents) / (time.perf_counter() - started)


def timed_verdicts(events: DataFrame, config: BotDetectConfig, use_user_agent: bool) -> tuple[float, int]:
    started = time.perf_counter()
    verdicts = session_verdicts(events, config, use_user_agent=use_user_agent)
    flagged = verdicts.where("is_bot").count()  # forces every session's verdict
    return time.perf_counter() - started, flagged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=5000)
    parser.add_argument("--days", type=int, default=2)
    args = parser.parse_args()

    count, rate = user_agents_per_second()
    print(f"classify_user_agent, cold cache, 1 thread: {count} distinct UAs at {rate:,.0f} UAs/s")

    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench"}).with_overrides(
        {"spark.master": "local[2]", "spark.shuffle_partitions": 2}
    )
    spark = build_spark(config)
    with tempfile.TemporaryDirectory() as out:
        generate(Path(out), persons=args.persons, days=args.days, seed=11)
        landing = Path(out) / "landing"
        listing = [(p.absolute().as_uri(), p.stat().st_size) for p in sorted(landing.rglob("*")) if p.is_file()]
        batch = BatchContext("bench", datetime(2030, 1, 1, tzinfo=UTC))
        events = (
            parse_events(read_lines(spark, to_landing_files(listing, landing), config.ingest), config.ingest, batch)
            .transform(valid_events)
            .transform(dedupe_events)
            .persist(StorageLevel.MEMORY_AND_DISK)
        )
        n_events = events.count()
        n_sessions = events.select("source", "session_id").distinct().count()
        print(f"events: {n_events:,} in {n_sessions:,} sessions ({args.persons} persons x {args.days} days), cached")
        for use_user_agent in (True, False, True, False):
            seconds, flagged = timed_verdicts(events, config.botdetect, use_user_agent)
            label = "with UA stage   " if use_user_agent else "without UA stage"
            print(
                f"session_verdicts {label}: {seconds:6.1f} s, {n_events / seconds:9,.0f} events/s "
                f"({flagged} sessions flagged)"
            )
        events.unpersist()
    spark.stop()


if __name__ == "__main__":
    main()
