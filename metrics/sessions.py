"""Sessions from silver events: one row per session, on the day it started.

Pure DataFrame functions. A session is the source's session (silver's ``session_id_hash``, the keyed
hash of botdetect's ``<visitor>:<raw session id>``, so the bot verdict on each event is its session's);
events without a session id (older GA4 app exports) are cut per visitor by an inactivity gap, as GA does.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from botdetect.gap_sessions import cut_by_inactivity
from metrics.tables import SESSIONS_SCHEMA

SOURCE_CUT = "source"  # the export's own session id
GAP_CUT = "inactivity_gap"  # cut by session_gap per visitor


def visitor_column() -> Column:
    """The browser or device behind an event: the hashed cookie, else device, else user id (data-determined,
    unlike person_id, which is the person at ingest time)."""
    return F.coalesce(F.col("anonymous_id_hash"), F.col("device_id_hash"), F.col("user_id_hash"))


def assign_sessions(events: DataFrame, gap_seconds: int) -> DataFrame:
    """Give every event its session.

    Needs: source, session_id_hash, anonymous_id_hash, device_id_hash, user_id_hash, event_id, event_time.
    Gives: the input columns + ``_session_id`` and ``_session_cut`` (``source`` or ``inactivity_gap``).
    Events without a session id are ordered per (source, visitor) by (event_time, event_id); a gap over
    ``gap_seconds`` starts a new session whose id is ``gap:`` + SHA-256 of (source, visitor, start time).
    Events with neither a session id nor a visitor get no session (null).
    """
    has_id = F.col("session_id_hash").isNotNull()
    # The rule is botdetect's, declared once: its verdicts judge these same sessions on bronze's raw ids.
    gapped = cut_by_inactivity(events.where(~has_id), visitor_column(), gap_seconds, "_session_id").withColumn(
        "_session_cut", F.lit(GAP_CUT))
    keyed = events.where(has_id).withColumn("_session_id", F.col("session_id_hash")).withColumn(
        "_session_cut", F.lit(SOURCE_CUT))
    return keyed.unionByName(gapped)


def _first(value: Column, order: Column, where: Column | None = None) -> Column:
    """The value of the earliest row (by ``order``) where it is not null (and ``where`` holds)."""
    keep = value.isNotNull() if where is None else value.isNotNull() & where
    return F.min_by(value, F.when(keep, order))


def _last(value: Column, order: Column, where: Column) -> Column:
    return F.max_by(value, F.when(where & value.isNotNull(), order))


def build_sessions(events: DataFrame, gap_seconds: int, page_types: Sequence[str],
                   purchase_events: Sequence[str]) -> DataFrame:
    """Silver events -> one SESSIONS_SCHEMA row per session.

    Needs: events_silver columns (source, session_id_hash, *_id_hash, person_id, event_id, event_time,
    event_type, event_name, page_url, traffic_source, traffic_medium, device_category, country,
    revenue_reporting, is_bot, bot_category).
    Gives: SESSIONS_SCHEMA. Order within a session is (event_time, event_id). Landing and exit page:
    the first and last page view's URL; channel, device, country and person: the first non-null value;
    converted: at least one purchase event; revenue: sum of the events' ``revenue_reporting`` (as decimals,
    so it does not depend on row order; rounded to 6 decimals); is_bot: the session's verdict (null counts as human).
    """
    order = F.struct("event_time", "event_id")
    is_page = F.col("event_type").isin(*page_types)
    is_purchase = F.col("event_name").isin(*purchase_events)
    sessions = assign_sessions(events, gap_seconds).where(F.col("_session_id").isNotNull()).groupBy(
        "source", F.col("_session_id").alias("session_id")).agg(
        F.first("_session_cut").alias("session_cut"),
        _first(F.col("person_id"), order).alias("person_id"),
        F.min("event_time").alias("session_start"),
        F.max("event_time").alias("session_end"),
        F.count(F.lit(1)).alias("event_count"),
        F.count_if(is_page).alias("page_views"),
        _first(F.col("page_url"), order, is_page).alias("landing_page"),
        _last(F.col("page_url"), order, is_page).alias("exit_page"),
        _first(F.col("traffic_source"), order).alias("traffic_source"),
        _first(F.col("traffic_medium"), order).alias("traffic_medium"),
        _first(F.col("device_category"), order).alias("device_category"),
        _first(F.col("country"), order).alias("country"),
        F.count_if(is_purchase).alias("purchases"),
        F.round(F.sum(F.col("revenue_reporting").cast("decimal(38,9)")), 6).alias("revenue_reporting"),
        F.coalesce(F.max("is_bot"), F.lit(False)).alias("is_bot"),
        F.max("bot_category").alias("bot_category"),
    )
    columns = {
        "duration_seconds": (F.unix_micros("session_end") - F.unix_micros("session_start")) / 1e6,
        "converted": F.col("purchases") > 0,
        "session_date": F.to_date("session_start"),
    }
    return sessions.withColumns(columns).select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in SESSIONS_SCHEMA.fields])
