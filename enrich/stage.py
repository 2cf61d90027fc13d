"""The enrichment stage: events -> one row per item, with product, list price and FX as of the event.

Pure DataFrame functions (no I/O, no actions): the stream and the backfill run the same code.
Missing dimensions never drop an item: every join is a left join, and flags say what was missing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from enrich.config import EnrichConfig
from enrich.tables import EVENT_ITEMS_SCHEMA

Strategy = Literal["broadcast", "bucketed"]
_FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)


def item_lines(events: DataFrame) -> DataFrame:
    """Events -> one row per item.

    Needs: event_id, event_time, event_name, order_id, currency, items, event_date (EVENT_SCHEMA).
    Gives: event_id, item_index (0-based position in ``items``), event_time, event_day (UTC date of
    event_time), event_name, order_id, event_date, event_currency, item (the item struct).
    """
    return events.select(
        "event_id", "event_time", "event_name", "order_id",
        F.coalesce(F.col("event_date"), F.to_date("event_time")).alias("event_date"),
        F.to_date("event_time").alias("event_day"),
        F.col("currency").alias("event_currency"),
        F.posexplode("items").alias("item_index", "item"),
    ).withColumn("item_index", F.col("item_index").cast("bigint"))


def _valid_at(versions: DataFrame, time: Column) -> Column:
    return (versions["_valid_from"] <= time) & (time < F.coalesce(versions["_valid_to"], F.lit(_FAR_FUTURE)))


def day_bounds(lines: DataFrame) -> DataFrame:
    """One row: the first and last event_day of the lines (``_lo``, ``_hi``), for bucketed joins."""
    return lines.agg(F.min("event_day").alias("_lo"), F.max("event_day").alias("_hi"))


def as_of_join(lines: DataFrame, versions: DataFrame, strategy: Strategy,
               bounds: DataFrame | None = None) -> DataFrame:
    """Left join of item lines (product_id, event_time, event_day) to the version valid at event_time.

    ``versions``: ``_key`` (product id), ``_valid_from``, ``_valid_to`` (null = open) and the columns
    to bring, whose versions of a key do not overlap (the SCD2 loader guarantees it), so an item
    matches at most one. Neither strategy builds a Cartesian product:

    * ``broadcast``: the whole history goes to every task; a hash join on the product id, then the
      validity test among that product's versions.
    * ``bucketed``: each version is repeated once per UTC day it covers within the days the lines
      span (clipped, so open-ended versions stay small) and joined on (product id, day), a
      partitioned equi-join that scales with the history; the validity test follows. ``bounds``
      (``day_bounds`` of the lines) can be passed in when several joins share the same lines.
    """
    product, time = lines["product_id"], lines["event_time"]
    if strategy == "broadcast":
        return lines.join(F.broadcast(versions), (product == versions["_key"]) & _valid_at(versions, time), "left")
    if strategy != "bucketed":
        raise ValueError(f"unknown as-of join strategy {strategy!r}")
    bounds = day_bounds(lines) if bounds is None else bounds
    first_day = F.greatest(F.to_date("_valid_from"), F.col("_lo"))
    last_day = F.least(F.to_date(F.coalesce("_valid_to", F.lit(_FAR_FUTURE))), F.col("_hi"))
    buckets = (
        versions.crossJoin(F.broadcast(bounds))
        .filter(first_day <= last_day)
        .withColumn("_bucket", F.explode(F.sequence(first_day, last_day)))
        .drop("_lo", "_hi")
    )
    condition = (product == buckets["_key"]) & (lines["event_day"] == buckets["_bucket"]) & _valid_at(buckets, time)
    return lines.join(buckets, condition, "left").drop("_bucket")


def _product_versions(products: DataFrame) -> DataFrame:
    return products.select(
        F.col("product_id").alias("_key"), F.col("valid_from").alias("_valid_from"),
        F.col("valid_to").alias("_valid_to"), F.col("product_name").alias("_dim_name"),
        F.col("category").alias("_dim_category"), F.lit(True).alias("_known"),
    )


def _price_versions(prices: DataFrame) -> DataFrame:
    return prices.select(
        F.col("product_id").alias("_key"), F.col("valid_from").alias("_valid_from"),
        F.col("valid_to").alias("_valid_to"), F.col("price").alias("list_price"),
        F.col("currency").alias("list_currency"),
    )


def fx_intervals(fx: DataFrame, reporting_currency: str) -> DataFrame:
    """Daily rates as intervals: each quoted day's rate holds until the currency's next quoted day.

    Needs: DIM_FX_RATES columns. Gives: currency, rate_date, next_rate_date (null = latest), rate.
    """
    following = F.lead("rate_date").over(Window.partitionBy("currency").orderBy("rate_date"))
    return fx.filter(F.col("reporting_currency") == reporting_currency).select(
        "currency", "rate_date", following.alias("next_rate_date"), "rate")


def _rate_on(lines: DataFrame, intervals: DataFrame, currency: str, prefix: str) -> DataFrame:
    """Left join the last rate on or before each line's event day for the line's ``currency`` column."""
    rates = intervals.select(*[F.col(c).alias(f"{prefix}{c}") for c in intervals.columns])
    day = lines["event_day"]
    condition = (
        (lines[currency] == rates[f"{prefix}currency"]) & (rates[f"{prefix}rate_date"] <= day)
        & (rates[f"{prefix}next_rate_date"].isNull() | (day < rates[f"{prefix}next_rate_date"]))
    )
    return lines.join(F.broadcast(rates), condition, "left")


def enrich_items(events: DataFrame, products: DataFrame, prices: DataFrame, fx: DataFrame, config: EnrichConfig,
                 *, history_rows: int | None = None) -> DataFrame:
    """One EVENT_ITEMS row per item of the events.

    Needs: ``events`` with EVENT_SCHEMA's event_id, event_time, event_name, order_id, currency, items,
    event_date; ``products``, ``prices``, ``fx`` with the DIM_PRODUCTS, DIM_PRICES and DIM_FX_RATES
    columns. ``history_rows`` (the larger dimension's row count, when known) picks the as-of join via
    ``config.strategy_for``.
    Gives: EVENT_ITEMS_SCHEMA columns. Name and category come from the product version valid at the
    event time (the event's own values when the product is unknown); the list price from the price
    version valid then; the FX rate is the last one quoted on or before the event's UTC day.
    """
    strategy = config.strategy_for(history_rows)
    reporting = config.reporting_currency
    lines = item_lines(events).select(
        "*", F.col("item.product_id").alias("product_id"),
        F.coalesce(F.col("item.currency"), F.col("event_currency")).alias("currency"),
    )
    bounds = day_bounds(lines) if strategy == "bucketed" else None
    lines = as_of_join(lines, _product_versions(products), strategy, bounds).drop("_key", "_valid_from", "_valid_to")
    lines = as_of_join(lines, _price_versions(prices), strategy, bounds).drop("_key", "_valid_from", "_valid_to")
    intervals = fx_intervals(fx, reporting)
    lines = _rate_on(lines, intervals, "currency", "_fx_")
    lines = _rate_on(lines, intervals, "list_currency", "_lfx_")

    same = F.col("currency") == F.lit(reporting)
    fx_rate = F.when(same, F.lit(1.0)).otherwise(F.col("_fx_rate"))
    fx_date = F.when(same, F.lit(None).cast("date")).otherwise(F.col("_fx_rate_date"))
    list_fx = F.when(F.col("list_currency") == F.lit(reporting), F.lit(1.0)).otherwise(F.col("_lfx_rate"))
    unit_price = F.col("item.price")
    quantity = F.coalesce(F.col("item.quantity"), F.lit(1).cast("bigint"))
    unit_reporting = unit_price * fx_rate
    line_reporting = unit_reporting * quantity
    list_price = F.col("list_price")
    deviation = (
        F.when(~(list_price > 0), F.lit(None).cast("double"))
        .when(F.col("currency") == F.col("list_currency"), unit_price / list_price)
        .otherwise(unit_reporting / (list_price * list_fx))
    )
    purchase = F.col("event_name").isin(*config.purchase_events)
    columns: dict[str, Column] = {
        "event_id": F.col("event_id"),
        "item_index": F.col("item_index"),
        "event_time": F.col("event_time"),
        "event_name": F.col("event_name"),
        "order_id": F.col("order_id"),
        "product_id": F.col("product_id"),
        "product_name": F.coalesce(F.col("_dim_name"), F.col("item.product_name")),
        "category": F.coalesce(F.col("_dim_category"), F.col("item.category")),
        "quantity": quantity,
        "unit_price": unit_price,
        "currency": F.col("currency"),
        "list_price": list_price,
        "list_currency": F.col("list_currency"),
        "price_deviation": deviation,
        "fx_rate": fx_rate,
        "fx_date": fx_date,
        "reporting_currency": F.lit(reporting),
        "unit_price_reporting": unit_reporting,
        "line_amount_reporting": line_reporting,
        "revenue_reporting": F.when(purchase, line_reporting).otherwise(F.lit(0.0)),
        "unknown_product": F.col("_known").isNull(),
        "no_list_price": list_price.isNull(),
        "no_fx_rate": fx_rate.isNull(),
        "fx_stale": F.coalesce(F.datediff(F.col("event_day"), fx_date) > config.max_fx_age_days, F.lit(False)),
        "event_date": F.col("event_date"),
    }
    return lines.select(*[columns[f.name].cast(f.dataType).alias(f.name) for f in EVENT_ITEMS_SCHEMA.fields])


def revenue_by_event(items: DataFrame) -> DataFrame:
    """Needs: event_items columns. Gives: event_id, revenue_reporting (sum over the event's lines;
    0 for events that are not purchases, null when a purchase line has no price or rate).
    Events without items have no row: silver takes null for them."""
    return items.groupBy("event_id").agg(
        F.when(F.count_if(F.col("revenue_reporting").isNull()) > 0, F.lit(None).cast("double"))
        .otherwise(F.sum("revenue_reporting")).alias("revenue_reporting"))


def revenue_by_person(items: DataFrame, event_persons: DataFrame) -> DataFrame:
    """Lifetime revenue in the reporting currency per person.

    Needs: event_items columns; ``event_persons`` with event_id, person_id (e.g. silver events).
    Gives: person_id, lifetime_revenue_reporting (sum of known line revenue), purchase_lines.
    """
    purchases = items.filter(F.col("revenue_reporting") != 0).select("event_id", "revenue_reporting")
    return purchases.join(event_persons.select("event_id", "person_id"), "event_id").groupBy("person_id").agg(
        F.sum("revenue_reporting").alias("lifetime_revenue_reporting"), F.count(F.lit(1)).alias("purchase_lines"))
