"""Bot detection speed: UA classification (cold cache) and the pipeline with and without the bot stage.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_botdetect.py [--persons 2000 --days 2 --repeat 2]

1. Distinct user agents classified per second, single-threaded from an empty cache: the
   crawler-user-agents ``instances`` plus fake-useragent's real browser UAs (when installed).
2. The whole pipeline (a backfill of generated exports into fresh Delta tables) with the bot stage
   (``botdetect.enabled``: verdicts over the bronze neighbourhood, silver re-labelling,
   bot_sessions) and without it, alternated ``--repeat`` times in one warm session; the best time
   of each is kept.
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import crawleruseragents
from pyspark.sql import SparkSession

from botdetect import classify_user_agent, clear_user_agent_cache
from botdetect.tables import BOT_SESSIONS
from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.drivers import run_backfill
from clickstitch.session import build_spark
from generator import generate

START = date(2026, 10, 1)


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


def timed_backfill(
    spark: SparkSession, config: ClickstitchConfig, lake_root: Path, days: int
) -> tuple[float, int, int]:
    """Seconds, bronze events and flagged sessions of one backfill into a fresh lake."""
    run_config = config.with_overrides({"lake.root": str(lake_root)})
    lake = open_lakehouse(spark, run_config)
    started = time.perf_counter()
    report = run_backfill(spark, lake, run_config, START, START + timedelta(days=days - 1))
    seconds = time.perf_counter() - started
    flagged = lake.read(BOT_SESSIONS).count() if run_config.botdetect.enabled else 0
    return seconds, report.bronze_records, flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", type=int, default=2000)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    count, rate = user_agents_per_second()
    print(f"classify_user_agent, cold cache, 1 thread: {count} distinct UAs at {rate:,.0f} UAs/s")

    config = load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only-key"})
    spark = build_spark(config)
    with tempfile.TemporaryDirectory() as out:
        summary = generate(Path(out), persons=args.persons, days=args.days, seed=11, start_date=START)
        print(f"generated {summary.valid_events:,} events ({args.persons} persons x {args.days} days)")
        config = config.with_overrides({"landing": str(Path(out) / "landing")})
        times: dict[bool, list[float]] = {True: [], False: []}
        for attempt in range(args.repeat):
            for enabled in (True, False):
                run_config = config.with_overrides({"botdetect.enabled": enabled})
                seconds, events, flagged = timed_backfill(spark, run_config, Path(out) / f"lake-{enabled}-{attempt}",
                                                          args.days)
                times[enabled].append(seconds)
                label = "with bot stage   " if enabled else "without bot stage"
                print(f"pipeline {label} run {attempt + 1}: {seconds:6.1f} s, {events / seconds:7,.0f} events/s"
                      + (f" ({flagged} sessions flagged)" if enabled else ""))
        with_bots, without = min(times[True]), min(times[False])
        print(f"best: with bot stage {with_bots:.1f} s ({events / with_bots:,.0f} events/s), without "
              f"{without:.1f} s ({events / without:,.0f} events/s); the bot stage adds "
              f"{100 * (with_bots - without) / without:.0f}%")
    spark.stop()


if __name__ == "__main__":
    main()
