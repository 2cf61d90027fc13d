"""Segment events (track, page, screen, identify, alias, group) from Segment's JSON archives -> canonical events.

``alias`` (previousId -> userId) is an identity link: previousId becomes the event's anonymous id
(when it has none), so the identity graph joins it to the userId as Segment means it. ``group``
carries account traits: they go to ``properties`` (``group_id`` and ``group.<trait>``), never to
``traits``, which hold the person's own traits (an account's billing e-mail is not the person's).

``properties`` and ``traits`` are read as map<string,string>: nested values (such as the
``products`` array of an order) arrive as JSON text and are parsed where they are used.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, MapType, StringType, StructField, StructType

from ingest.checks import (
    INVALID_TIMESTAMP,
    MISSING_ID,
    UNKNOWN_EVENT_TYPE,
    Check,
    json_shape_checks,
    required,
    string_token_check,
    time_bounds,
    without_keys,
)

SUPPORTED_TYPES = ("track", "page", "screen", "identify", "alias", "group")


def _strings(*names: str) -> list[StructField]:
    return [StructField(n, StringType()) for n in names]


def _struct(*fields: StructField) -> StructType:
    return StructType(list(fields))


_STRING_MAP = MapType(StringType(), StringType())

RAW_SCHEMA = _struct(
    *_strings("type", "event", "name", "messageId", "anonymousId", "userId", "previousId", "groupId"),
    *_strings("timestamp", "originalTimestamp", "sentAt", "receivedAt"),
    StructField("properties", _STRING_MAP),
    StructField("traits", _STRING_MAP),
    StructField(
        "context",
        _struct(
            *_strings("ip", "userAgent", "locale", "sessionId"),
            StructField("page", _struct(*_strings("url", "path", "referrer", "title", "search"))),
            StructField("device", _struct(*_strings("id", "type", "manufacturer", "model", "advertisingId"))),
            StructField("os", _struct(*_strings("name", "version"))),
            StructField("app", _struct(*_strings("name", "version"))),
            StructField("campaign", _struct(*_strings("source", "medium", "name", "term", "content"))),
            StructField("location", _struct(*_strings("country", "region", "city"))),
            StructField("traits", _STRING_MAP),
            StructField("consent", _struct(StructField("categoryPreferences", _STRING_MAP))),
            StructField("library", _struct(*_strings("name", "version"))),
        ),
    ),
    StructField("_corrupt_record", StringType()),
)

_PRODUCTS = ArrayType(_struct(*_strings("product_id", "sku", "name", "category", "price", "quantity")))

# properties promoted to canonical columns; the rest stay in `properties`.
_PROMOTED_PROPERTIES = (
    "url", "path", "referrer", "title", "search", "query", "order_id", "revenue", "total", "currency",
    "products", "product_id", "sku", "name", "price", "quantity", "category", "session_id",
)
_EVENT_NAMES = {
    "page": "page_view", "screen": "screen_view", "identify": "identify", "alias": "alias", "group": "group",
}


def _items(properties: Column) -> Column:
    currency = properties["currency"]

    def item(p: Column) -> Column:
        return F.struct(
            F.coalesce(p["product_id"], p["sku"]).alias("product_id"),
            p["name"].alias("product_name"),
            p["category"].alias("category"),
            F.coalesce(p["quantity"].try_cast("bigint"), F.lit(1).cast("bigint")).alias("quantity"),
            p["price"].try_cast("double").alias("price"),
            currency.alias("currency"),
        )

    listed = F.transform(F.from_json(properties["products"], _PRODUCTS), item)
    single = F.array(
        item(
            F.struct(
                properties["product_id"].alias("product_id"), properties["sku"].alias("sku"),
                properties["name"].alias("name"), properties["category"].alias("category"),
                properties["price"].alias("price"), properties["quantity"].alias("quantity"),
            )
        )
    )
    has_single = properties["product_id"].isNotNull() | properties["sku"].isNotNull()
    return F.coalesce(listed, F.when(has_single, single))


def event_time_text(row: Column) -> Column:
    return F.coalesce(row["timestamp"], row["originalTimestamp"])


def intermediate_columns(row: Column) -> dict[str, Column]:
    """Values used by many canonical columns, computed once per row in a projection of their own."""
    return {"properties": F.coalesce(row["properties"], F.create_map().cast(_STRING_MAP))}


def event_columns(row: Column, intermediate: dict[str, Column]) -> dict[str, Column]:
    """Canonical event columns (all but ingest metadata) from a parsed Segment event."""
    context = row["context"]
    properties = intermediate["properties"]
    is_alias, is_group = row["type"] == "alias", row["type"] == "group"
    anonymous_id = F.coalesce(row["anonymousId"], F.when(is_alias, row["previousId"]))
    raw_session = F.coalesce(context["sessionId"], properties["session_id"])
    return {
        "event_id": row["messageId"],
        "source": F.lit("segment"),
        "event_type": row["type"],
        "event_name": F.coalesce(
            *[F.when(row["type"] == kind, F.lit(name)) for kind, name in _EVENT_NAMES.items()], row["event"]
        ),
        "event_time": F.try_to_timestamp(event_time_text(row)),
        "received_time": F.try_to_timestamp(row["receivedAt"]),
        "anonymous_id": anonymous_id,
        "user_id": row["userId"],
        "device_id": context["device"]["id"],
        "session_id": F.when(
            raw_session.isNotNull(), F.concat_ws(":", F.coalesce(anonymous_id, row["userId"]), raw_session)
        ),
        "page_url": F.coalesce(context["page"]["url"], properties["url"]),
        "page_referrer": F.coalesce(context["page"]["referrer"], properties["referrer"]),
        "page_title": F.coalesce(context["page"]["title"], properties["title"]),
        "search_term": properties["query"],
        "user_agent": context["userAgent"],
        "ip": context["ip"],
        "country": context["location"]["country"],
        "region": context["location"]["region"],
        "city": context["location"]["city"],
        "device_category": context["device"]["type"],
        "os": context["os"]["name"],
        "browser": F.lit(None).cast("string"),
        "traffic_source": context["campaign"]["source"],
        "traffic_medium": context["campaign"]["medium"],
        "traffic_campaign": context["campaign"]["name"],
        "order_id": properties["order_id"],
        "revenue": F.coalesce(properties["revenue"], properties["total"]).try_cast("double"),
        "currency": properties["currency"],
        "items": _items(properties),
        "properties": F.when(is_group, _group_properties(row, properties)).otherwise(
            without_keys(properties, _PROMOTED_PROPERTIES)
        ),
        "traits": F.when(is_group, context["traits"]).otherwise(F.coalesce(row["traits"], context["traits"])),
        "consent": context["consent"]["categoryPreferences"],
    }


def _group_properties(row: Column, properties: Column) -> Column:
    """A group call's account: its id and traits (prefixed ``group.``), beside any properties it has."""
    traits = F.coalesce(row["traits"], F.create_map().cast(_STRING_MAP))
    prefixed = F.transform_keys(traits, lambda key, _: F.concat(F.lit("group."), key))
    # map_concat fails on a duplicate key: a property of the same name gives way to the account's.
    own = F.map_filter(without_keys(properties, _PROMOTED_PROPERTIES),
                       lambda key, _: ~key.startswith("group.") & (key != "group_id"))
    return F.map_concat(own, prefixed, F.create_map(F.lit("group_id"), row["groupId"]))


