"""Google Analytics 4 BigQuery export rows -> canonical events.

The export (``bq extract --destination_format NEWLINE_DELIMITED_JSON``) writes INT64 values as
JSON strings; every scalar is read as a string here and cast with ``try_cast``, so a value of
the wrong kind becomes a dead letter instead of an error. GA4 rows carry no event id: it is
derived from the fields that identify a row (identical duplicate rows get the same id).
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, StringType, StructField, StructType

from ingest.checks import (
    MISSING_ID,
    WRONG_TYPE,
    Check,
    json_shape_checks,
    required,
    string_map,
    string_token_check,
    time_bounds,
    without_keys,
)


def _strings(*names: str) -> list[StructField]:
    return [StructField(n, StringType()) for n in names]


def _struct(*fields: StructField) -> StructType:
    return StructType(list(fields))


_VALUE = _struct(*_strings("string_value", "int_value", "float_value", "double_value", "set_timestamp_micros"))
_KEY_VALUES = ArrayType(_struct(StructField("key", StringType()), StructField("value", _VALUE)))

RAW_SCHEMA = _struct(
    *_strings("event_date", "event_timestamp", "event_name"),
    StructField("event_params", _KEY_VALUES),
    *_strings("event_previous_timestamp", "event_bundle_sequence_id", "event_server_timestamp_offset"),
    *_strings("user_id", "user_pseudo_id", "user_first_touch_timestamp"),
    StructField("privacy_info", _struct(*_strings("analytics_storage", "ads_storage", "uses_transient_token"))),
    StructField("user_properties", _KEY_VALUES),
    StructField(
        "device",
        _struct(
            *_strings("category", "mobile_brand_name", "mobile_model_name", "operating_system",
                      "operating_system_version", "language", "advertising_id", "vendor_id"),
            StructField("web_info", _struct(*_strings("browser", "browser_version", "hostname"))),
        ),
    ),
    StructField("geo", _struct(*_strings("continent", "sub_continent", "country", "region", "city", "metro"))),
    StructField("traffic_source", _struct(*_strings("name", "medium", "source"))),
    *_strings("stream_id", "platform"),
    StructField(
        "ecommerce",
        _struct(*_strings("total_item_quantity", "purchase_revenue", "purchase_revenue_in_usd",
                          "transaction_id", "unique_items")),
    ),
    StructField(
        "items",
        ArrayType(_struct(*_strings("item_id", "item_name", "item_brand", "item_variant", "item_category",
                                    "price", "price_in_usd", "quantity", "item_revenue", "coupon"))),
    ),
    *_strings("batch_event_index", "batch_page_id", "batch_ordering_id"),
    StructField("_corrupt_record", StringType()),
)

# event_params promoted to canonical columns; the rest stay in `properties`.
_PROMOTED_PARAMS = (
    "page_location", "page_referrer", "page_title", "search_term", "ga_session_id",
    "currency", "value", "transaction_id",
)
_EVENT_TYPES = {"page_view": "page", "screen_view": "screen"}


def _value_text(value: Column) -> Column:
    return F.coalesce(value["string_value"], value["int_value"], value["double_value"], value["float_value"])


def _key_value_map(entries: Column) -> Column:
    return string_map(F.transform(entries, lambda e: F.struct(e["key"].alias("key"),
                                                               _value_text(e["value"]).alias("value"))))


def intermediate_columns(row: Column) -> dict[str, Column]:
    """Values used by many canonical columns, computed once per row in a projection of their own."""
    return {"params": _key_value_map(row["event_params"])}


def event_columns(row: Column, intermediate: dict[str, Column]) -> dict[str, Column]:
    """Canonical event columns (all but ingest metadata) from a parsed GA4 row."""
    params = intermediate["params"]
    micros = row["event_timestamp"].try_cast("bigint")
    server_offset = row["event_server_timestamp_offset"].try_cast("bigint")
    currency = params["currency"]
    anonymous_id = row["user_pseudo_id"]
    raw_session = params["ga_session_id"]
    event_type = F.coalesce(
        *[F.when(row["event_name"] == name, F.lit(kind)) for name, kind in _EVENT_TYPES.items()], F.lit("track")
    )
    # The fields that tell two export rows apart; identical duplicate rows share them all.
    identity = F.concat_ws(
        "|", F.lit("ga4"), row["stream_id"], anonymous_id, row["event_timestamp"], row["event_name"],
        row["event_bundle_sequence_id"], row["batch_event_index"], row["batch_ordering_id"],
        row["batch_page_id"], raw_session, params["page_location"],
    )
    items = F.transform(
        row["items"],
        lambda i: F.struct(
            i["item_id"].alias("product_id"),
            i["item_name"].alias("product_name"),
            i["item_category"].alias("category"),
            i["quantity"].try_cast("bigint").alias("quantity"),
            i["price"].try_cast("double").alias("price"),
            currency.alias("currency"),
        ),
    )
    return {
        "event_id": F.sha2(identity, 256),
        "source": F.lit("ga4"),
        "event_type": event_type,
        "event_name": row["event_name"],
        "event_time": F.timestamp_micros(micros),
        "received_time": F.when(server_offset.isNotNull(), F.timestamp_micros(F.try_add(micros, server_offset))),
        "anonymous_id": anonymous_id,
        "user_id": row["user_id"],
        "device_id": F.coalesce(row["device"]["advertising_id"], row["device"]["vendor_id"]),
        "session_id": F.when(raw_session.isNotNull(), F.concat_ws(":", anonymous_id, raw_session)),
        "page_url": params["page_location"],
        "page_referrer": params["page_referrer"],
        "page_title": params["page_title"],
        "search_term": params["search_term"],
        "user_agent": F.lit(None).cast("string"),
        "ip": F.lit(None).cast("string"),
        "country": row["geo"]["country"],
        "region": row["geo"]["region"],
        "city": row["geo"]["city"],
        "device_category": row["device"]["category"],
        "os": row["device"]["operating_system"],
        "browser": row["device"]["web_info"]["browser"],
        "traffic_source": row["traffic_source"]["source"],
        "traffic_medium": row["traffic_source"]["medium"],
        "traffic_campaign": row["traffic_source"]["name"],
        "order_id": F.coalesce(row["ecommerce"]["transaction_id"], params["transaction_id"]),
        "revenue": F.coalesce(row["ecommerce"]["purchase_revenue"], params["value"]).try_cast("double"),
        "currency": currency,
        "items": items,
        "properties": without_keys(params, _PROMOTED_PARAMS),
        "traits": _key_value_map(row["user_properties"]),
        "consent": F.map_filter(
            F.create_map(
                F.lit("analytics_storage"), row["privacy_info"]["analytics_storage"],
                F.lit("ads_storage"), row["privacy_info"]["ads_storage"],
            ),
            lambda _k, v: v.isNotNull(),
        ),
    }


# Identifiers that must arrive as JSON strings: a number here is a broken export, not an id.
STRING_FIELDS = ("user_pseudo_id", "user_id", "event_name")


def checks(
    row: Column, text: Column, event_time: Column, min_time: Column, max_time: Column, numbers: Column
) -> list[Check]:
    """Why a GA4 row cannot be an event, in order of precedence."""
    return [
        *json_shape_checks(row, text, RAW_SCHEMA),
        string_token_check(row, numbers, STRING_FIELDS),
        required(row["user_pseudo_id"], "user_pseudo_id", MISSING_ID),
        required(row["event_name"], "event_name"),
        required(row["event_timestamp"], "event_timestamp"),
        Check.of(row["event_timestamp"].try_cast("bigint").isNull(), WRONG_TYPE,
                 "event_timestamp is not an integer of microseconds"),
        *time_bounds(event_time, row["event_timestamp"], min_time, max_time),
    ]
