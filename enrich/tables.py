"""The enrichment tables: three dimensions and the per-item silver table (docs/enrich.md).

The specs are plain constants: the catalog lists them, nothing is registered on import.
Products and prices are SCD2: one row per version, ``valid_from <= t < valid_to`` (``valid_to``
null = still valid), ``is_current`` true for the open version. No two versions of a product overlap
(the loader closes a version where the next one starts).
"""

from __future__ import annotations

from pyspark.sql.types import BooleanType, DateType, DoubleType, LongType, StringType, StructField, TimestampType

from lakehouse import TableSpec
from lakehouse.schemas import nullable_struct

_VERSION = (
    ("valid_from", TimestampType()),
    ("valid_to", TimestampType()),
    ("is_current", BooleanType()),
)

DIM_PRODUCTS_SCHEMA = nullable_struct(
    ("product_id", StringType()),
    ("sku", StringType()),
    ("product_name", StringType()),
    ("category", StringType()),
    ("base_price", DoubleType()),
    ("base_currency", StringType()),
    *_VERSION,
    ("loaded_at", TimestampType()),
)

DIM_PRICES_SCHEMA = nullable_struct(
    ("product_id", StringType()),
    ("price", DoubleType()),
    ("currency", StringType()),
    *_VERSION,
    ("loaded_at", TimestampType()),
)

DIM_FX_RATES_SCHEMA = nullable_struct(
    ("rate_date", DateType()),
    ("currency", StringType()),
    ("reporting_currency", StringType()),
    ("rate", DoubleType()),
    ("loaded_at", TimestampType()),
)

EVENT_ITEMS_SCHEMA = nullable_struct(
    ("event_id", StringType()),
    ("item_index", LongType()),
    ("event_time", TimestampType()),
    ("event_name", StringType()),
    ("order_id", StringType()),
    ("product_id", StringType()),
    ("product_name", StringType()),
    ("category", StringType()),
    ("quantity", LongType()),
    ("unit_price", DoubleType()),
    ("currency", StringType()),
    ("list_price", DoubleType()),
    ("list_currency", StringType()),
    ("price_deviation", DoubleType()),
    ("fx_rate", DoubleType()),
    ("fx_date", DateType()),
    ("reporting_currency", StringType()),
    ("unit_price_reporting", DoubleType()),
    ("line_amount_reporting", DoubleType()),
    ("revenue_reporting", DoubleType()),
    ("unknown_product", BooleanType()),
    ("no_list_price", BooleanType()),
    ("no_fx_rate", BooleanType()),
    ("fx_stale", BooleanType()),
    ("event_date", DateType()),
)

DIM_PRODUCTS = TableSpec(
    name="dim_products",
    schema=DIM_PRODUCTS_SCHEMA,
    keys=("product_id", "valid_from"),
    layer="dimension",
    description="Products, SCD2: sku, name, category and base price per version (valid_from, valid_to, "
    "is_current).",
    privacy_safe=True,
)

DIM_PRICES = TableSpec(
    name="dim_prices",
    schema=DIM_PRICES_SCHEMA,
    keys=("product_id", "valid_from"),
    layer="dimension",
    description="List price history, SCD2: price and currency of a product from valid_from to valid_to.",
    privacy_safe=True,
)

DIM_FX_RATES = TableSpec(
    name="dim_fx_rates",
    schema=DIM_FX_RATES_SCHEMA,
    keys=("rate_date", "currency", "reporting_currency"),
    layer="dimension",
    description="Daily FX: units of reporting_currency per unit of currency on rate_date (published days only).",
    privacy_safe=True,
)

EVENT_ITEMS = TableSpec(
    name="event_items",
    schema=EVENT_ITEMS_SCHEMA,
    keys=("event_id", "item_index"),
    partition_by=("event_date",),
    layer="silver",
    description="One row per item of an event: product and list price as of the event time, the FX rate of "
    "the event's date, amounts in the reporting currency, and flags for missing or stale dimensions.",
    privacy_safe=True,
)

DIMENSIONS: dict[str, TableSpec] = {"products": DIM_PRODUCTS, "prices": DIM_PRICES, "fx": DIM_FX_RATES}
ENRICH_TABLES: tuple[TableSpec, ...] = (DIM_PRODUCTS, DIM_PRICES, DIM_FX_RATES, EVENT_ITEMS)

# What enrichment adds to each silver event: its revenue in the reporting currency (sum of its lines).
SILVER_FIELDS = (StructField("revenue_reporting", DoubleType(), True),)
