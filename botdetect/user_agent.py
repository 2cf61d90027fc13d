"""Classify one user-agent string: is it a bot, how sure, what kind, and what browser/OS/device.

The config-independent work (ua-parser and every rule's detector) is cached per distinct UA, once
per Python process (``user_agent_cache_info`` exposes the hit/miss counters); scoring a cached
result under a config is a few dict look-ups.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from user_agents import parse as parse_user_agent
from user_agents.parsers import UserAgent

from botdetect.categories import Category, best_category
from botdetect.config import BotDetectConfig
from botdetect.rules import USER_AGENT_RULES, UserAgentRule

DeviceClass = Literal["desktop", "mobile", "tablet", "bot", "other"]

USER_AGENT_CACHE_SIZE = 65_536
"""Distinct UAs kept per process (a few hundred bytes each)."""

_DEFAULT_CONFIG = BotDetectConfig()


@dataclass(frozen=True)
class UserAgentVerdict:
    """What the user agent alone says about a request.

    ``score`` is in [0, 1]; ``category`` is None for humans; ``reasons`` are the names of the
    enabled rules that fired (also when the score stays under the threshold). A missing UA
    (``None``) has no evidence either way: not a bot, score and parse fields None, no reasons.
    ``device`` is ``bot`` for bots, else the parsed device class.
    """

    is_bot: bool
    score: float | None
    category: Category | None
    reasons: tuple[str, ...]
    browser: str | None
    os: str | None
    device: DeviceClass | None


NO_USER_AGENT = UserAgentVerdict(
    is_bot=False, score=None, category=None, reasons=(), browser=None, os=None, device=None
)


@dataclass(frozen=True)
class UserAgentSignals:
    """The config-independent facts about one UA: the rules that fired and the parse (device never bot)."""

    fired: tuple[tuple[str, Category], ...]
    browser: str
    os: str
    device: DeviceClass


def _device_class(parsed: UserAgent) -> DeviceClass:
    """The parsed device class; ``bot`` is decided by the verdict, not here."""
    if parsed.is_tablet:
        return "tablet"
    if parsed.is_mobile:
        return "mobile"
    if parsed.is_pc:
        return "desktop"
    return "other"


def compute_signals(user_agent: str, rules: Mapping[str, UserAgentRule] = USER_AGENT_RULES) -> UserAgentSignals:
    """The uncached work for one UA: the parse and every rule's detector (``rules``: the benchmark's subsets)."""
    parsed = parse_user_agent(user_agent)
    fired = []
    for name, rule in rules.items():
        category = rule.detect(user_agent, parsed)
        if category is not None:
            fired.append((name, category))
    return UserAgentSignals(tuple(fired), parsed.browser.family, parsed.os.family, _device_class(parsed))


def _compute_signals(user_agent: str) -> UserAgentSignals:
    return compute_signals(user_agent)


user_agent_signals_cached = functools.lru_cache(maxsize=USER_AGENT_CACHE_SIZE)(_compute_signals)
"""``_compute_signals`` behind the per-process LRU cache; its ``cache_info()`` counts parses."""


def user_agent_cache_info() -> functools._CacheInfo:
    """Hits and misses of this process's UA cache: ``misses`` is the number of UAs parsed."""
    return user_agent_signals_cached.cache_info()


def clear_user_agent_cache() -> None:
    user_agent_signals_cached.cache_clear()


def score_signals(signals: UserAgentSignals, config: BotDetectConfig) -> UserAgentVerdict:
    """Turn cached signals into a verdict under ``config``."""
    reasons: list[str] = []
    categories: list[Category] = []
    not_bot = 1.0
    for name, category in signals.fired:
        weight = config.weight_of(name)
        if weight is None:
            continue
        reasons.append(name)
        categories.append(category)
        not_bot *= 1.0 - weight
    score = round(1.0 - not_bot, 6)
    is_bot = score >= config.threshold
    return UserAgentVerdict(
        is_bot=is_bot,
        score=score,
        category=best_category(categories) if is_bot else None,
        reasons=tuple(reasons),
        browser=signals.browser,
        os=signals.os,
        device="bot" if is_bot else signals.device,
    )


def classify_user_agent(ua: str | None, config: BotDetectConfig | None = None) -> UserAgentVerdict:
    """Classify one user-agent string (``None``: no UA was sent or recorded, e.g. GA4)."""
    if ua is None:
        return NO_USER_AGENT
    return score_signals(user_agent_signals_cached(ua), config or _DEFAULT_CONFIG)
