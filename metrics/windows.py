"""Windowed metrics per product category, in event time: tumbling, sliding and stagger windows.

Pure DataFrame functions. ``category_events`` turns silver events and their item lines into one row per
(event, category); ``window_rows`` puts each row in its windows (no per-window loop: Spark's
``window`` expression for tumbling and sliding, an array fold per key for stagger); ``window_metrics``
aggregates, with HyperLogLog sketches of the distinct visitors and persons (docs/metrics.md).
"""

from __future__ import annotations

from functools import reduce

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from metrics.config import MetricsConfig, duration_seconds
from metrics.sessions import visitor_column
from metrics.tables import CATEGORY_METRICS_SCHEMA

NO_CATEGORY = "(none)"  # events without items (page views, searches, ...) and items without a category
STAGGER = "stagger"
_DIGITS = 6  # published doubles are rounded to 6 decimals
_EXACT = "decimal(38,9)"  # amounts are summed as decimals: the sum does not depend on row order


def exact_sum(column: Column) -> Column:
    """Sum of a double column as decimal(38,9): the same result in any row order (a double sum is not)."""
    return F.sum(column.cast(_EXACT))


def category_events(silver: DataFrame, items: DataFrame, arrivals: DataFrame, config: MetricsConfig) -> DataFrame:
    """Silver events + their item lines -> one row per (event, category).

    Needs: ``silver`` with event_id, event_time, event_type, event_name, is_bot, person_id and the
    hashed visitor ids; ``items`` (event_items) with event_id, category, quantity, line_amount_reporting,
    revenue_reporting, price_deviation; ``arrivals`` with event_id, received_time (bronze).
    Gives: event_id, event_time, arrival_time (received_time, else event_time), category (the item's;
    ``(none)`` for events without items or items without a category), is_bot (null = human), visitor,
    person_id, is_page_view, is_product_view, is_add_to_cart, is_purchase, and over the event's lines of
    that category: units, revenue, paid_amount / paid_units (purchase lines with a known amount),
    deviation_sum / deviation_lines (purchase lines with a price deviation).
    """
    purchase = F.col("event_name").isin(*config.purchase_events)
    lines = items.select(
        "event_id", F.coalesce(F.col("category"), F.lit(NO_CATEGORY)).alias("category"),
        F.when(purchase, F.col("quantity")).alias("_units"),
        F.when(purchase, F.col("revenue_reporting")).alias("_revenue"),
        F.when(purchase & F.col("line_amount_reporting").isNotNull(), F.col("line_amount_reporting")).alias("_paid"),
        F.when(purchase & F.col("line_amount_reporting").isNotNull(), F.col("quantity")).alias("_paid_units"),
        F.when(purchase, F.col("price_deviation")).alias("_deviation"),
    ).groupBy("event_id", "category").agg(
        F.coalesce(F.sum("_units"), F.lit(0)).cast("long").alias("units"),
        exact_sum(F.col("_revenue")).alias("revenue"),
        exact_sum(F.col("_paid")).alias("paid_amount"),
        F.sum("_paid_units").cast("long").alias("paid_units"),
        exact_sum(F.col("_deviation")).alias("deviation_sum"),
        F.count("_deviation").alias("deviation_lines"),
    )
    events = silver.select(
        "event_id", "event_time", "is_bot", "person_id", visitor_column().alias("visitor"),
        F.col("event_type").isin(*config.page_types).alias("is_page_view"),
        F.col("event_name").isin(*config.product_view_events).alias("is_product_view"),
        F.col("event_name").isin(*config.add_to_cart_events).alias("is_add_to_cart"),
        purchase.alias("is_purchase"),
    ).join(arrivals.select("event_id", "received_time"), "event_id", "left")
    return events.join(lines, "event_id", "left").select(
        "event_id", "event_time",
        F.coalesce(F.col("received_time"), F.col("event_time")).alias("arrival_time"),
        F.coalesce(F.col("category"), F.lit(NO_CATEGORY)).alias("category"),
        "is_bot", "visitor", "person_id", "is_page_view", "is_product_view", "is_add_to_cart", "is_purchase",
        F.coalesce(F.col("units"), F.lit(0).cast("long")).alias("units"),
        "revenue", "paid_amount", "paid_units", "deviation_sum",
        F.coalesce(F.col("deviation_lines"), F.lit(0).cast("long")).alias("deviation_lines"),
    )


