"""Sessions of events that carry no session id, cut by inactivity per visitor (as GA does).

Some sources have no session id (older GA4 app exports have no ``ga_session_id``). Their events are
ordered per (source, visitor) by (event_time, event_id), and a gap over ``session_gap`` opens a new
session, whose id is ``gap:`` + SHA-256 of (source, visitor, start). ``cut_by_inactivity`` is that rule,
declared once: botdetect applies it to bronze's raw ids (``with_gap_sessions``), metrics to silver's
hashed ids (``metrics.sessions.assign_sessions``), so the verdicts judge the sessions metrics counts.

The visitor is the first of anonymous_id, device_id, user_id that is present, each in the form silver
hashes (``privacy.hashing.normalize_identifier_column``: trimmed, blank is absent), so the raw visitor
and silver's hashed one group the same events.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from privacy.hashing import normalize_identifier_column

GAP_SESSION_PREFIX = "gap:"
VISITOR_ID_COLUMNS = ("anonymous_id", "device_id", "user_id")  # in order of preference
_STAMP = "yyyy-MM-dd'T'HH:mm:ss.SSSSSS"


def gap_session_id(source: Column, visitor: Column, start: Column) -> Column:
    """``gap:`` + SHA-256 of ``source|visitor|start`` (start as ISO text with microseconds); null without a visitor."""
    digest = F.sha2(F.concat_ws("|", source, visitor, F.date_format(start, _STAMP)), 256)
    return F.when(visitor.isNotNull(), F.concat(F.lit(GAP_SESSION_PREFIX), digest))


def cut_by_inactivity(events: DataFrame, visitor: Column, gap_seconds: int, into: str) -> DataFrame:
    """Cut every given event's (source, visitor) into sessions; the caller passes the events without a session id.

    Needs: source, event_id, event_time and the columns ``visitor`` reads. Adds ``into``: the event's
    ``gap_session_id``. Order is (event_time, event_id), so ties never depend on batching; an event more than
    ``gap_seconds`` after the visitor's previous one opens a session (exactly ``gap_seconds`` does not).
    Events without a visitor get null (no session).
    """
    seconds = F.unix_micros("event_time") / 1e6
    order = Window.partitionBy("source", "_visitor").orderBy("event_time", "event_id")
    opened = F.lag(seconds).over(order).isNull() | (seconds - F.lag(seconds).over(order) > gap_seconds)
    return (
        events.withColumn("_visitor", visitor)
        .withColumn("_opens", F.when(opened, F.col("event_time")))
        .withColumn("_start", F.last("_opens", ignorenulls=True).over(order.rowsBetween(Window.unboundedPreceding, 0)))
        .withColumn(into, gap_session_id(F.col("source"), F.col("_visitor"), F.col("_start")))
        .drop("_visitor", "_opens", "_start")
    )


def raw_visitor() -> Column:
    """The visitor of a bronze event: anonymous id, else device id, else user id, as silver hashes them."""
    return F.coalesce(*[normalize_identifier_column(name, F.col(name)) for name in VISITOR_ID_COLUMNS])


def with_gap_sessions(events: DataFrame, gap_seconds: int) -> DataFrame:
    """Give every event without a session_id the id of its inactivity session; the others keep theirs.

    Needs: source, session_id, event_id, event_time, anonymous_id, device_id, user_id (EVENT_SCHEMA names).
    Gives: the same rows and columns. Events with neither a session id nor a visitor keep a null session_id.
    The ids depend on all of a visitor's events around them: pass the batch together with its history, and
    pass frames that are either all raw or all already cut (an id is never recomputed).
    """
    has_id = F.col("session_id").isNotNull()
    cut = cut_by_inactivity(events.where(~has_id), raw_visitor(), gap_seconds, "_gap_session_id")
    derived = cut.withColumn("session_id", F.col("_gap_session_id")).drop("_gap_session_id")
    return events.where(has_id).unionByName(derived)


def superseded_gap_sessions(events: DataFrame, sessions: DataFrame) -> DataFrame:
    """Ids that earlier cuts of the given gap sessions had and that no longer exist.

    When a later event moves a session's start earlier, or bridges two sessions, the session's id (a hash of
    its start) changes: the old id is that of one of its events other than its first. Those ids are what a
    table keyed by session must drop (``bot_sessions`` keeps the rows of sessions a batch did not re-judge).

    Needs: ``events`` from ``with_gap_sessions`` holding every event of ``sessions`` (source, session_id).
    Gives: source, session_id, session_date (UTC date of that event), one row per id. An id that never existed
    is harmless to drop; no current session has one of these ids (a visitor's sessions never overlap in time).
    """
    candidate = gap_session_id(F.col("source"), raw_visitor(), F.col("event_time"))
    gapped = events.where(F.col("session_id").startswith(GAP_SESSION_PREFIX)).join(
        sessions.select("source", "session_id"), ["source", "session_id"], "left_semi"
    )
    return (
        gapped.where(candidate != F.col("session_id"))
        .select("source", candidate.alias("session_id"), F.to_date("event_time").alias("session_date"))
        .distinct()
    )
