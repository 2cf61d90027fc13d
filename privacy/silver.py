"""Bronze events -> silver events: the field policies applied, raw personal data gone.

``to_silver`` is a pure DataFrame stage. Identifiers become keyed hashes (joinable with identity and
``forget``), IPs become network prefixes (pure Spark expressions), free text and URLs are scrubbed,
property values are scrubbed (e-mail/phone keys hashed), traits are dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField

from lakehouse.schemas import event_fields, nullable_struct
from privacy.config import PrivacyConfig
from privacy.hashing import keyed_hash_column, normalize_identifier_column
from privacy.properties import scrub_map_column
from privacy.stages import PII_COUNTS_COLUMN, PII_COUNTS_TYPE, scrub_free_text

HASHED_IDENTIFIERS = ("anonymous_id", "user_id", "device_id", "session_id")
TEXT_FIELDS = ("page_url", "page_referrer", "page_title", "search_term", "user_agent")

# The silver columns privacy owns: bronze columns after the field policies, identifiers as keyed
# hashes, the IP as a network prefix. Other stages add theirs (``to_silver``'s ``carried``); the
# table's schema is assembled from all of them in ``clickstitch.catalog``.
SILVER_FIELDS = tuple(nullable_struct(
    *event_fields("event_id", "source", "event_type", "event_name", "event_time"),
    *[(f"{name}_hash", StringType()) for name in HASHED_IDENTIFIERS],
    *event_fields(*TEXT_FIELDS),
    ("ip_prefix", StringType()),
    *event_fields(
        "country", "region", "city", "device_category", "os", "browser", "traffic_source", "traffic_medium",
        "traffic_campaign", "order_id", "revenue", "currency", "items", "properties", "consent",
    ),
    *event_fields("source_file", "source_line", "batch_id", "ingested_at", "event_date"),
).fields)
_DERIVED = {f"{name}_hash" for name in HASHED_IDENTIFIERS} | {"ip_prefix"}
# Bronze columns silver needs (everything it does not derive).
REQUIRED_COLUMNS = tuple(
    field.name for field in SILVER_FIELDS if field.name not in _DERIVED
) + HASHED_IDENTIFIERS + ("ip", "traits")

_IPV4 = r"^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$"  # noqa: E501
_HEXTET = r"[0-9a-f]{1,4}"
_MAPPED_V4 = r"^::ffff:(\d+\.\d+\.\d+\.\d+)$"


def to_silver(
    events: DataFrame, config: PrivacyConfig, hash_key: bytes, carried: Sequence[StructField] = ()
) -> DataFrame:
    """Apply the field policies to bronze events.

    Needs: the EVENT_SCHEMA columns (``REQUIRED_COLUMNS``); the ``carried`` columns other stages added
    (person_id, ua_*, bot_*, ...: passed through as they are, null when absent).
    Gives: exactly the ``SILVER_FIELDS`` columns, then the ``carried`` ones, in order, plus ``pii_entity_counts``
    (array<struct<field, entity_type, count>>: per row what was scrubbed, hashed, generalized or
    dropped; counts only). anonymous_id/user_id/device_id/session_id -> ``*_hash`` (HMAC-SHA256 hex of
    the trimmed value), ip -> ``ip_prefix`` (IPv4 /24, IPv6 /48; unparseable -> null), page_url /
    page_referrer (URL rules), page_title / search_term (analyzer), properties (values scrubbed,
    e-mail/phone keys hashed), traits dropped, city removed (``context_location: generalize``).
    """
    missing = [name for name in REQUIRED_COLUMNS if name not in events.columns]
    if missing:
        raise ValueError(f"to_silver: input lacks columns {missing}")
    policy = config.policy_for
    events = events.withColumn(PII_COUNTS_COLUMN, _existing_counts(events))

    to_scrub = [name for name in TEXT_FIELDS if policy(name) == "scrub"]
    if to_scrub:
        events = scrub_free_text(events, to_scrub, config)

    properties: Column = F.col("properties")
    property_counts: Column = F.array().cast("array<struct<entity_type:string,count:int>>")
    if policy("properties") == "drop":
        properties = F.lit(None)
        property_counts = F.when(F.size("properties") > 0, F.array(_entity("PROPERTY", F.size("properties"))))
    else:
        events = events.withColumn("__properties", scrub_map_column(F.col("properties"), config, hash_key))
        properties, property_counts = F.col("__properties.properties"), F.col("__properties.entity_counts")

    columns: dict[str, Column] = {}
    for name in HASHED_IDENTIFIERS:
        normalized = normalize_identifier_column(name, F.col(name))
        columns[f"{name}_hash"] = keyed_hash_column(normalized, hash_key) if policy(name) == "hash" else F.lit(None)
    columns["ip_prefix"] = ip_prefix_column(F.col("ip")) if policy("ip") == "generalize" else F.lit(None)
    for name in TEXT_FIELDS:
        columns[name] = F.lit(None) if policy(name) == "drop" else F.col(name)
    columns["properties"] = properties
    location = policy("context_location")
    columns["city"] = F.col("city") if location == "keep" else F.lit(None)
    if location == "drop":
        columns["country"], columns["region"] = F.lit(None), F.lit(None)
    for field in carried:
        columns[field.name] = F.col(field.name) if field.name in events.columns else F.lit(None)

    counts = [
        *[_count(name, name.upper(), F.col(name).isNotNull()) for name in HASHED_IDENTIFIERS],
        _count("ip", "IP_ADDRESS", F.col("ip").isNotNull()),
        _count("traits", "TRAIT", F.coalesce(F.size("traits"), F.lit(0)), numeric=True),
        _count("city", "LOCATION", F.col("city").isNotNull() & F.lit(location != "keep")),
    ]
    labelled_properties = F.transform(
        F.coalesce(property_counts, F.array().cast("array<struct<entity_type:string,count:int>>")),
        lambda item: F.struct(
            F.lit("properties").alias("field"), item["entity_type"].alias("entity_type"), item["count"].alias("count")
        ),
    )
    all_counts = F.concat(
        F.col(PII_COUNTS_COLUMN), labelled_properties, F.filter(F.array(*counts), lambda c: c["count"] > 0)
    ).cast(PII_COUNTS_TYPE)

    out = [
        columns.get(field.name, F.col(field.name)).cast(field.dataType).alias(field.name)
        for field in (*SILVER_FIELDS, *carried)
    ]
    return events.select(*out, all_counts.alias(PII_COUNTS_COLUMN))


def ip_prefix_column(ip: Column) -> Column:
    """IPv4 -> ``a.b.c.0/24``, IPv6 -> first 48 bits (``2001:db8:85a3::/48``, RFC 5952 form).

    IPv4-mapped IPv6 (``::ffff:1.2.3.4``) is treated as IPv4. Brackets and a zone (``%eth0``) are
    ignored. Anything that is not an address gives null: the raw value never passes through.
    """
    text = F.lower(F.trim(ip))
    text = F.regexp_replace(F.regexp_replace(text, r"^\[|\]$", ""), r"%.*$", "")
    mapped = F.regexp_extract(text, _MAPPED_V4, 1)
    v4 = F.when(mapped != "", mapped).otherwise(text)
    v4_prefix = F.when(
        v4.rlike(_IPV4),
        F.concat(F.regexp_extract(v4, _IPV4, 1), F.lit("."), F.regexp_extract(v4, _IPV4, 2), F.lit(".0/24")),
    )
    return F.coalesce(v4_prefix, _ipv6_prefix(text))


def _ipv6_prefix(text: Column) -> Column:
    halves = F.split(text, "::", -1)
    compressed = F.size(halves) == 2
    left = _hextets(halves[0])
    right = F.when(compressed, _hextets(halves[1])).otherwise(F.array().cast("array<string>"))
    missing = F.lit(8) - F.size(left) - F.size(right)
    full = F.when(
        compressed & (missing >= 1),
        F.concat(left, F.array_repeat(F.lit("0"), F.greatest(missing, F.lit(0))), right),
    ).when(~compressed & (F.size(left) == 8), left)
    valid = (
        text.contains(":")
        & (F.size(halves) <= 2)
        & F.forall(F.concat(left, right), lambda h: h.rlike(f"^{_HEXTET}$"))
        & full.isNotNull()
    )
    h1, h2, h3 = (F.coalesce(F.regexp_replace(full[i], "^0+(?=.)", ""), F.lit("0")) for i in range(3))
    prefix = (
        F.when((h1 == "0") & (h2 == "0") & (h3 == "0"), F.lit("::/48"))
        .when((h2 == "0") & (h3 == "0"), F.concat(h1, F.lit("::/48")))
        .when(h3 == "0", F.concat_ws(":", h1, h2, F.lit(":/48")))
        .otherwise(F.concat_ws(":", h1, h2, h3, F.lit(":/48")))
    )
    return F.when(valid, prefix)


def _hextets(part: Column) -> Column:
    return F.when(part == "", F.array().cast("array<string>")).otherwise(F.split(part, ":", -1))


def _existing_counts(events: DataFrame) -> Column:
    if PII_COUNTS_COLUMN in events.columns:
        return F.col(PII_COUNTS_COLUMN).cast(PII_COUNTS_TYPE)
    return F.array().cast(PII_COUNTS_TYPE)


def _entity(entity_type: str, count: Column) -> Column:
    return F.struct(F.lit(entity_type).alias("entity_type"), count.cast("int").alias("count"))


def _count(field: str, entity_type: str, present: Column, numeric: bool = False) -> Column:
    count = present if numeric else F.when(present, 1).otherwise(0)
    return F.struct(
        F.lit(field).alias("field"), F.lit(entity_type).alias("entity_type"), count.cast("int").alias("count")
    )