def _interval(seconds: int) -> str:
    return f"{seconds} seconds"


def _timed(rows: DataFrame, kind: str, window: Column) -> DataFrame:
    return rows.select("*", F.lit(kind).alias("window_kind"), window.alias("_window")).select(
        "*", F.col("_window.start").alias("window_start"), F.col("_window.end").alias("window_end"),
        F.lit(None).cast("timestamp").alias("stagger_minute")).drop("_window")


def stagger_windows(rows: DataFrame, size_seconds: int) -> DataFrame:
    """Put each row in its stagger window (Kinesis Data Analytics semantics).

    Windows are keyed by (category, the minute of the event time). A key's window opens with the first
    arrival (``arrival_time``) of that key and holds every arrival of the key before start + size; the
    next arrival after that opens the key's next window. The fold runs per key over its sorted arrival
    times (Spark's ``aggregate``), no Python loop.
    Needs: category, event_time, arrival_time. Gives: the input columns + window_kind (``stagger``),
    window_start, window_end (start + size), stagger_minute (the key's minute).
    """
    keyed = rows.withColumn("stagger_minute", F.date_trunc("minute", "event_time"))
    size = F.expr(f"INTERVAL {size_seconds} SECONDS")
    starts = keyed.groupBy("category", "stagger_minute").agg(
        F.aggregate(
            F.array_sort(F.collect_set("arrival_time")),
            F.array().cast("array<timestamp>"),
            lambda opened, arrival: F.when(
                (F.size(opened) == 0) | (arrival >= F.element_at(opened, -1) + size),
                F.concat(opened, F.array(arrival)),
            ).otherwise(opened),
        ).alias("_starts"))
    placed = keyed.join(starts, ["category", "stagger_minute"]).withColumn(
        "window_start", F.element_at(F.filter("_starts", lambda start: start <= F.col("arrival_time")), -1))
    return placed.drop("_starts").withColumns({
        "window_kind": F.lit(STAGGER), "window_end": F.col("window_start") + size})


def window_rows(rows: DataFrame, config: MetricsConfig) -> DataFrame:
    """Each (event, category) row once per window it falls in, for every configured window kind.

    Needs: ``category_events`` columns. Gives: those + window_kind (``tumbling_5m``, ``tumbling_1h``,
    ``tumbling_1d``, ``sliding_1h_5m``, ``stagger``), window_start, window_end, stagger_minute (stagger only), and
    ``is_late``: the row arrived after the end of its window in event time (for stagger: after its
    minute's end, stagger_minute + size), so a late row changed a window that had already closed.
    """
    kinds = [_timed(rows, kind, F.window("event_time", _interval(size))) for kind, size in config.tumbling_kinds()]
    sliding = config.sliding
    kinds.append(_timed(rows, sliding.kind, F.window(
        "event_time", _interval(duration_seconds(sliding.size)), _interval(duration_seconds(sliding.slide)))))
    stagger_size = duration_seconds(config.stagger)
    kinds.append(stagger_windows(rows, stagger_size))
    placed = reduce(lambda a, b: a.unionByName(b), kinds)
    event_time_end = F.coalesce(
        F.col("stagger_minute") + F.expr(f"INTERVAL {stagger_size} SECONDS"), F.col("window_end"))
    return placed.withColumn("is_late", F.col("arrival_time") > event_time_end)


