"""Behavioural rules on tiny hand-made sessions, one table row per case; config; the verdict."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from botdetect import (
    BEHAVIOUR_RULES,
    BOT_SESSIONS,
    SESSION_VERDICT_SCHEMA,
    BotDetectConfig,
    apply_verdicts,
    client_signals,
    session_signals,
    session_verdicts,
)
from clickstitch.catalog import CATALOG

BASE = datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
SHOP = "https://shop.example.com"
PRODUCT = f"{SHOP}/p/p0001-olive-trail-runner"
HOME = f"{SHOP}/"

EVENT_FIELDS = T.StructType(
    [
        T.StructField("event_id", T.StringType()),
        T.StructField("source", T.StringType()),
        T.StructField("session_id", T.StringType()),
        T.StructField("anonymous_id", T.StringType()),
        T.StructField("event_time", T.TimestampType()),
        T.StructField("event_type", T.StringType()),
        T.StructField("event_name", T.StringType()),
        T.StructField("page_url", T.StringType()),
        T.StructField("page_referrer", T.StringType()),
        T.StructField("ip", T.StringType()),
        T.StructField("user_agent", T.StringType()),
        # with anonymous_id: the visitor of events without a session id (botdetect.gap_sessions)
        T.StructField("device_id", T.StringType()),
        T.StructField("user_id", T.StringType()),
    ]
)
_ids = itertools.count()


@dataclass(frozen=True)
class Hit:
    """One event of a hand-made session, ``at`` seconds after the session's start."""

    at: float
    kind: str = "page"  # page, or a track event name
    url: str | None = PRODUCT
    referrer: str | None = None


def pages(n: int, gap: float | list[float], url: str = PRODUCT, referrer: str | None = None) -> list[Hit]:
    gaps = gap if isinstance(gap, list) else [gap] * n
    times = list(itertools.accumulate([0.0, *gaps[: n - 1]]))
    return [Hit(t, "page", url, referrer) for t in times]


def session(
    case: str,
    hits: list[Hit],
    *,
    start: timedelta = timedelta(hours=10),
    anonymous_id: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
    source: str = "segment",
    number: int = 0,
) -> list[tuple]:
    anonymous_id = anonymous_id or f"{case}-anon-{number}"
    session_id = f"{anonymous_id}:{case}-{number}"
    rows = []
    for hit in hits:
        is_page = hit.kind == "page"
        rows.append(
            (
                f"e{next(_ids)}",
                source,
                session_id,
                anonymous_id,
                BASE + start + timedelta(seconds=hit.at),
                "page" if is_page else "track",
                "page_view" if is_page else hit.kind,
                hit.url if is_page else None,
                hit.referrer if is_page else None,
                ip,
                user_agent,
                None,
                None,
            )
        )
    return rows


def _hours_apart(case: str, hours: int) -> list[tuple]:
    return [
        r
        for h in range(hours)
        for r in session(case, pages(1, 1), start=timedelta(hours=h, minutes=5), anonymous_id=f"{case}-anon", number=h)
    ]


def _ids_from_ip(case: str, count: int, day_split: int | None = None) -> list[tuple]:
    rows: list[tuple] = []
    for n in range(count):
        day = 1 if day_split is not None and n >= day_split else 0
        rows += session(
            case,
            pages(2, 20),
            start=timedelta(days=day, hours=9, minutes=n),
            ip=f"10.0.{case[-1]}.1",
            user_agent=CHROME,
            number=n,
        )
    return rows


def _starts(case: str, offsets: list[int], agents: list[str] | None = None) -> list[tuple]:
    rows: list[tuple] = []
    for n, offset in enumerate(offsets):
        ua = agents[n] if agents else CHROME
        rows += session(
            case,
            pages(2, 30),
            start=timedelta(hours=14, seconds=offset),
            ip=f"10.1.{len(case)}.9",
            user_agent=ua,
            number=n,
        )
    return rows


