"""Features per key (product, category) and event-time window, and their transform.

Pure DataFrame functions (no I/O, no collect): ``key_events`` turns silver events and their item
lines into one row per (event, key); ``window_features`` aggregates them per (key, window);
``transformed`` applies a stored ``Scaler`` (log1p of the counts, then standardization) and gives
the feature vector as an array column (docs/anomaly.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from anomaly.config import AnomalyConfig

PRODUCT = "product"
CATEGORY = "category"
NO_CATEGORY = "(none)"
WINDOW_COLUMNS = ("key_kind", "key", "window_start", "window_end")

# The features, in vector order. Counts and amounts are log1p'd before standardizing; ratios are not.
FEATURES: tuple[str, ...] = ("views", "add_to_carts", "purchases", "conversion", "price_deviation",
                             "min_price_ratio", "revenue", "visitors", "bot_share")
LOGGED: frozenset[str] = frozenset({"views", "add_to_carts", "purchases", "revenue", "visitors"})
# Price ratios are taken as logarithms: a 90% cut (0.1) lies much further from 1 than a 20% sale (0.8).
LOG_RATIOS: frozenset[str] = frozenset({"price_deviation", "min_price_ratio"})
_RATIO_FLOOR = 1e-3
_DIGITS = 9  # features are rounded so that sums in any row order give the same vector
MIN_STD = 0.05  # std floor: a near-constant feature (paid / list is ~1) must not turn 1% into 100 sigmas


def visitor_column() -> Column:
    """The visitor of a silver event: hashed cookie, else hashed device, else hashed user id."""
    return F.coalesce(F.col("anonymous_id_hash"), F.col("device_id_hash"), F.col("user_id_hash"))


def key_events(silver: DataFrame, items: DataFrame, products: DataFrame, config: AnomalyConfig) -> DataFrame:
    """Silver events + their item lines -> one row per (event, key), for keys product and category.

    Needs: ``silver`` with event_id, event_time, event_name, is_bot and the hashed visitor ids;
    ``items`` (event_items) with event_id, product_id, category, unit_price, currency, list_price,
    list_currency, price_deviation, revenue_reporting; ``products`` (dim_products) with product_id, base_price,
    base_currency, is_current.
    Gives: key_kind (``product`` | ``category``), key, event_id, event_time, is_bot (null = human),
    visitor, is_view, is_cart, is_purchase, revenue (the event's purchase lines of the key, reporting
    currency), deviation_sum / deviation_lines (paid / list of its purchase lines), min_price_ratio (the
    lowest paid / catalogue base price of its lines: paid / list x list / base when the list price is in the
    base currency, else paid / base when paid in the base currency; null when neither).
    Events without items have no key: they are not part of any feature.
    """
    purchase = F.col("event_name").isin(*config.purchase_events)
    base = products.where(F.col("is_current")).select(
        "product_id", F.col("base_price").alias("_base"), F.col("base_currency").alias("_base_currency"))
    events = silver.select(
        "event_id", "event_time", "is_bot", "event_name", visitor_column().alias("visitor"))
    lines = items.select("event_id", "product_id", "category", "unit_price", "currency", "list_price",
                         "list_currency", "price_deviation", "revenue_reporting").join(base, "product_id", "left")
    # Paid / base price: through paid / list (FX already applied by enrichment) when the list price is in the
    # base currency, else directly when the item was paid in the base currency.
    ratio = F.when(F.col("_base") > 0, F.coalesce(
        F.when(F.col("list_currency") == F.col("_base_currency"),
               F.col("price_deviation") * F.col("list_price") / F.col("_base")),
        F.when(F.col("currency") == F.col("_base_currency"), F.col("unit_price") / F.col("_base"))))
    joined = lines.join(events, "event_id").select(
        "event_id", "event_time", "is_bot", "visitor", "event_name", "product_id",
        F.coalesce(F.col("category"), F.lit(NO_CATEGORY)).alias("category"),
        F.when(purchase, F.col("revenue_reporting")).alias("_revenue"),
        F.when(purchase, F.col("price_deviation")).alias("_deviation"),
        ratio.alias("_ratio"))
    keyed = joined.select(
        "*", F.explode(F.array(
            F.struct(F.lit(PRODUCT).alias("key_kind"), F.col("product_id").alias("key")),
            F.struct(F.lit(CATEGORY).alias("key_kind"), F.col("category").alias("key")))).alias("_key"),
    ).where(F.col("_key.key").isNotNull())
    return keyed.groupBy(
        F.col("_key.key_kind").alias("key_kind"), F.col("_key.key").alias("key"), "event_id").agg(
        F.first("event_time").alias("event_time"),
        F.first("is_bot").alias("is_bot"),
        F.first("visitor").alias("visitor"),
        F.first("event_name").isin(*config.product_view_events).alias("is_view"),
        F.first("event_name").isin(*config.add_to_cart_events).alias("is_cart"),
        F.first("event_name").isin(*config.purchase_events).alias("is_purchase"),
        F.sum(F.col("_revenue").cast("decimal(38,9)")).alias("revenue"),
        F.sum(F.col("_deviation").cast("decimal(38,9)")).alias("deviation_sum"),
        F.count("_deviation").alias("deviation_lines"),
        F.min("_ratio").alias("min_price_ratio"),
    )


def window_features(rows: DataFrame, config: AnomalyConfig) -> DataFrame:
    """(event, key) rows -> one row per (key_kind, key, window) with the raw features.

    Needs: ``key_events`` columns. Gives: key_kind, key, window_start, window_end (tumbling
    ``anomaly.window`` in event time), events (all rows, bots included), and FEATURES: views,
    add_to_carts, purchases (events of those names, bots included: automation that evades the bot
    rules is exactly what should show), conversion (purchases / max(views, 1)), price_deviation (mean
    paid / list of purchase lines; 1 when none), min_price_ratio (lowest paid / base price; 1 when none),
    revenue (reporting currency), visitors (approximate distinct visitors), bot_share (rows of bot
    sessions / rows). Only windows where the key has events exist.
    """
    window = F.window("event_time", f"{config.window_seconds} seconds")
    grouped = rows.groupBy("key_kind", "key", window.alias("_w")).agg(
        F.count(F.lit(1)).alias("events"),
        F.count_if("is_view").alias("views"),
        F.count_if("is_cart").alias("add_to_carts"),
        F.count_if("is_purchase").alias("purchases"),
        F.sum("revenue").alias("_revenue"),
        F.sum("deviation_sum").alias("_deviation_sum"),
        F.sum("deviation_lines").alias("_deviation_lines"),
        F.min("min_price_ratio").alias("_min_ratio"),
        F.approx_count_distinct("visitor").alias("visitors"),
        F.count_if(F.coalesce(F.col("is_bot"), F.lit(False))).alias("_bots"),
    )
    return grouped.select(
        "key_kind", "key", F.col("_w.start").alias("window_start"), F.col("_w.end").alias("window_end"), "events",
        F.col("views").cast("double"), F.col("add_to_carts").cast("double"), F.col("purchases").cast("double"),
        F.round(F.col("purchases") / F.greatest(F.col("views"), F.lit(1)), _DIGITS).alias("conversion"),
        F.round(F.coalesce(F.col("_deviation_sum") / F.col("_deviation_lines"), F.lit(1.0)).cast("double"),
                _DIGITS).alias("price_deviation"),
        F.round(F.coalesce(F.col("_min_ratio"), F.lit(1.0)), _DIGITS).alias("min_price_ratio"),
        F.round(F.coalesce(F.col("_revenue"), F.lit(0)).cast("double"), _DIGITS).alias("revenue"),
        F.col("visitors").cast("double"),
        F.round(F.col("_bots") / F.col("events"), _DIGITS).alias("bot_share"),
    )


@dataclass(frozen=True)
class Scaler:
    """log1p of the LOGGED features, then (x - mean) / std, with mean and std of the training window."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]


