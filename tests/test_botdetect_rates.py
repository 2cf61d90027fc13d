"""Detection and false-positive rates on real, maintained UA lists (no hand-written lists).

Bots: every ``instances`` UA of the crawler-user-agents package. Humans: the real-traffic browser
UAs shipped by fake-useragent (``fake_useragent/data/browsers.jsonl``, a dev dependency).
Run with ``-s`` to see the rates and the cold-cache throughput.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
import time
from collections import Counter

import crawleruseragents
import pytest

from botdetect import BotDetectConfig, classify_user_agent, clear_user_agent_cache

MIN_DETECTION_RATE = 0.97
MAX_FALSE_POSITIVE_RATE = 0.01


def crawler_instances() -> list[str]:
    return sorted({ua for entry in crawleruseragents.CRAWLER_USER_AGENTS_DATA for ua in entry["instances"]})


def real_browser_user_agents() -> list[str]:
    pytest.importorskip("fake_useragent", reason="dev dependency fake-useragent (real browser UA list)")
    data = importlib.resources.files("fake_useragent") / "data" / "browsers.jsonl"
    lines = data.read_text(encoding="utf-8").splitlines()
    return sorted({json.loads(line)["useragent"] for line in lines if line.strip()})


def classify_cold(user_agents: list[str], config: BotDetectConfig | None = None) -> tuple[list, float]:
    """Verdicts and distinct UAs classified per second, from an empty cache, single-threaded."""
    classify_user_agent("warm up the lazily built matchers")
    clear_user_agent_cache()
    started = time.perf_counter()
    verdicts = [classify_user_agent(ua, config) for ua in user_agents]
    return verdicts, len(user_agents) / (time.perf_counter() - started)


def test_detection_rate_on_crawler_user_agents_instances() -> None:
    bots = crawler_instances()
    verdicts, per_second = classify_cold(bots)
    detected = sum(v.is_bot for v in verdicts) / len(bots)
    categories = Counter(v.category for v in verdicts if v.is_bot)
    missed = [ua for ua, v in zip(bots, verdicts, strict=True) if not v.is_bot]
    # Without the list the patterns come from: how much the other rules catch on their own.
    independent, _ = classify_cold(
        bots, BotDetectConfig.model_validate(dict(rules={"ua_crawler_list": {"enabled": False}}))
    )
    independent_rate = sum(v.is_bot for v in independent) / len(bots)
    print(
        f"\ncrawler-user-agents {importlib.metadata.version('crawler-user-agents')}: "
        f"{len(bots)} distinct UAs, "
        f"detected {detected:.2%} ({independent_rate:.2%} without ua_crawler_list), "
        f"{per_second:,.0f} UAs/s cold; categories {dict(categories.most_common())}; missed {missed[:5]}"
    )
    assert detected >= MIN_DETECTION_RATE
    assert all(categories[c] > 0 for c in ("search_engine", "monitor", "preview", "feed_reader", "seo", "crawler"))
    assert categories["tool"] > 0


def test_false_positive_rate_on_real_browser_user_agents() -> None:
    humans = real_browser_user_agents()
    verdicts, per_second = classify_cold(humans)
    flagged = [(ua, v.reasons) for ua, v in zip(humans, verdicts, strict=True) if v.is_bot]
    with_any_signal = sum(bool(v.reasons) for v in verdicts)
    rate = len(flagged) / len(humans)
    devices = Counter(v.device for v in verdicts)
    print(
        f"\nfake-useragent {importlib.metadata.version('fake-useragent')} browsers: "
        f"{len(humans)} distinct UAs, false positives {rate:.2%} "
        f"({with_any_signal} with any signal), {per_second:,.0f} UAs/s cold; devices {dict(devices)}; "
        f"flagged {flagged[:5]}"
    )
    assert len(humans) >= 500
    assert rate <= MAX_FALSE_POSITIVE_RATE
