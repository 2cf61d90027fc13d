"""customer_profiles: one row per person from events_bronze resolved through identity_map."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from identity.config import IdentityConfig
from identity.identifiers import IDENTIFIER_TYPES, event_identifiers
from identity.schemas import CUSTOMER_PROFILE_SCHEMA
from identity.store import current_map, event_persons
from identity.tables import CUSTOMER_PROFILES
from lakehouse import EVENTS_BRONZE, Lakehouse, WriteResult

PROFILES_WRITER = "identity-profiles"
SILVER = "events_silver"  # by name: its spec is assembled by the orchestration layer from every stage


def profile_bucket(person_id: F.Column) -> F.Column:
    """customer_profiles partition: the first hex digit after the ``per_`` prefix (16 buckets)."""
    return F.substring(person_id, 5, 1)


def person_bucket(person_id: str) -> str:
    """``profile_bucket`` of one person id, in the driver."""
    return person_id[4:5]


def build_profiles(
    events: DataFrame, persons: DataFrame, mapping: DataFrame, *, exclude_bots: bool = True
) -> DataFrame:
    """Profiles of the persons in ``persons``.

    events: EVENT_SCHEMA rows, optionally with ``is_bot`` (the silver verdict; missing or null counts
    as human) and ``revenue_reporting`` (enrichment); persons: (event_id, person_id); mapping: current
    identity_map rows.
    Gives CUSTOMER_PROFILE_SCHEMA: ``bot_share`` is the share of the person's events flagged as bot;
    with ``exclude_bots`` (``botdetect.exclude_bots_from_metrics``) sessions, events and orders
    count human events only. ``revenue_reporting_currency`` is the lifetime revenue of the counted
    events in the reporting currency (null without enrichment).
    """
    latest = F.col("event_time")
    flagged = F.coalesce(F.col("is_bot"), F.lit(False)) if "is_bot" in events.columns else F.lit(False)
    counted = ~flagged if exclude_bots else F.lit(True)
    activity = events.join(persons, on="event_id").groupBy("person_id").agg(
        F.min("event_time").alias("first_seen"),
        F.max("event_time").alias("last_seen"),
        F.count_distinct(F.when(counted, F.col("session_id"))).alias("sessions"),
        F.count_if(counted).alias("events"),
        F.count_distinct(F.when(counted, F.col("order_id"))).alias("orders"),
        (F.sum(F.when(counted, F.col("revenue_reporting"))) if "revenue_reporting" in events.columns
         else F.lit(None).cast("double")).alias("revenue_reporting_currency"),
        F.avg(flagged.cast("double")).alias("bot_share"),
        F.max_by("device_category", F.when(F.col("device_category").isNotNull(), latest)).alias("last_device"),
        F.max_by("browser", F.when(F.col("browser").isNotNull(), latest)).alias("last_browser"),
        F.max_by("country", F.when(F.col("country").isNotNull(), latest)).alias("last_country"),
        *[
            F.max_by(F.col("consent")[k].try_cast("boolean"),
                     F.when(F.col("consent")[k].isNotNull(), latest)).alias(f"consent_{k}")
            for k in ("analytics", "advertising")
        ],
    )
    counts = mapping.groupBy("person_id").agg(
        *[F.count_if(F.col("identifier_type") == t).alias(f"{t}s") for t in IDENTIFIER_TYPES]
    ).withColumnRenamed("user_ids", "user_ids")
    now = F.lit(datetime.now(UTC)).cast("timestamp")
    return activity.join(counts, on="person_id", how="left").select(
        *[
            (now if f.name == "updated_at" else profile_bucket(F.col("person_id")) if f.name == "bucket"
             else F.col(f.name) if f.name in ("person_id", "first_seen", "last_seen", "last_device", "last_browser",
                                              "last_country", "consent_analytics", "consent_advertising")
             or f.name in _COUNT_COLUMNS or f.name in ("bot_share", "revenue_reporting_currency")
             else F.lit(None)).cast(f.dataType).alias(f.name)
            for f in CUSTOMER_PROFILE_SCHEMA.fields
        ]
    )


_COUNT_COLUMNS = {"user_ids", "anonymous_ids", "device_ids", "emails", "phones", "sessions", "events", "orders"}


def refresh_profiles(
    spark: SparkSession,
    lake: Lakehouse,
    config: IdentityConfig,
    hash_key: bytes,
    person_ids: DataFrame | None = None,
    *,
    exclude_bots: bool = True,
) -> WriteResult:
    """Rebuild the profiles of ``person_ids`` (column person_id; all persons when None).

    Persons that no longer exist (merged away) lose their row. Written by replacing the profile
    buckets the persons fall in (Spark writes them; no MERGE into the table).
    """
    mapping = current_map(lake).localCheckpoint(eager=True)
    events = lake.read(EVENTS_BRONZE)
    if SILVER in lake.catalog and lake.exists(SILVER):  # the bot verdicts (events not in silver yet: human)
        silver = lake.read(SILVER)
        carried = [c for c in ("is_bot", "revenue_reporting") if c in silver.columns]
        events = events.join(silver.select("event_id", *carried), on="event_id", how="left")
    identifiers = event_identifiers(events, hash_key, config)
    persons = event_persons(identifiers, mapping)
    batch = (lake.committed_batch(CUSTOMER_PROFILES, PROFILES_WRITER) or 0) + 1
    if person_ids is None:
        fresh = build_profiles(events, persons, mapping, exclude_bots=exclude_bots)
        return lake.replace_partitions(CUSTOMER_PROFILES, fresh, ("0", "f"), PROFILES_WRITER, batch)
    # The persons (one per profile, at most a few per event) come to the driver: their buckets are
    # known there, and the frame of them is a local relation, not a Spark job to materialize.
    ids = sorted({p for p in person_ids.select("person_id").toArrow().column("person_id").to_pylist() if p})
    buckets = sorted({person_bucket(p) for p in ids} - {""})
    if not buckets:
        return WriteResult(CUSTOMER_PROFILES.name, False, lake.version(CUSTOMER_PROFILES), 0)
    wanted = spark.createDataFrame(pd.DataFrame({"person_id": ids}), "person_id string")
    fresh = build_profiles(
        events,
        persons.join(wanted, on="person_id", how="left_semi"),
        mapping.join(wanted, on="person_id", how="left_semi"),
        exclude_bots=exclude_bots,
    )
    low, high = buckets[0], buckets[-1]
    span = [format(n, "x") for n in range(int(low, 16), int(high, 16) + 1)]
    kept = lake.read(CUSTOMER_PROFILES, {"bucket": span}).join(wanted, on="person_id", how="left_anti")
    rows = kept.unionByName(fresh).localCheckpoint(eager=True)
    return lake.replace_partitions(CUSTOMER_PROFILES, rows, (low, high), PROFILES_WRITER, batch)
