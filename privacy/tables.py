"""Tables the privacy stages write (listed in the catalog, ``clickstitch.catalog``).

* ``privacy_audit`` (audit): per batch, field and entity type, how many entities were found and
  replaced. Counts only: never a value, never a row id.
* ``forget_receipts`` (audit): one row per erasure request; a request hash, person ids and row counts.
* ``events_daily_k_anon`` (gold, privacy-safe): daily events by country, device category and event
  name, cells with fewer than ``k`` distinct persons suppressed (``privacy.kanon``).
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DateType,
    LongType,
    MapType,
    StringType,
    TimestampType,
)

from lakehouse import TableSpec
from lakehouse.schemas import nullable_struct
from privacy.stages import PII_COUNTS_COLUMN

PRIVACY_AUDIT_SCHEMA = nullable_struct(
    ("batch_id", StringType()),
    ("field", StringType()),
    ("entity_type", StringType()),
    ("found", LongType()),
    ("replaced", LongType()),
    ("rows", LongType()),
)

FORGET_RECEIPT_SCHEMA = nullable_struct(
    ("receipt_id", StringType()),
    ("request_hash", StringType()),
    ("identifier_type", StringType()),
    ("person_ids", ArrayType(StringType(), True)),
    ("rows_removed", MapType(StringType(), LongType(), True)),
    ("total_rows_removed", LongType()),
    ("files_vacuumed", LongType()),
    ("requested_at", TimestampType()),
    ("completed_at", TimestampType()),
)

EVENTS_DAILY_K_ANON_SCHEMA = nullable_struct(
    ("event_date", DateType()),
    ("country", StringType()),
    ("device_category", StringType()),
    ("event_name", StringType()),
    ("persons", LongType()),
    ("events", LongType()),
)

PRIVACY_AUDIT = TableSpec(
    name="privacy_audit",
    schema=PRIVACY_AUDIT_SCHEMA,
    keys=("batch_id", "field", "entity_type"),
    layer="audit",
    description="Per batch, field and entity type: entities found and replaced (scrubbed, hashed, "
    "generalized or dropped) on the way to silver. Counts only, never values.",
    privacy_safe=True,
)

FORGET_RECEIPTS = TableSpec(
    name="forget_receipts",
    schema=FORGET_RECEIPT_SCHEMA,
    keys=("receipt_id",),
    layer="audit",
    description="One row per erasure request: request hash (keyed, domain-separated from the "
    "identifier hashes), person ids, rows removed per table, files vacuumed. No PII.",
    privacy_safe=True,
)

EVENTS_DAILY_K_ANON = TableSpec(
    name="events_daily_k_anon",
    schema=EVENTS_DAILY_K_ANON_SCHEMA,
    keys=("event_date", "country", "device_category", "event_name"),
    partition_by=("event_date",),
    layer="gold",
    description="Human events per day, country, device category and event name; cells with fewer "
    "than privacy.k_anonymity distinct persons are suppressed. Safe to publish.",
    privacy_safe=True,
)


def audit_rows(silver_with_counts: DataFrame, batch_id: str) -> DataFrame:
    """The ``privacy_audit`` rows of one batch.

    Needs: ``pii_entity_counts`` (``to_silver`` / ``scrub_free_text`` output). Gives:
    PRIVACY_AUDIT_SCHEMA columns, one row per (field, entity_type): found = replaced = entities
    (every entity found is replaced: placeholder, keyed hash, network prefix or removal), rows = rows
    holding at least one. A pure aggregation: run it on the same (persisted) batch as the silver write.
    """
    exploded = silver_with_counts.select(F.explode(PII_COUNTS_COLUMN).alias("finding")).select("finding.*")
    counted = exploded.groupBy("field", "entity_type").agg(
        F.sum("count").cast("long").alias("found"), F.count(F.lit(1)).cast("long").alias("rows")
    )
    return counted.select(
        F.lit(batch_id).alias("batch_id"),
        "field",
        "entity_type",
        "found",
        F.col("found").alias("replaced"),
        "rows",
    )
