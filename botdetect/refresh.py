"""Verdicts that do not depend on micro-batch boundaries.

A session's verdict is a function of two kinds of groups (``botdetect.signals``):

- its own events (session signals), and
- the sessions of its clients that start on its ``session_date`` (client signals): the
  ``(anonymous_id, session_date)`` group and the ``(ip, session_date)`` group (the ip + user agent
  client key is a finer split of the ip group).

A batch changes the verdict of every session that shares such a group with a session the batch
touched (the *affected* sessions), and re-evaluating an affected session needs all of its own
groups (the *evaluation set*). ``refresh_verdicts`` computes both from history + batch, so the
final verdict of every session equals the one-shot ``session_verdicts`` over all events, however
the events were cut into batches, as long as ``history`` holds every earlier event of those groups.
Reading bronze for the batch's event dates +-1 day does that (sessions last well under a day).

Events without a session id are first cut into inactivity sessions (``botdetect.gap_sessions``), over
batch and history together, and judged like any other session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from botdetect.config import BotDetectConfig
from botdetect.gap_sessions import with_gap_sessions
from botdetect.signals import SESSION_KEY, session_keys, session_signals
from botdetect.verdict import signals_to_verdicts

if TYPE_CHECKING:
    from lakehouse import Lakehouse

# The event columns the verdict reads; history and batch are cut down to these before the union.
SIGNAL_EVENT_COLUMNS = (
    "event_id",
    "source",
    "session_id",
    "event_time",
    "event_type",
    "event_name",
    "anonymous_id",
    "device_id",  # with anonymous_id and user_id: the visitor whose inactivity cuts sessions without an id
    "user_id",
    "page_url",
    "page_referrer",
    "ip",
    "user_agent",
)
_CLIENT_GROUPS = (("anonymous_id", "session_date"), ("ip", "session_date"))


def affected_sessions(batch_events: DataFrame) -> DataFrame:
    """The sessions a batch touches: distinct (source, session_id) of its events with a session.

    Needs: source, session_id (events without one are in a session only once ``with_gap_sessions``
    cut them). ``refresh_verdicts`` widens these to every session sharing a
    client group with them.
    """
    return batch_events.where(F.col("session_id").isNotNull()).select(*SESSION_KEY).distinct()


def _sharing_a_group(sessions: DataFrame, members: DataFrame) -> DataFrame:
    """``members`` plus every session of ``sessions`` in one of their client groups."""
    found = members
    for group in _CLIENT_GROUPS:
        keys = members.select(*group).where(F.col(group[0]).isNotNull()).distinct()
        found = found.unionByName(sessions.join(keys, list(group), "left_semi"))
    return found.dropDuplicates(list(SESSION_KEY))


def history_dates(batch_events: DataFrame) -> list[str]:
    """The bronze ``event_date`` partitions ``refresh_verdicts`` needs: the batch's dates +-1 day.

    This is an action (collects the batch's distinct dates); call it once per batch.
    """
    days: set[date] = set()
    for row in batch_events.select("event_date").distinct().collect():
        if row[0] is not None:
            days.update(row[0] + timedelta(days=d) for d in (-1, 0, 1))
    return sorted(d.isoformat() for d in days)


def refresh_verdicts(
    spark: SparkSession,
    lake: Lakehouse | None,
    batch_events: DataFrame,
    config: BotDetectConfig,
    history: DataFrame | None = None,
    *,
    use_user_agent: bool = True,
) -> DataFrame:
    """Re-evaluate every session whose verdict the batch can change; one verdict row each.

    Needs: ``batch_events`` and ``history`` with ``SIGNAL_EVENT_COLUMNS`` (EVENT_SCHEMA names).
    ``history`` holds the earlier events of the touched sessions and of their clients (the
    pipeline reads bronze for ``history_dates(batch_events)``); it may overlap the batch
    (events are de-duplicated by event_id). When ``history`` is None it is read from
    ``events_bronze`` through ``lake`` for those dates. Events without a session id are cut into
    inactivity sessions (``with_gap_sessions``) over batch and history together, since history holds
    the visitor's earlier events; both may also come already cut (both, not one: ids are not recomputed).

    Gives: ``SESSION_VERDICT_SCHEMA`` rows for the affected sessions: the batch's sessions and
    every session sharing an (anonymous_id, session_date) or (ip, session_date) group with them.
    Upsert them by (source, session_id): a session's latest verdict replaces the earlier one.
    The result is materialized (a local checkpoint): do not ``persist`` it again (with Spark 4.1.4,
    persisting it made later queries fail with "key not found" in InMemoryRelation).
    ``spark`` is not used by the computation (the frames carry their session).
    """
    del spark  # part of the pipeline's call shape; the frames carry their session
    if history is None:
        history = read_history(lake, batch_events)
    columns = list(SIGNAL_EVENT_COLUMNS)
    # The frames below are referenced many times each; materialized once (a batch's neighbourhood is
    # small) so Spark neither re-runs nor re-plans their lineage at every reference.
    events = (
        batch_events.select(*columns)
        .unionByName(history.select(*columns))
        .dropDuplicates(["event_id"])
        .transform(with_gap_sessions, config.session_gap_seconds)
    ).localCheckpoint(eager=True)
    # The batch's events with their sessions (a gap session's id comes from the events around it).
    batch_sessions = affected_sessions(events.join(batch_events.select("event_id"), "event_id", "left_semi"))
    # Scope on the cheap per-session keys, then compute the full signals for that scope only.
    keys = session_keys(events).localCheckpoint(eager=True)
    touched = keys.join(batch_sessions, list(SESSION_KEY), "left_semi")
    near = _sharing_a_group(keys, touched).localCheckpoint(eager=True)
    affected = near.select(*SESSION_KEY)
    evaluation_set = _sharing_a_group(keys, near).select(*SESSION_KEY)
    scoped_events = events.join(evaluation_set, list(SESSION_KEY), "left_semi")
    verdicts = signals_to_verdicts(session_signals(scoped_events), config, use_user_agent=use_user_agent)
    return verdicts.join(affected, list(SESSION_KEY), "left_semi").localCheckpoint(eager=True)


def read_history(lake: Lakehouse | None, batch_events: DataFrame, dates: Sequence[str] | None = None) -> DataFrame:
    """Bronze events of the batch's dates +-1 day (or of ``dates``), the history of a batch."""
    if lake is None:
        raise ValueError("refresh_verdicts needs either history or a lakehouse to read it from")
    from lakehouse import EVENTS_BRONZE  # here, not at import: lakehouse imports the root config

    chosen = list(dates) if dates is not None else history_dates(batch_events)
    return lake.read(EVENTS_BRONZE, {"event_date": chosen})
