"""Enrichment speed: the as-of join of event items to a large price history vs a small broadcast one.

Usage: PYTHONPATH=. .venv/bin/python bench/bench_enrich.py [--events 1000000 --history 10000000
       --products 100000 --small-history 100000 --days 3]

Synthetic data built with Spark expressions and written to Parquet first (not timed with the join):
``--events`` purchase events of one item each, spread over ``--days`` days, on ``--products``
products; a price history of ``--history`` versions (``history / products`` per product, evenly
spaced over the 60 days before the last event day, the last one open); a small history of
``--small-history`` rows (one open version per product of its own product range); daily FX for 5
currencies. Each case runs ``enrich_items`` to a no-op sink (every row computed, nothing written):

1. bucketed as-of join on the large history (what ``auto`` picks above ``broadcast_max_rows``);
2. broadcast as-of join on the small history;
3. bucketed on the small history (the same data as 2, the other strategy).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, Observation, SparkSession
from pyspark.sql import functions as F

from clickstitch.config import load_config
from clickstitch.session import build_spark
from enrich import EnrichConfig, enrich_items
from lakehouse.schemas import EVENT_SCHEMA

LAST_DAY = date(2026, 10, 3)
CURRENCIES = ("USD", "EUR", "GBP", "JPY", "CAD")


def synthetic_events(spark: SparkSession, events: int, products: int, days: int) -> DataFrame:
    seconds = days * 86400
    start = F.to_timestamp(F.lit(f"{LAST_DAY.isoformat()} 00:00:00")) - F.expr(f"INTERVAL {days - 1} DAYS")
    rows = spark.range(events).select(
        F.sha2(F.col("id").cast("string"), 256).alias("event_id"),
        (start + F.make_dt_interval(secs=(F.col("id") * 7919) % seconds)).alias("event_time"),
        F.format_string("P%07d", (F.col("id") * 104729) % products).alias("product_id"),
        F.element_at(F.array(*[F.lit(c) for c in CURRENCIES]), (F.col("id") % 5 + 1).cast("int")).alias("currency"),
    )
    values = {
        "event_name": F.lit("purchase"), "order_id": F.col("event_id"), "revenue": F.lit(20.0),
        "event_date": F.to_date("event_time"),
        "items": F.array(F.struct(F.col("product_id"), F.lit("x").alias("product_name"),
                                  F.lit("y").alias("category"), F.lit(1).cast("bigint").alias("quantity"),
                                  F.lit(19.99).alias("price"), F.col("currency"))),
    }
    return rows.select(*[
        (values[f.name] if f.name in values else F.col(f.name) if f.name in rows.columns else F.lit(None))
        .cast(f.dataType).alias(f.name) for f in EVENT_SCHEMA.fields
    ])


def synthetic_history(spark: SparkSession, rows: int, products: int) -> DataFrame:
    per_product = max(rows // products, 1)
    step = 60 * 86400 // per_product
    history_start = F.to_timestamp(F.lit(f"{LAST_DAY.isoformat()} 00:00:00")) - F.expr("INTERVAL 59 DAYS")
    version = F.col("id") % per_product
    valid_from = history_start + F.make_dt_interval(secs=version * step)
    valid_to = F.when(version < per_product - 1, valid_from + F.make_dt_interval(secs=F.lit(step)))
    return spark.range(rows).select(
        F.format_string("P%07d", F.floor(F.col("id") / per_product)).alias("product_id"),
        (F.lit(10.0) + version % 13).alias("price"), F.lit("USD").alias("currency"),
        F.when(version == 0, F.to_timestamp(F.lit("1900-01-01 00:00:00"))).otherwise(valid_from).alias("valid_from"),
        valid_to.alias("valid_to"), valid_to.isNull().alias("is_current"), F.current_timestamp().alias("loaded_at"),
    )


def products_of(history: DataFrame) -> DataFrame:
    return history.select(
        "product_id", F.lit(None).cast("string").alias("sku"), F.lit("name").alias("product_name"),
        F.lit("cat").alias("category"), F.col("price").alias("base_price"), F.col("currency").alias("base_currency"),
        "valid_from", "valid_to", "is_current", "loaded_at")


def synthetic_fx(spark: SparkSession) -> DataFrame:
    days = spark.sql(f"SELECT explode(sequence(date'{LAST_DAY.isoformat()}' - 70, date'{LAST_DAY.isoformat()}'))"
                     " AS rate_date")
    rates = F.array(*[F.struct(F.lit(c).alias("currency"), F.lit(1.0 + i / 10).alias("rate"))
                      for i, c in enumerate(CURRENCIES)])
    return days.select("rate_date", F.explode(rates).alias("r")).select(
        "rate_date", "r.currency", F.lit("USD").alias("reporting_currency"), "r.rate",
        F.current_timestamp().alias("loaded_at"))


def timed(label: str, items: DataFrame) -> float:
    """Compute every row into a no-op sink; the flag counts come with it (``observe``, no extra job)."""
    flags = Observation(label)
    observed = items.observe(flags, F.count(F.lit(1)).alias("rows"),
                             F.sum(F.col("no_list_price").cast("int")).alias("no_list_price"),
                             F.sum(F.col("no_fx_rate").cast("int")).alias("no_fx_rate"))
    started = time.perf_counter()
    observed.write.format("noop").mode("overwrite").save()
    elapsed = time.perf_counter() - started
    counts = flags.get
    print(f"{label}: {elapsed:.1f} s ({counts['rows']:,} item rows, {counts['no_list_price']:,} without a list "
          f"price, {counts['no_fx_rate']:,} without a rate)", flush=True)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--history", type=int, default=10_000_000)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--small-history", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()

    spark = build_spark(load_config(environ={"CLICKSTITCH_HASH_KEY": "bench-only"}))
    with tempfile.TemporaryDirectory(prefix="bench_enrich_") as tmp:
        paths = {name: str(Path(tmp) / name) for name in ("events", "history", "small", "fx")}
        started = time.perf_counter()
        synthetic_events(spark, args.events, args.products, args.days).write.parquet(paths["events"])
        synthetic_history(spark, args.history, args.products).write.parquet(paths["history"])
        small_products = min(args.small_history, args.products)
        synthetic_history(spark, args.small_history, small_products).write.parquet(paths["small"])
        synthetic_fx(spark).write.parquet(paths["fx"])
        print(f"data: {args.events:,} events, {args.history:,} + {args.small_history:,} price rows "
              f"({time.perf_counter() - started:.1f} s to write)", flush=True)
        events = spark.read.parquet(paths["events"])
        fx = spark.read.parquet(paths["fx"])
        large = spark.read.parquet(paths["history"])
        small = spark.read.parquet(paths["small"])
        bucketed, broadcast = EnrichConfig(asof_join="bucketed"), EnrichConfig(asof_join="broadcast")
        timed(f"bucketed, {args.history:,}-row history",
              enrich_items(events, products_of(large), large, fx, bucketed))
        timed(f"broadcast, {args.small_history:,}-row history",
              enrich_items(events, products_of(small), small, fx, broadcast))
        timed(f"bucketed, {args.small_history:,}-row history",
              enrich_items(events, products_of(small), small, fx, bucketed))
        started = time.perf_counter()
        events.select("event_id", "items").write.format("noop").mode("overwrite").save()
        print(f"read the {args.events:,} events alone: {time.perf_counter() - started:.1f} s", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