# (case, rule, events of the case, whether the rule fires on every session of the case)
CASES: list[tuple[str, str, list[tuple], bool]] = [
    ("rate_fast", "high_event_rate", session("rate_fast", pages(12, 2)), True),
    ("rate_slow", "high_event_rate", session("rate_slow", pages(12, 10)), False),
    ("rate_few_pages", "high_event_rate", session("rate_few_pages", pages(5, 1)), False),
    ("gaps_constant", "regular_gaps", session("gaps_constant", pages(10, 30)), True),
    ("gaps_jitter", "regular_gaps", session("gaps_jitter", pages(10, [29, 31, 30, 30.5, 29.5, 30, 31, 29, 30])), True),
    ("gaps_human", "regular_gaps", session("gaps_human", pages(10, [5, 60, 12, 90, 8, 40, 3, 25, 70])), False),
    ("gaps_too_few", "regular_gaps", session("gaps_too_few", pages(5, 30)), False),
    ("extreme_pages", "extreme_session", session("extreme_pages", pages(85, 20)), True),
    ("extreme_duration", "extreme_session", session("extreme_duration", [Hit(0), Hit(7 * 3600)]), True),
    ("extreme_normal", "extreme_session", session("extreme_normal", pages(20, 20)), False),
    ("silent", "no_interactions", session("silent", pages(10, 20)), True),
    (
        "silent_auto_events",
        "no_interactions",
        session("silent_auto_events", [*pages(10, 20), Hit(0.1, "session_start"), Hit(0.1, "first_visit")]),
        True,
    ),
    ("clicks", "no_interactions", session("clicks", [*pages(10, 20), Hit(5, "Product Viewed")]), False),
    ("deep_no_ref", "deep_links_no_referrer", session("deep_no_ref", pages(6, 20)), True),
    ("deep_with_ref", "deep_links_no_referrer", session("deep_with_ref", pages(6, 20, referrer=HOME)), False),
    ("home_no_ref", "deep_links_no_referrer", session("home_no_ref", pages(6, 20, url=HOME)), False),
    ("deep_few_pages", "deep_links_no_referrer", session("deep_few_pages", pages(4, 20)), False),
    ("clock_16h", "around_the_clock", _hours_apart("clock_16h", 16), True),
    ("clock_15h", "around_the_clock", _hours_apart("clock_15h", 15), False),
    ("ids_15", "many_ids_per_ip", _ids_from_ip("ids_5", 15), True),
    ("ids_14", "many_ids_per_ip", _ids_from_ip("ids_4", 14), False),
    ("ids_two_days", "many_ids_per_ip", _ids_from_ip("ids_2", 15, day_split=8), False),
    ("burst_3_in_50s", "session_burst", _starts("burst_3_in_50s", [0, 25, 50]), True),
    ("burst_spread", "session_burst", _starts("burst_spread", [0, 40, 80]), False),
    (
        "burst_other_agents",
        "session_burst",
        _starts("burst_other_agents_", [0, 25, 50], [CHROME, "A/1 x", "B/2 y"]),
        False,
    ),
]


def test_every_rule_has_cases_both_ways() -> None:
    covered = {(rule, fires) for _, rule, _, fires in CASES}
    assert covered == {(rule, fires) for rule in BEHAVIOUR_RULES for fires in (True, False)}


@pytest.fixture(scope="module")
def case_signals(spark: SparkSession) -> dict[str, list[dict]]:
    """Every case's sessions with their signals and each rule's default condition, in one Spark job."""
    rows = [(case, *row) for case, _, events, _ in CASES for row in events]
    schema = T.StructType([T.StructField("case", T.StringType()), *EVENT_FIELDS.fields])
    events = spark.createDataFrame(rows, schema)
    cases = events.select("source", "session_id", "case").distinct()
    defaults = BotDetectConfig().behaviour
    fired = {name: rule.condition(defaults[name].thresholds) for name, rule in BEHAVIOUR_RULES.items()}
    signals = (
        session_signals(events)
        .transform(client_signals)
        .join(cases, ["source", "session_id"])
        .select("*", *[F.coalesce(c, F.lit(False)).alias(f"fires_{name}") for name, c in fired.items()])
    )
    found: dict[str, list[dict]] = {}
    for row in signals.collect():
        found.setdefault(row["case"], []).append(row.asDict())
    return found


