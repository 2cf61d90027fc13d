"""k-anonymous aggregates: a cell is published only when at least k distinct persons are behind it."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame, Observation
from pyspark.sql import functions as F

from privacy.tables import EVENTS_DAILY_K_ANON_SCHEMA

DAILY_GROUPS = ("event_date", "country", "device_category", "event_name")


def k_anonymous(
    df: DataFrame,
    group_columns: Sequence[str],
    person_column: str,
    k: int,
    observation: Observation | None = None,
) -> DataFrame:
    """Count rows (``events``) and distinct persons (``persons``) per group; drop groups under k persons.

    Needs: ``group_columns`` and ``person_column`` (rows with a null person count as events of nobody
    and cannot lift a cell over k). Gives: group_columns, persons (long), events (long), only cells with
    persons >= k. When ``observation`` is given it receives, at the first action on the result,
    ``cells``, ``suppressed_cells``, ``suppressed_events`` (no extra Spark job).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    missing = [c for c in (*group_columns, person_column) if c not in df.columns]
    if missing:
        raise ValueError(f"k_anonymous: columns not in the DataFrame: {missing}")
    cells = df.groupBy(*group_columns).agg(
        F.count_distinct(person_column).cast("long").alias("persons"),
        F.count(F.lit(1)).cast("long").alias("events"),
    )
    below = F.col("persons") < k
    if observation is not None:
        cells = cells.observe(
            observation,
            F.count(F.lit(1)).alias("cells"),
            F.count_if(below).alias("suppressed_cells"),
            F.coalesce(F.sum(F.when(below, F.col("events"))), F.lit(0)).alias("suppressed_events"),
        )
    return cells.where(~below)


def visitor_key() -> Column:
    """Who a silver row belongs to: the stitched person, else the strongest hashed identifier.

    Until identity fills ``person_id`` a person with several cookies counts several times, which
    makes suppression weaker than k; the gold table says so in its docs.
    """
    return F.coalesce(F.col("person_id"), F.col("user_id_hash"), F.col("device_id_hash"), F.col("anonymous_id_hash"))


def daily_events_k_anon(
    silver: DataFrame, k: int, observation: Observation | None = None, *, exclude_bots: bool = True
) -> DataFrame:
    """Gold ``events_daily_k_anon``: human events per day, country, device category and event name.

    Needs: events_silver columns (is_bot may be null: counted as human). Gives:
    EVENTS_DAILY_K_ANON_SCHEMA, cells with fewer than ``k`` distinct persons suppressed.
    ``exclude_bots=False`` (``botdetect.exclude_bots_from_metrics``) counts flagged events too.
    """
    counted = silver.where(~F.coalesce(F.col("is_bot"), F.lit(False))) if exclude_bots else silver
    humans = counted.withColumn("__visitor", visitor_key())
    cells = k_anonymous(humans, DAILY_GROUPS, "__visitor", k, observation)
    return cells.select(*[F.col(f.name).cast(f.dataType) for f in EVENTS_DAILY_K_ANON_SCHEMA.fields])
