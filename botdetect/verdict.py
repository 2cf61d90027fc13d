"""The session verdict: user-agent and behavioural evidence combined into one score per session.

``bot_score = 1 - (1 - ua_bot_score) * prod(1 - w)`` over the weights ``w`` of the enabled
behavioural rules that fire (the same noisy-OR as the user-agent rules), ``is_bot`` when
``bot_score >= threshold``. The user agent is classified once per distinct (session, UA) pair,
not per event: ``session_verdicts`` runs ``user_agent_signals`` itself on those pairs.
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from botdetect.behaviour_rules import BEHAVIOUR_RULES
from botdetect.categories import CATEGORY_PRECEDENCE
from botdetect.config import BotDetectConfig
from botdetect.gap_sessions import with_gap_sessions
from botdetect.schemas import SESSION_VERDICT_SCHEMA
from botdetect.signals import SESSION_KEY, client_signals, session_signals
from botdetect.user_agent_stage import user_agent_signals

# Most specific first (as for the user-agent rules): one vocabulary, ``botdetect.categories``.
CATEGORY_ORDER = CATEGORY_PRECEDENCE
VERDICT_COLUMNS = ("bot_score", "is_bot", "bot_category", "bot_reasons")


def session_user_agent_signals(sessions: DataFrame, config: BotDetectConfig) -> DataFrame:
    """Add the user-agent verdict of each session: the strongest of its distinct UAs.

    Needs: source, session_id, user_agents (array<string>). Adds ua_bot_score (null when the
    session has no UA, as on GA4), ua_bot_category (null unless a UA says bot) and ua_bot_reasons
    (array, never null). One classifier call per distinct UA per Python worker (cached).
    """
    rank = reduce(
        lambda acc, item: acc.when(F.col("ua_bot_category") == item[1], F.lit(len(CATEGORY_ORDER) - item[0])),
        enumerate(CATEGORY_ORDER),
        F.when(F.lit(False), F.lit(0)),
    ).otherwise(F.lit(0))
    pairs = sessions.select(*SESSION_KEY, F.explode("user_agents").alias("user_agent"))
    per_session = (
        pairs.transform(user_agent_signals, "user_agent", config)
        .groupBy(*SESSION_KEY)
        .agg(
            F.max("ua_bot_score").alias("ua_bot_score"),
            F.max_by("ua_bot_category", F.struct(F.col("ua_is_bot"), rank)).alias("ua_bot_category"),
            F.array_sort(F.array_distinct(F.flatten(F.collect_list("ua_bot_reasons")))).alias("ua_bot_reasons"),
        )
    )
    return sessions.join(per_session, list(SESSION_KEY), "left").withColumn(
        "ua_bot_reasons", F.coalesce(F.col("ua_bot_reasons"), F.array().cast("array<string>"))
    )


def _no_user_agent_signals(sessions: DataFrame) -> DataFrame:
    return sessions.withColumns(
        {
            "ua_bot_score": F.lit(None).cast("double"),
            "ua_bot_category": F.lit(None).cast("string"),
            "ua_bot_reasons": F.array().cast("array<string>"),
        }
    )


def _most_specific(categories: list[Column]) -> Column:
    """The most specific of the given (nullable) category columns, null when all are null."""
    present = F.array_compact(F.array(*categories))
    return reduce(
        lambda acc, name: acc.when(F.array_contains(present, name), F.lit(name)),
        CATEGORY_ORDER,
        F.when(F.lit(False), F.lit(None).cast("string")),
    )


def score_sessions(sessions: DataFrame, config: BotDetectConfig) -> DataFrame:
    """Turn session, client and user-agent signals into the verdict, as ``SESSION_VERDICT_SCHEMA``.

    Needs: ``session_signals`` + ``client_signals`` + ua_bot_score, ua_bot_category, ua_bot_reasons.
    Adds: bot_score, is_bot, bot_category, bot_reasons; keeps the schema's columns only.
    """
    fired: list[tuple[str, Column, float, str]] = []
    for name, rule in BEHAVIOUR_RULES.items():
        settings = config.behaviour[name]
        if settings.enabled:
            condition = F.coalesce(rule.condition(settings.thresholds), F.lit(False))
            fired.append((name, condition, settings.weight, rule.category))
    human_odds = reduce(
        lambda acc, item: acc * F.when(item[1], F.lit(1.0 - item[2])).otherwise(F.lit(1.0)),
        fired,
        F.lit(1.0) - F.coalesce(F.col("ua_bot_score"), F.lit(0.0)),
    )
    score = F.round(F.lit(1.0) - human_odds, 6)
    is_bot = score >= F.lit(config.threshold)
    behaviour_reasons = F.array_compact(
        F.array(*[F.when(cond, F.lit(name)) for name, cond, _, _ in fired], F.lit(None).cast("string"))
    )
    ua_category = F.col("ua_bot_category")
    behaviour_category = _most_specific([F.when(cond, F.lit(category)) for _, cond, _, category in fired])
    category = F.when(ua_category.isNotNull() & (ua_category != "unknown"), ua_category).otherwise(
        F.coalesce(behaviour_category, F.lit("unknown"))
    )
    verdict = sessions.withColumns(
        {
            "bot_score": score,
            "is_bot": is_bot,
            "bot_category": F.when(is_bot, category),
            "bot_reasons": F.concat(F.col("ua_bot_reasons"), behaviour_reasons),
        }
    )
    return verdict.select(*[F.col(f.name).cast(f.dataType) for f in SESSION_VERDICT_SCHEMA.fields])


def signals_to_verdicts(sessions: DataFrame, config: BotDetectConfig, *, use_user_agent: bool = True) -> DataFrame:
    """Session signals -> verdicts: client signals, the sessions' UA verdicts, then the score.

    Needs: ``session_signals`` output covering whole (client, session_date) groups.
    """
    with_clients = client_signals(sessions)
    if use_user_agent:
        with_ua = session_user_agent_signals(with_clients, config)
    else:
        with_ua = _no_user_agent_signals(with_clients)
    return score_sessions(with_ua, config)


def session_verdicts(events: DataFrame, config: BotDetectConfig, *, use_user_agent: bool = True) -> DataFrame:
    """One verdict row per session (``SESSION_VERDICT_SCHEMA``).

    Needs: EVENT_SCHEMA columns source, session_id, event_id, event_time, event_type,
    event_name, anonymous_id, device_id, user_id, page_url, page_referrer, ip, user_agent. The ``ua_*``
    columns of ``user_agent_signals`` are not needed: the UAs are classified here, once per distinct
    (session, UA). ``use_user_agent=False`` scores behaviour alone (ablation, benchmarks). Events
    without a session id are judged in their inactivity sessions (``with_gap_sessions``, cut after
    ``config.session_gap``), keyed by the ``gap:`` id.

    Gives: source, session_id, anonymous_id, session_date, first/last_event_time, user_agent,
    the session and client signal values, ua_bot_score, bot_score in [0, 1], is_bot
    (``bot_score >= config.threshold``), bot_category (``botdetect.categories``: search_engine,
    monitor, preview, feed_reader, seo, scraper, crawler, automation, tool, unknown; null for
    humans) and bot_reasons (UA and behavioural rule names that fired, also under the threshold).

    The events must hold every event of the sessions to judge and of their clients' sessions on
    the same dates (``botdetect.signals``); ``refresh_verdicts`` arranges that for a stream.
    """
    sessions = events.transform(with_gap_sessions, config.session_gap_seconds)
    return signals_to_verdicts(session_signals(sessions), config, use_user_agent=use_user_agent)


def apply_verdicts(events: DataFrame, verdicts: DataFrame, session_ids: DataFrame | None = None) -> DataFrame:
    """Add bot_score, is_bot, bot_category and bot_reasons to every event from its session's verdict.

    Needs: events with source, session_id (and event_id with ``session_ids``); verdicts with source,
    session_id and the four columns; ``session_ids`` (optional): event_id, session_id, at most one row per
    event, the session of events that have no session_id of their own (``with_gap_sessions`` over the
    events and their history: the events alone cannot say where a gap session starts).
    Events without a verdict (no session, or a session not evaluated) get is_bot false,
    bot_score and bot_category null and empty bot_reasons. No row is dropped or duplicated
    (verdicts hold one row per session).
    """
    replaced = events.drop(*VERDICT_COLUMNS)
    keyed, session = replaced, F.col("session_id")
    if session_ids is not None:
        derived = session_ids.select("event_id", F.col("session_id").alias("_derived_session_id"))
        keyed = replaced.join(derived, "event_id", "left")
        session = F.coalesce(F.col("session_id"), F.col("_derived_session_id"))
    chosen = verdicts.select("source", F.col("session_id").alias("_judged_session_id"), *VERDICT_COLUMNS)
    joined = keyed.withColumn("_judged_session_id", session).join(chosen, ["source", "_judged_session_id"], "left")
    joined = joined.withColumns(
        {
            "is_bot": F.coalesce(F.col("is_bot"), F.lit(False)),
            "bot_reasons": F.coalesce(F.col("bot_reasons"), F.array().cast("array<string>")),
        }
    )
    return joined.select(*replaced.columns, *VERDICT_COLUMNS)