@pytest.mark.parametrize(("case", "rule", "events", "fires"), CASES, ids=[c[0] for c in CASES])
def test_behaviour_rule(case_signals: dict[str, list[dict]], case: str, rule: str, events: list, fires: bool) -> None:
    sessions = case_signals[case]
    assert len(sessions) == len({e[2] for e in events})
    assert [s[f"fires_{rule}"] for s in sessions] == [fires] * len(sessions), sessions[0]


def test_session_signal_values(case_signals: dict[str, list[dict]]) -> None:
    (fast,) = case_signals["rate_fast"]
    assert (fast["event_count"], fast["page_views"], fast["page_gaps"], fast["interactions"]) == (12, 12, 11, 0)
    assert fast["pages_per_minute"] == pytest.approx(30.0)
    assert fast["gap_cv"] == pytest.approx(0.0)
    assert fast["duration_s"] == pytest.approx(22.0)
    assert (fast["no_referrer_share"], fast["deep_link_share"]) == (1.0, 1.0)
    (home,) = case_signals["home_no_ref"]
    assert home["deep_link_share"] == 0.0
    burst = case_signals["burst_3_in_50s"]
    assert {s["sessions_per_minute"] for s in burst} == {3}
    assert {s["ip_anonymous_ids"] for s in burst} == {3}
    assert {s["active_hours"] for s in case_signals["clock_15h"]} == {15}


# -- config ---------------------------------------------------------------------------------------


def test_behaviour_config_merges_overrides_with_defaults() -> None:
    config = BotDetectConfig(behaviour={"regular_gaps": {"thresholds": {"max_cv": 0.1}, "weight": 0.4}})
    assert config.behaviour["regular_gaps"].thresholds == {"min_gaps": 8, "max_cv": 0.1}
    assert config.weight_of("regular_gaps") == 0.4
    assert config.behaviour["session_burst"] == BotDetectConfig().behaviour["session_burst"]
    assert set(config.behaviour) == set(BEHAVIOUR_RULES)