def window_metrics(placed: DataFrame, config: MetricsConfig, *, exclude_bots: bool = True,
                   watermark: Column | None = None) -> DataFrame:
    """Windowed rows -> one CATEGORY_METRICS_SCHEMA row per (window_kind, window, category).

    Needs: ``window_rows`` output. Bot rows (``is_bot``) are left out of every metric when ``exclude_bots``
    (``botdetect.exclude_bots_from_metrics``) and counted in ``bot_events``. events: human (event,
    category) rows; page_views, product_views, add_to_carts, purchases: those rows by event name/type;
    units and revenue_reporting: over purchase lines (amounts summed as decimals, so any row order gives
    the same result); avg_price_paid: paid amount / paid units of
    purchase lines; avg_price_deviation: mean price deviation of purchase lines; conversion_rate:
    purchases / events; visitors / persons: HLL estimates of the kept ``hll_sketch_agg`` sketches
    (lgConfigK ``hll_lg_config_k``); late_events: counted rows that arrived after the window closed;
    bot_events: bot rows (always counted); is_final: window_end + allowed_lateness <= ``watermark`` (a
    scalar Column; default: the latest event time of ``placed``); window_date: the UTC day of the window
    start (for stagger: of its minute).
    """
    k = config.hll_lg_config_k
    counted = ~F.coalesce(F.col("is_bot"), F.lit(False)) if exclude_bots else F.lit(True)
    bot = F.coalesce(F.col("is_bot"), F.lit(False))

    def human(column: Column) -> Column:
        return F.when(counted, column)

    if watermark is None:
        watermark = placed.agg(F.max("event_time")).scalar()
    grouped = placed.groupBy(
        "window_kind", "window_start", "window_end", "stagger_minute", "category").agg(
        F.count_if(counted).alias("events"),
        F.count_if(counted & F.col("is_page_view")).alias("page_views"),
        F.count_if(counted & F.col("is_product_view")).alias("product_views"),
        F.count_if(counted & F.col("is_add_to_cart")).alias("add_to_carts"),
        F.count_if(counted & F.col("is_purchase")).alias("purchases"),
        F.coalesce(F.sum(human(F.col("units"))), F.lit(0)).alias("units"),
        F.round(exact_sum(human(F.col("revenue"))), _DIGITS).alias("revenue_reporting"),
        exact_sum(human(F.col("paid_amount"))).alias("_paid"),
        F.sum(human(F.col("paid_units"))).alias("_paid_units"),
        exact_sum(human(F.col("deviation_sum"))).alias("_deviation_sum"),
        F.sum(human(F.col("deviation_lines"))).alias("_deviation_lines"),
        F.hll_sketch_agg(human(F.col("visitor")), k).alias("visitors_sketch"),
        F.hll_sketch_agg(human(F.col("person_id")), k).alias("persons_sketch"),
        F.count_if(bot).alias("bot_events"),
        F.count_if(counted & F.col("is_late")).alias("late_events"),
    )
    lateness = F.expr(f"INTERVAL {duration_seconds(config.allowed_lateness)} SECONDS")
    columns = {
        "avg_price_paid": F.round(F.col("_paid") / F.col("_paid_units"), _DIGITS),
        "avg_price_deviation": F.round(F.col("_deviation_sum") / F.col("_deviation_lines"), _DIGITS),
        "conversion_rate": F.round(F.when(F.col("events") > 0, F.col("purchases") / F.col("events")), _DIGITS),
        "visitors": F.hll_sketch_estimate("visitors_sketch"),
        "persons": F.hll_sketch_estimate("persons_sketch"),
        "is_final": F.col("window_end") + lateness <= watermark,
        "window_date": F.to_date(F.coalesce(F.col("stagger_minute"), F.col("window_start"))),
    }
    return grouped.withColumns(columns).select(
        *[F.col(f.name).cast(f.dataType).alias(f.name) for f in CATEGORY_METRICS_SCHEMA.fields])


