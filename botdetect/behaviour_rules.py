"""The behavioural rules: each a stable name, default thresholds and weight, and a condition.

A condition reads the signal columns of one session row (``botdetect.signals``: the session's
own signals and its client's) and the rule's thresholds, and returns a boolean ``Column``. Like
the user-agent rules, a rule does not know whether it is enabled or what it weighs: the verdict
(``botdetect.verdict``) decides that from ``BotDetectConfig.behaviour``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from pyspark.sql import Column
from pyspark.sql import functions as F

from botdetect.categories import Category

Thresholds = Mapping[str, float]
Condition = Callable[[Thresholds], Column]
Level = Literal["session", "client"]


@dataclass(frozen=True)
class BehaviourRule:
    """A named behavioural signal.

    ``level`` says whose events it looks at: the session's own, or its client's on the session's
    date (``botdetect.signals``). ``category`` is what the rule alone suggests the bot is.
    """

    name: str
    level: Level
    default_weight: float
    default_thresholds: Thresholds
    category: Category
    summary: str
    condition: Condition


def _col(name: str) -> Column:
    return F.col(name)


def _high_event_rate(t: Thresholds) -> Column:
    return (_col("page_views") >= t["min_page_views"]) & (_col("pages_per_minute") >= t["min_pages_per_minute"])


def _regular_gaps(t: Thresholds) -> Column:
    return (_col("page_gaps") >= t["min_gaps"]) & (_col("gap_cv") <= t["max_cv"])


def _extreme_session(t: Thresholds) -> Column:
    return (_col("page_views") >= t["min_page_views"]) | (_col("duration_s") >= t["min_duration_s"])


def _no_interactions(t: Thresholds) -> Column:
    return (_col("page_views") >= t["min_page_views"]) & (_col("interactions") == 0)


def _deep_links_no_referrer(t: Thresholds) -> Column:
    return (
        (_col("page_views") >= t["min_page_views"])
        & (_col("no_referrer_share") >= t["min_share"])
        & (_col("deep_link_share") >= t["min_share"])
    )


def _around_the_clock(t: Thresholds) -> Column:
    return _col("active_hours") >= t["min_hours"]


def _many_ids_per_ip(t: Thresholds) -> Column:
    return _col("ip_anonymous_ids") >= t["min_anonymous_ids"]


def _session_burst(t: Thresholds) -> Column:
    return _col("sessions_per_minute") >= t["min_sessions"]


_BUILT_IN_RULES = (
    BehaviourRule(
        "high_event_rate",
        "session",
        0.5,
        {"min_page_views": 10, "min_pages_per_minute": 20},
        "automation",
        "at least min_page_views page views at min_pages_per_minute or faster",
        _high_event_rate,
    ),
    BehaviourRule(
        "regular_gaps",
        "session",
        0.6,
        {"min_gaps": 8, "max_cv": 0.25},
        "automation",
        "gaps between page views nearly constant (coefficient of variation <= max_cv)",
        _regular_gaps,
    ),
    BehaviourRule(
        "extreme_session",
        "session",
        0.6,
        {"min_page_views": 80, "min_duration_s": 6 * 3600},
        "scraper",
        "at least min_page_views page views, or a session lasting min_duration_s or longer",
        _extreme_session,
    ),
    BehaviourRule(
        "no_interactions",
        "session",
        0.3,
        {"min_page_views": 10},
        "unknown",
        "min_page_views or more page views and no other event (no click, scroll, search, cart)",
        _no_interactions,
    ),
    BehaviourRule(
        "deep_links_no_referrer",
        "session",
        0.4,
        {"min_page_views": 5, "min_share": 0.9},
        "scraper",
        "page views almost all without referrer and almost all below the home page",
        _deep_links_no_referrer,
    ),
    BehaviourRule(
        "around_the_clock",
        "client",
        0.7,
        {"min_hours": 16},
        "monitor",
        "the client (anonymous id, or ip + user agent) starts sessions in min_hours distinct hours of a day",
        _around_the_clock,
    ),
    BehaviourRule(
        "many_ids_per_ip",
        "client",
        0.5,
        {"min_anonymous_ids": 15},
        "unknown",
        "the session's IP shows min_anonymous_ids or more anonymous ids on the session's date",
        _many_ids_per_ip,
    ),
    BehaviourRule(
        "session_burst",
        "client",
        0.6,
        {"min_sessions": 3},
        "scraper",
        "the client (ip + user agent) starts min_sessions or more sessions within one minute",
        _session_burst,
    ),
)

BEHAVIOUR_RULES: Mapping[str, BehaviourRule] = MappingProxyType({rule.name: rule for rule in _BUILT_IN_RULES})
"""The built-in behavioural rules by name, in evaluation order. Config selects them by these names."""
