"""Events -> the identifiers each event carries -> identity-graph edges. Pure DataFrame stages.

Identifier types: user_id (login), anonymous_id (GA4 user_pseudo_id / Segment anonymousId),
device_id, email (Segment identify traits, GA4 user_properties ``customer_email``, form
``properties.email``) and phone (traits / properties). Emails and phones are normalized first;
every value leaves this module only as its keyed hash (HMAC-SHA256), never raw.
"""

from __future__ import annotations

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from identity.config import IdentityConfig
from identity.schemas import EVENT_IDENTIFIER_SCHEMA
from privacy.hashing import keyed_hash_column, normalize_email_column, normalize_phone

IDENTIFIER_TYPES = ("user_id", "anonymous_id", "device_id", "email", "phone")
# Which identifier decides an event's person when its identifiers sit in different persons
# (a shared cookie or device is cut loose, the login on the event is not).
EVENT_PERSON_PRIORITY = ("user_id", "anonymous_id", "device_id", "email", "phone")

_EMAIL_FIELDS = (("traits", "email"), ("traits", "customer_email"), ("properties", "email"))
_PHONE_FIELDS = (("traits", "phone"), ("traits", "customer_phone"), ("properties", "phone"))


def node_key(type_col: Column, hash_col: Column) -> Column:
    """One string per identifier (type and hash), the vertex name in the graph algorithms."""
    return F.concat(type_col, F.lit(":"), hash_col)


def event_identifiers(events: DataFrame, key: bytes, config: IdentityConfig) -> DataFrame:
    """Every (event, identifier) pair, hashed.

    Needs: event_id, event_time, event_date, source, country, user_id, anonymous_id, device_id,
    traits, properties (EVENT_SCHEMA). Gives: EVENT_IDENTIFIER_SCHEMA, one row per distinct
    identifier of each event. Ids are hashed exactly as written (so silver's ``keyed_hash_column``
    of the raw id joins them); emails and phones after normalization.
    """
    candidates = [F.struct(F.lit(t).alias("t"), F.col(t).alias("v")) for t in ("user_id", "anonymous_id", "device_id")]
    candidates += [F.struct(F.lit("email").alias("t"), F.col(m)[k].alias("v")) for m, k in _EMAIL_FIELDS]
    candidates += [F.struct(F.lit("phone").alias("t"), F.col(m)[k].alias("v")) for m, k in _PHONE_FIELDS]
    raw = (
        events.select("event_id", "event_time", "event_date", "source", "country",
                      F.explode(F.array(*candidates)).alias("_id"))
        .select("event_id", "event_time", "event_date", "source", "country",
                F.col("_id.t").alias("identifier_type"), F.col("_id.v").alias("raw_value"))
        .where(F.col("raw_value").isNotNull() & (F.trim(F.col("raw_value")) != ""))
    )
    is_phone = F.col("identifier_type") == "phone"
    others = raw.where(~is_phone).withColumn(
        "value",
        F.when(F.col("identifier_type") == "email", normalize_email_column(F.col("raw_value")))
        .otherwise(F.col("raw_value")),
    )
    # The phone parser is a pandas UDF: run it only on the (few) phone rows, per the event's region.
    phones = raw.where(is_phone).withColumn("value", _normalized_phone(F.col("raw_value"), config))
    hashed = others.unionByName(phones).where(F.col("value").isNotNull())
    return (
        hashed.select(
            "event_id", "event_time", "event_date", "source", "identifier_type",
            keyed_hash_column(F.col("value"), key).alias("identifier_hash"),
        )
        .dropDuplicates(["event_id", "identifier_type", "identifier_hash"])
        .select(*EVENT_IDENTIFIER_SCHEMA.fieldNames())
    )


def _normalized_phone(value: Column, config: IdentityConfig) -> Column:
    """privacy.hashing.normalize_phone in the event's region (local formats need it), one UDF call."""
    regions = F.create_map(*[F.lit(x) for kv in sorted(config.phone_regions.items()) for x in kv])
    region = F.coalesce(F.element_at(regions, F.col("country")), F.lit(config.default_phone_region))
    return pandas_udf(_normalize_phones_in_region, "string")(value, region)  # type: ignore[call-overload]


def _normalize_phones_in_region(values: pd.Series, regions: pd.Series) -> pd.Series:
    seen: dict[tuple[str, str], str | None] = {}
    out: list[str | None] = []
    for value, region in zip(values.tolist(), regions.tolist(), strict=True):
        if not isinstance(value, str):
            out.append(None)
            continue
        if (value, region) not in seen:
            seen[(value, region)] = normalize_phone(value, region)
        out.append(seen[(value, region)])
    return pd.Series(out, dtype=object)


def observed_edges(identifiers: DataFrame) -> DataFrame:
    """Edge observations: every pair of identifiers on one event (src < dst), plus each identifier
    with itself (so identifiers seen alone still exist), summed per edge, source and day.

    Needs: EVENT_IDENTIFIER_SCHEMA. Gives: IDENTITY_EDGES_SCHEMA columns but ``bucket`` (the store
    files each observation under its ends' buckets).
    """
    ids = identifiers.select(
        "event_id", "event_time", "event_date", "source", "identifier_type", "identifier_hash",
        node_key(F.col("identifier_type"), F.col("identifier_hash")).alias("node"),
    )
    left = ids.select(*[F.col(c).alias(f"a_{c}") for c in ids.columns])
    right = ids.select(
        F.col("event_id").alias("b_event_id"), F.col("identifier_type").alias("b_identifier_type"),
        F.col("identifier_hash").alias("b_identifier_hash"), F.col("node").alias("b_node"),
    )
    pairs = left.join(
        right, (F.col("a_event_id") == F.col("b_event_id")) & (F.col("a_node") <= F.col("b_node"))
    )
    return pairs.groupBy(
        F.col("a_identifier_type").alias("src_type"), F.col("a_identifier_hash").alias("src_hash"),
        F.col("b_identifier_type").alias("dst_type"), F.col("b_identifier_hash").alias("dst_hash"),
        F.col("a_source").alias("source"), F.col("a_event_date").alias("event_date"),
    ).agg(
        F.min("a_event_time").alias("first_seen"),
        F.max("a_event_time").alias("last_seen"),
        F.count(F.lit(1)).alias("event_count"),
    )


def graph_edges(edge_log: DataFrame) -> DataFrame:
    """The logical graph: edge-log rows summed per edge (all sources, days and batches).

    Needs: IDENTITY_EDGES_SCHEMA columns, one row per observation (one copy of each). Gives: src, dst
    (node keys), src_type, src_hash, dst_type, dst_hash, first_seen, last_seen, event_count, sources
    (sorted array).
    """
    return edge_log.groupBy("src_type", "src_hash", "dst_type", "dst_hash").agg(
        F.min("first_seen").alias("first_seen"),
        F.max("last_seen").alias("last_seen"),
        F.sum("event_count").alias("event_count"),
        F.array_sort(F.collect_set("source")).alias("sources"),
    ).select(
        node_key(F.col("src_type"), F.col("src_hash")).alias("src"),
        node_key(F.col("dst_type"), F.col("dst_hash")).alias("dst"),
        "*",
    )
