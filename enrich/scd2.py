"""SCD2 and daily-rate merges as pure DataFrame functions: what to write, not how.

``version_changes`` turns the stored versions and a file's rows into the rows to MERGE (by key and
valid_from): new versions, and stored versions whose end, current flag or attributes change. Rows
that would stay as they are never appear, so loading the same file twice writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

# The first version of a key is valid from here: a product that arrives late is known for every
# earlier event too, the same as if it had been loaded first.
OPEN_START = datetime(1900, 1, 1, tzinfo=UTC)
VERSION_COLUMNS = ("valid_from", "valid_to", "is_current")


def _all(conditions: list[Column]) -> Column:
    result = conditions[0]
    for condition in conditions[1:]:
        result = result & condition
    return result


def snapshot_versions(existing: DataFrame, snapshot: DataFrame, key: Sequence[str], attributes: Sequence[str],
                      effective_at: datetime) -> DataFrame:
    """A snapshot (rows without validity) as versions: a key never seen starts at OPEN_START, a key
    whose current attributes differ (or that has no current version) starts at ``effective_at``;
    a key whose current version already says the same gives no row.
    """
    current = existing.filter(F.col("is_current")).select(*key, *[F.col(a).alias(f"_cur_{a}") for a in attributes],
                                                         F.lit(True).alias("_has_current"))
    known = existing.select(*key).distinct().withColumn("_known", F.lit(True))
    joined = snapshot.join(current, list(key), "left").join(known, list(key), "left")
    unchanged = _all([F.col(a).eqNullSafe(F.col(f"_cur_{a}")) for a in attributes]) & F.col("_has_current")
    start = F.when(F.col("_known").isNull(), F.lit(OPEN_START)).otherwise(F.lit(effective_at)).cast("timestamp")
    return joined.filter(~F.coalesce(unchanged, F.lit(False))).select(
        *key, *attributes, start.alias("valid_from"), F.lit(None).cast("timestamp").alias("valid_to"))


def version_changes(existing: DataFrame, incoming: DataFrame, key: Sequence[str], attributes: Sequence[str],
                    loaded_at: datetime) -> DataFrame:
    """Rows to MERGE into an SCD2 table, with ``_old_valid_to`` (null for a new version), ``_is_new``
    and ``_changed_from`` (the first instant whose version answer may differ).

    Needs: ``existing`` with key, attributes, valid_from, valid_to, is_current, loaded_at; ``incoming``
    with key, attributes, valid_from, valid_to (null = open), one row per (key, valid_from).
    Gives: the table's columns for every version that is new or changes. An incoming row replaces the
    stored version with the same (key, valid_from); each version then ends where the next one of its
    key starts (or earlier, when it says so), and ``is_current`` marks the open one.
    """
    version_key = [*key, "valid_from"]
    touched = incoming.select(*key).distinct()
    stored = existing.join(touched, list(key), "left_semi")
    kept = stored.join(incoming.select(*version_key), version_key, "left_anti").select(
        *key, *attributes, "valid_from", "valid_to", "loaded_at")
    fresh = incoming.select(*key, *attributes, "valid_from", "valid_to",
                            F.lit(loaded_at).cast("timestamp").alias("loaded_at"))
    state = kept.unionByName(fresh)
    following = F.lead("valid_from").over(Window.partitionBy(*key).orderBy("valid_from"))
    state = state.withColumn("_next", following).select(
        *key, *attributes, "valid_from",
        F.when(F.col("valid_to").isNull(), F.col("_next"))
        .when(F.col("_next").isNull(), F.col("valid_to"))
        .otherwise(F.least("valid_to", "_next")).alias("valid_to"),
        "loaded_at",
    ).withColumn("is_current", F.col("valid_to").isNull())
    compared = [*version_key, "valid_to", "is_current", *attributes]
    old = stored.select(*[F.col(c).alias(f"_old_{c}") for c in compared])
    matched = state.join(old, _all([state[c].eqNullSafe(old[f"_old_{c}"]) for c in version_key]), "left")
    differs = ~_all([F.col(c).eqNullSafe(F.col(f"_old_{c}")) for c in compared])
    same_attributes = _all([F.col(a).eqNullSafe(F.col(f"_old_{a}")) for a in attributes]) if attributes else F.lit(True)
    is_new = F.col("_old_valid_from").isNull()
    # From when answers may differ: the version's start, or only the end that moved (least skips nulls).
    changed_from = F.when(is_new | ~same_attributes, F.col("valid_from")).otherwise(
        F.least("valid_to", "_old_valid_to"))
    return matched.filter(differs).select(
        *state.columns, F.col("_old_valid_to"), is_new.alias("_is_new"), changed_from.alias("_changed_from"))


def rate_changes(existing: DataFrame, incoming: DataFrame) -> DataFrame:
    """FX rows to MERGE (new days or changed rates), with ``_next_date``: the next quoted day of the
    currency after the change (null: none), up to which events fall back on the changed rate.

    Needs: rate_date, currency, reporting_currency, rate (+ loaded_at on ``existing``).
    """
    key = ["rate_date", "currency", "reporting_currency"]
    changed = incoming.join(existing.select(*key, F.col("rate").alias("_old_rate")), key, "left").filter(
        ~F.col("rate").eqNullSafe(F.col("_old_rate")))
    days = existing.select(*key).unionByName(incoming.select(*key)).distinct()
    following = F.lead("rate_date").over(Window.partitionBy("currency", "reporting_currency").orderBy("rate_date"))
    days = days.withColumn("_next_date", following)
    return changed.join(days, key, "left").select(*incoming.columns, "_next_date")