def prepared(feature: str) -> Column:
    """A feature before standardization: log1p for counts and amounts (negative amounts count as 0), the
    natural log for price ratios (at least 0.001), as is for the others."""
    column = F.col(feature).cast("double")
    if feature in LOGGED:
        return F.log1p(F.greatest(column, F.lit(0.0)))
    if feature in LOG_RATIOS:
        return F.log(F.greatest(column, F.lit(_RATIO_FLOOR)))
    return column


def scaler_moments(features: DataFrame, names: Sequence[str] = FEATURES) -> DataFrame:
    """Feature rows -> one row with the mean and population std of each prepared feature.

    Gives: ``mean_<f>``, ``std_<f>`` per feature (the fit collects this one row into a ``Scaler``).
    """
    return features.agg(*[agg for name in names for agg in (
        F.avg(prepared(name)).alias(f"mean_{name}"), F.stddev_pop(prepared(name)).alias(f"std_{name}"))])


def scaler_from(moments: dict[str, float | None], names: Sequence[str] = FEATURES) -> Scaler:
    """The ``scaler_moments`` row -> a Scaler (std at least MIN_STD)."""
    def std(name: str) -> float:
        value = moments.get(f"std_{name}")
        return MIN_STD if value is None or not math.isfinite(value) else round(max(value, MIN_STD), 12)
    return Scaler(tuple(names), tuple(round(moments.get(f"mean_{n}") or 0.0, 12) for n in names),
                  tuple(std(n) for n in names))


def transformed(features: DataFrame, scaler: Scaler) -> DataFrame:
    """Feature rows -> the same rows + ``z``: array<double> of the standardized features (vector order).

    Needs: the scaler's feature columns. Gives: the input columns + z.
    """
    z = [(prepared(name) - F.lit(mean)) / F.lit(std) for name, mean, std in
         zip(scaler.features, scaler.mean, scaler.std, strict=True)]
    return features.withColumn("z", F.array(*z))


def inverse(feature: str, scaler: Scaler, z: float) -> float:
    """A standardized value back in the feature's own units (for explanations: the centre's value)."""
    index = scaler.features.index(feature)
    value = z * scaler.std[index] + scaler.mean[index]
    if feature in LOGGED:
        return math.expm1(value)
    return math.exp(value) if feature in LOG_RATIOS else value