@pytest.mark.parametrize(
    ("behaviour", "message"),
    [
        ({"regular_gap": {}}, "unknown behaviour rule(s) ['regular_gap']; known rules"),
        ({"regular_gaps": {"thresholds": {"cv": 0.1}}}, "unknown threshold(s) ['cv']; known: ['max_cv', 'min_gaps']"),
        ({"regular_gaps": {"thresholds": {"max_cv": -1}}}, "thresholds must be >= 0"),
        ({"regular_gaps": {"weight": 1.5}}, "less than or equal to 1"),
        ({"regular_gaps": {"enabled": True, "colour": "red"}}, "colour"),
    ],
)
def test_bad_behaviour_config_fails_with_the_key(behaviour: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        BotDetectConfig(behaviour=behaviour)


# -- verdict ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def verdict_events(spark: SparkSession) -> DataFrame:
    rows = (
        session("googlebot", [Hit(0, url=HOME)], ip="66.249.66.1", user_agent=GOOGLEBOT)
        + session("ga4_farm", pages(120, 1.0), source="ga4")
        + session(
            "human",
            [Hit(0, url=HOME), Hit(30, referrer=HOME), Hit(40, "Product Added")],
            ip="81.2.69.1",
            user_agent=CHROME,
        )
        + session("weak", pages(10, [5, 60, 12, 90, 8, 40, 3, 25, 70]), ip="81.2.69.2", user_agent=CHROME)
    )
    return spark.createDataFrame(rows, EVENT_FIELDS)


def test_session_verdicts_combine_user_agent_and_behaviour(verdict_events: DataFrame) -> None:
    verdicts = session_verdicts(verdict_events, BotDetectConfig())
    assert verdicts.schema.simpleString() == SESSION_VERDICT_SCHEMA.simpleString()
    got = {r["session_id"].split(":")[1]: r for r in verdicts.collect()}
    assert set(got) == {"googlebot-0", "ga4_farm-0", "human-0", "weak-0"}
    bot = got["googlebot-0"]
    assert (bot["is_bot"], bot["bot_category"]) == (True, "search_engine")  # a good bot: labelled, kept
    assert "ua_crawler_list" in bot["bot_reasons"]
    farm = got["ga4_farm-0"]
    assert (farm["is_bot"], farm["bot_category"], farm["ua_bot_score"]) == (True, "scraper", None)
    assert set(farm["bot_reasons"]) >= {"regular_gaps", "extreme_session", "high_event_rate", "no_interactions"}
    human = got["human-0"]
    assert (human["is_bot"], human["bot_category"], human["bot_reasons"], human["bot_score"]) == (False, None, [], 0.0)
    weak = got["weak-0"]  # no interactions (0.3) and deep links without referrer (0.4): 1 - 0.7 * 0.6
    assert weak["bot_reasons"] == ["no_interactions", "deep_links_no_referrer"]
    assert (weak["bot_score"], weak["is_bot"], weak["bot_category"]) == (pytest.approx(0.58), False, None)


def test_disabled_rules_and_user_agent_off(verdict_events: DataFrame) -> None:
    config = BotDetectConfig(behaviour={"no_interactions": {"enabled": False}})
    got = {
        r["session_id"].split(":")[1]: r
        for r in session_verdicts(verdict_events, config, use_user_agent=False).collect()
    }
    assert got["weak-0"]["bot_reasons"] == ["deep_links_no_referrer"]
    assert got["weak-0"]["bot_score"] == pytest.approx(0.4)
    bot = got["googlebot-0"]  # one home-page hit: nothing behavioural to see
    assert (bot["is_bot"], bot["ua_bot_score"], bot["bot_reasons"]) == (False, None, [])


def test_apply_verdicts_keeps_every_event(spark: SparkSession, verdict_events: DataFrame) -> None:
    orphan = spark.createDataFrame(
        [("orphan", "segment", None, "a", BASE, "page", "page_view", HOME, None, None, None, None, None)], EVENT_FIELDS
    )
    events = verdict_events.unionByName(orphan)
    labelled = apply_verdicts(events, session_verdicts(events, BotDetectConfig()))
    assert labelled.columns == [*events.columns, "bot_score", "is_bot", "bot_category", "bot_reasons"]
    rows = labelled.collect()
    assert len(rows) == events.count()
    by_case = {}
    for r in rows:
        by_case.setdefault((r["session_id"] or "none").split(":")[-1], set()).add(
            (r["is_bot"], r["bot_category"], tuple(r["bot_reasons"]))
        )
    assert all(len(labels) == 1 for labels in by_case.values())  # one verdict per session
    assert [(b, c) for b, c, _ in by_case["ga4_farm-0"]] == [(True, "scraper")]
    assert [(b, c) for b, c, _ in by_case["googlebot-0"]] == [(True, "search_engine")]
    assert by_case["none"] == {(False, None, ())}
    assert by_case["human-0"] == {(False, None, ())}


def test_bot_sessions_table_is_in_the_catalog() -> None:
    assert CATALOG.spec("bot_sessions") is BOT_SESSIONS
    assert BOT_SESSIONS.keys == ("source", "session_id")
    assert BOT_SESSIONS.schema == SESSION_VERDICT_SCHEMA


FETCHER_CATEGORIES = {
    "route53": ("Amazon-Route53-Health-Check-Service (ref 4d3e; report http://amzn.to/1vsZADi)", "monitor"),
    "pinterest": ("Pinterest/0.2 (+https://www.pinterest.com/bot.html)", "preview"),
    "feedly": ("Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers)", "feed_reader"),
    "shopping": (CHROME + " Google-Shopping-Quality", "crawler"),
    "apachebench": ("ApacheBench/2.3", "tool"),
}


def test_fetcher_families_reach_the_session_verdict_as_categories(spark: SparkSession) -> None:
    """The UA categories are what session_verdicts (and so bot_sessions) report in bot_category."""
    rows = [
        row
        for number, (case, (ua, _)) in enumerate(FETCHER_CATEGORIES.items())
        for row in session(case, [Hit(0, url=HOME)], ip=f"198.51.100.{number + 1}", user_agent=ua)
    ]
    verdicts = session_verdicts(spark.createDataFrame(rows, EVENT_FIELDS), BotDetectConfig())
    got = {r["session_id"].split(":")[1][:-2]: (r["is_bot"], r["bot_category"]) for r in verdicts.collect()}
    assert got == {case: (True, category) for case, (_, category) in FETCHER_CATEGORIES.items()}