# Fields that must arrive as JSON strings (ISO-8601 text for times, text ids).
STRING_FIELDS = (
    "type", "event", "messageId", "anonymousId", "userId", "previousId", "groupId", "timestamp", "originalTimestamp",
)


def checks(
    row: Column, text: Column, event_time: Column, min_time: Column, max_time: Column, numbers: Column
) -> list[Check]:
    """Why a Segment line cannot be an event, in order of precedence."""
    return [
        *json_shape_checks(row, text, RAW_SCHEMA),
        string_token_check(row, numbers, STRING_FIELDS),
        required(row["type"], "type"),
        Check.of(~row["type"].isin(*SUPPORTED_TYPES), UNKNOWN_EVENT_TYPE,
                 F.concat(F.lit("type "), F.left(row["type"], F.lit(40)), F.lit(" is not one of "),
                          F.lit(", ".join(SUPPORTED_TYPES)))),
        required(row["messageId"], "messageId", MISSING_ID),
        Check.of(row["anonymousId"].isNull() & row["userId"].isNull(), MISSING_ID,
                 "neither anonymousId nor userId"),
        Check.of((row["type"] == "track") & row["event"].isNull(), "missing_field", "event"),
        Check.of((row["type"] == "alias") & (row["previousId"].isNull() | row["userId"].isNull()), "missing_field",
                 "an alias needs previousId and userId"),
        Check.of((row["type"] == "group") & row["groupId"].isNull(), "missing_field", "groupId"),
        required(event_time_text(row), "timestamp"),
        Check.of(event_time.isNull(), INVALID_TIMESTAMP,
                 F.concat(F.lit("not an ISO-8601 time: "), F.left(event_time_text(row), F.lit(64)))),
        *time_bounds(event_time, event_time_text(row), min_time, max_time),
    ]
