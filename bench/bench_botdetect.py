"""Bot detection speed: UA classification (cold cache) and the pipeline with and without the bot stage.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_botdetect.py [--persons 2000 --days 2 --repeat 2]
       [--ua-repeat 3] [--ua-only]

1. Distinct user agents classified per second, single-threaded from an empty cache: the
   crawler-user-agents ``instances`` plus fake-useragent's real browser UAs (when installed), and
   every third real browser UA of device-detector's fixtures (when installed). Measured for the
   rule set before issue 17 (``LEGACY_RULES``: the parse and the five original rules) and for all
   rules, alternated ``--ua-repeat`` times in one process, best of each; then ``classify_user_agent``
   itself (cache cleared). ``--ua-only`` stops there.
2. The whole pipeline (a backfill of generated exports into fresh Delta tables) with the bot stage
   (``botdetect.enabled``: verdicts over the bronze neighbourhood, silver re-labelling,
   bot_sessions) and without it, alternated ``--repeat`` times in one warm session; the best time
   of each is kept.
"""

from __future__ import annotations

import argparse
import importlib.resources
import importlib.util
import json
import tempfile
import time
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path

import crawleruseragents
import yaml
from pyspark.sql import SparkSession

from botdetect import (
    USER_AGENT_RULES,
    BotDetectConfig,
    UserAgentRule,
    classify_user_agent,
    clear_user_agent_cache,
)
from botdetect.tables import BOT_SESSIONS
from botdetect.user_agent import compute_signals, score_signals
from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.drivers import run_backfill
from clickstitch.session import build_spark
from generator import generate

START = date(2026, 10, 1)

# The user-agent rules before issue 17 (generic signals, second list): the "before" rule set.
LEGACY_RULES = ("ua_library_bot", "ua_crawler_list", "ua_automation_marker", "ua_empty", "ua_malformed")


def sample_user_agents() -> list[str]:
    agents = {ua for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA for ua in entry["instances"]}
    try:
        data = importlib.resources.files("fake_useragent") / "data" / "browsers.jsonl"
        lines = data.read_text(encoding="utf-8").splitlines()
        agents |= {json.loads(line)["useragent"] for line in lines if line.strip()}
    except ModuleNotFoundError:
        pass
    return sorted(agents)


def device_detector_browsers() -> list[str]:
    """Every third real browser UA of device-detector's fixtures (sorted), [] when not installed."""
    spec = importlib.util.find_spec("device_detector")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations))) / "tests" / "fixtures" / "upstream"
    agents: set[str] = set()
    for path in sorted(root.glob("*.yml")):
        if path.name == "bots.yml":
            continue
        for entry in yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or []:
            if (entry.get("client") or {}).get("type") == "browser":
                agents.add(str(entry["user_agent"]))
    return sorted(agents)[::3]


def user_agents_per_second(agents: list[str]) -> float:
    """``classify_user_agent`` from an empty cache (matchers already built)."""
    classify_user_agent("warm up the lazily built matchers")
    clear_user_agent_cache()
    started = time.perf_counter()
    for ua in agents:
        classify_user_agent(ua)
    return len(agents) / (time.perf_counter() - started)


def rule_set_per_second(agents: list[str], rules: Mapping[str, UserAgentRule]) -> float:
    """What a cache miss costs with only ``rules``: parse, their detectors, the score."""
    compute_signals("warm up the lazily built matchers", rules)  # built outside the timing
    config = BotDetectConfig()
    started = time.perf_counter()
    for ua in agents:
        score_signals(compute_signals(ua, rules), config)
    return len(agents) / (time.perf_counter() - started)


def compare_rule_sets(samples: Mapping[str, list[str]], repeat: int) -> None:
    rule_sets = {
        "before (5 rules)": {name: USER_AGENT_RULES[name] for name in LEGACY_RULES},
        f"after ({len(USER_AGENT_RULES)} rules)": dict(USER_AGENT_RULES),
    }
    for label, agents in samples.items():
        best: dict[str, float] = {}
        for _ in range(repeat):
            for name, rules in rule_sets.items():
                best[name] = max(best.get(name, 0.0), rule_set_per_second(agents, rules))
        before, after = best.values()
        print(
            f"UA classifier, cold, 1 thread, {label} ({len(agents)} distinct UAs), best of {repeat}: "
            + ", ".join(f"{name} {rate:,.0f} UAs/s" for name, rate in best.items())
            + f"; after/before {after / before:.2f}"
        )
        itself = max(user_agents_per_second(agents) for _ in range(repeat))
        print(f"  classify_user_agent itself (cache cleared each time), best of {repeat}: {itself:,.0f} UAs/s")


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
    parser.add_argument("--ua-repeat", type=int, default=3, help="alternations of the two rule sets")
    parser.add_argument("--ua-only", action="store_true", help="only the UA classifier figures")
    args = parser.parse_args()

    samples = {"bot and browser lists": sample_user_agents()}
    browsers = device_detector_browsers()
    if browsers:
        samples["device-detector browsers"] = browsers
    compare_rule_sets(samples, args.ua_repeat)
    if args.ua_only:
        return

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
