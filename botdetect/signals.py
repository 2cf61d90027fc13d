"""Behavioural signals: events -> one row per session, then the session's client signals.

Two levels, both over event time, never over arrival (micro-batch) time:

- **session** (``session_signals``): the session's own events. Key ``(source, session_id)``, where
  ``session_id`` is the canonical ``<anonymous_id or user_id>:<raw session id>``, or the ``gap:`` id
  ``botdetect.gap_sessions`` gives events that have none.
- **client** (``client_signals``): the sessions of the same client that *start on the same UTC
  date* as the session (the session's ``session_date``, the date of its first event). Clients are
  the anonymous id, ``ip`` (for counting anonymous ids) and ``ip + user agent`` (a "client key";
  GA4 has neither, so only the anonymous id counts there). A session's ip and user agent are
  those of its first event that has one.

Everything is Spark expressions, window functions, aggregations and joins: no Python per row.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

SESSION_KEY = ("source", "session_id")
PAGE_EVENT_TYPES = ("page", "screen")
# Events a client library sends by itself: not a sign that someone interacted with the page.
AUTOMATIC_EVENTS = ("session_start", "first_visit")
_HOME_PATHS = ("", "/")

SESSION_SIGNAL_COLUMNS = (
    "source",
    "session_id",
    "anonymous_id",
    "session_date",
    "first_event_time",
    "last_event_time",
    "ip",
    "user_agent",
    "user_agents",
    "event_count",
    "page_views",
    "interactions",
    "duration_s",
    "pages_per_minute",
    "page_gaps",
    "gap_cv",
    "no_referrer_share",
    "deep_link_share",
)
CLIENT_SIGNAL_COLUMNS = ("client_key", "active_hours", "ip_anonymous_ids", "sessions_per_minute")


def _seconds(ts: Column) -> Column:
    return F.unix_micros(ts) / F.lit(1_000_000.0)


def _first_non_null(value: Column, order: Column) -> Column:
    """The value of the earliest row (by ``order``) where it is not null."""
    return F.min_by(value, F.when(value.isNotNull(), order))


def _rounded(value: Column) -> Column:
    """Sums of doubles depend on the order rows meet; 6 decimals keep results independent of it."""
    return F.round(value, 6)


def _share(part: Column, whole: Column) -> Column:
    return F.when(whole > 0, part / whole)


def _event_order() -> Column:
    return F.struct(F.col("event_time"), F.col("event_id"))


def _identity_aggregates(order: Column) -> list[Column]:
    """What ties a session to its clients: first anonymous id, first ip and UA, start time."""
    return [
        F.min_by("anonymous_id", order).alias("anonymous_id"),
        F.min("event_time").alias("first_event_time"),
        _first_non_null(F.col("ip"), order).alias("ip"),
        _first_non_null(F.col("user_agent"), order).alias("user_agent"),
    ]


def _judged(events: DataFrame) -> DataFrame:
    return events.where(F.col("session_id").isNotNull() & F.col("event_time").isNotNull())


def session_keys(events: DataFrame) -> DataFrame:
    """One row per session with what ties it to its clients (cheap: no window).

    Needs: source, session_id, event_id, event_time, anonymous_id, ip, user_agent.
    Gives: source, session_id, anonymous_id, ip, user_agent, session_date, first_event_time,
    with the same values ``session_signals`` gives.
    """
    return (
        _judged(events)
        .groupBy(*SESSION_KEY)
        .agg(*_identity_aggregates(_event_order()))
        .withColumn("session_date", F.to_date("first_event_time"))
    )


def session_signals(events: DataFrame) -> DataFrame:
    """One row per session with its own behavioural signals.

    Needs: source, session_id, event_id, event_time, event_type, event_name, anonymous_id,
    page_url, page_referrer, ip, user_agent (EVENT_SCHEMA names). Rows with a null session_id or
    event_time are left out (they have no session to judge).

    Gives (``SESSION_SIGNAL_COLUMNS``): source, session_id, anonymous_id (of the first event),
    session_date (UTC date of the first event), first_event_time, last_event_time, ip and
    user_agent (first non-null), user_agents (sorted distinct UAs), event_count, page_views
    (page and screen events), interactions (other events, minus automatic session_start and
    first_visit), duration_s, page_gaps (number of gaps between consecutive page views),
    pages_per_minute (60 / mean gap; null without gaps), gap_cv (stddev / mean of the gaps),
    no_referrer_share and deep_link_share (of web page views: without referrer, not the home page).
    """
    order = _event_order()
    is_page = F.col("event_type").isin(*PAGE_EVENT_TYPES)
    is_web_page = is_page & F.col("page_url").isNotNull()
    earlier = (
        Window.partitionBy(*SESSION_KEY).orderBy("event_time", "event_id").rowsBetween(Window.unboundedPreceding, -1)
    )
    seconds = _seconds(F.col("event_time"))
    previous_page = F.last(F.when(is_page, seconds), ignorenulls=True).over(earlier)
    path = F.regexp_extract(F.col("page_url"), r"^[A-Za-z][\w+.-]*://[^/?#]*([^?#]*)", 1)
    with_gaps = _judged(events).select(
        *SESSION_KEY,
        "event_time",
        "anonymous_id",
        "ip",
        "user_agent",
        order.alias("_order"),
        is_page.alias("_is_page"),
        is_web_page.alias("_is_web_page"),
        (~is_page & ~F.col("event_name").isin(*AUTOMATIC_EVENTS)).alias("_is_interaction"),
        F.when(is_page, seconds - previous_page).alias("_gap"),
        (is_web_page & F.coalesce(F.trim(F.col("page_referrer")), F.lit("")).eqNullSafe("")).alias("_no_ref"),
        (is_web_page & ~path.isin(*_HOME_PATHS)).alias("_deep"),
    )
    mean_gap, gap_sd = F.col("_mean_gap"), F.col("_gap_sd")
    web_pages = F.col("_web_pages")
    return (
        with_gaps.groupBy(*SESSION_KEY)
        .agg(
            *_identity_aggregates(F.col("_order")),
            F.max("event_time").alias("last_event_time"),
            F.array_sort(F.collect_set("user_agent")).alias("user_agents"),
            F.count(F.lit(1)).alias("event_count"),
            F.count_if("_is_page").alias("page_views"),
            F.count_if("_is_interaction").alias("interactions"),
            F.count("_gap").alias("page_gaps"),
            F.avg("_gap").alias("_mean_gap"),
            F.stddev_pop("_gap").alias("_gap_sd"),
            F.count_if("_is_web_page").alias("_web_pages"),
            F.count_if("_no_ref").alias("_no_ref_pages"),
            F.count_if("_deep").alias("_deep_pages"),
        )
        .select(
            *SESSION_KEY,
            "anonymous_id",
            F.to_date("first_event_time").alias("session_date"),
            "first_event_time",
            "last_event_time",
            "ip",
            "user_agent",
            "user_agents",
            "event_count",
            "page_views",
            "interactions",
            (_seconds(F.col("last_event_time")) - _seconds(F.col("first_event_time"))).alias("duration_s"),
            _rounded(F.when(F.col("page_gaps") > 0, F.lit(60.0) / F.greatest(mean_gap, F.lit(0.001)))).alias(
                "pages_per_minute"
            ),
            "page_gaps",
            _rounded(F.when(mean_gap > 0, gap_sd / mean_gap)).alias("gap_cv"),
            _share(F.col("_no_ref_pages"), web_pages).alias("no_referrer_share"),
            _share(F.col("_deep_pages"), web_pages).alias("deep_link_share"),
        )
    )


def client_key(ip: Column, user_agent: Column) -> Column:
    """The ip + user agent client of a session; null without an ip (GA4)."""
    return F.when(ip.isNotNull(), F.concat_ws("|", ip, F.coalesce(user_agent, F.lit(""))))


def client_signals(sessions: DataFrame) -> DataFrame:
    """Add the signals of each session's clients on the session's date.

    Needs: ``session_signals`` output (session_id, anonymous_id, ip, user_agent, session_date,
    first_event_time).

    Adds (``CLIENT_SIGNAL_COLUMNS``):
      - client_key: ``ip|user agent`` (null without an ip).
      - active_hours: distinct UTC hours in which the anonymous id, or the client key, started
        sessions that date (the larger of the two).
      - ip_anonymous_ids: distinct anonymous ids with sessions starting that date from the ip
        (null without an ip).
      - sessions_per_minute: the most sessions the client key started within any 60 seconds of
        that date (null without an ip).

    Every value is a function of the sessions of one (client, session_date) group, so evaluating
    a group's sessions together gives the same values however the events arrived.
    """
    keyed = sessions.withColumn("client_key", client_key(F.col("ip"), F.col("user_agent"))).withColumn(
        "_start_hour", F.hour("first_event_time")
    )
    by_anonymous_id = (
        keyed.where(F.col("anonymous_id").isNotNull())
        .groupBy("anonymous_id", "session_date")
        .agg(F.count_distinct("_start_hour").alias("_id_hours"))
    )
    by_ip = (
        keyed.where(F.col("ip").isNotNull())
        .groupBy("ip", "session_date")
        .agg(F.count_distinct("anonymous_id").alias("ip_anonymous_ids"))
    )
    start = F.unix_micros(F.col("first_event_time"))
    next_minute = Window.partitionBy("client_key", "session_date").orderBy(start).rangeBetween(0, 60_000_000 - 1)
    by_client = (
        keyed.where(F.col("client_key").isNotNull())
        .select("client_key", "session_date", "_start_hour", F.count(F.lit(1)).over(next_minute).alias("_burst"))
        .groupBy("client_key", "session_date")
        .agg(
            F.count_distinct("_start_hour").alias("_client_hours"),
            F.max("_burst").alias("sessions_per_minute"),
        )
    )
    return (
        keyed.join(by_anonymous_id, ["anonymous_id", "session_date"], "left")
        .join(by_ip, ["ip", "session_date"], "left")
        .join(by_client, ["client_key", "session_date"], "left")
        .withColumn("active_hours", F.greatest("_id_hours", "_client_hours"))
        .drop("_start_hour", "_id_hours", "_client_hours")
    )
