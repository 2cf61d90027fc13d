"""The one explicit table catalog: every Delta table clickstitch writes, in one place.

Each stage package declares the tables it owns; this list is what every command, view and
``forget`` sees. A new stage adds its tables here (and nowhere else).
"""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType, TimestampType

from anomaly.tables import ANOMALY_TABLES
from botdetect.schemas import SILVER_FIELDS as BOT_SILVER_FIELDS
from botdetect.tables import BOT_SESSIONS
from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from enrich import ENRICH_TABLES
from enrich.tables import SILVER_FIELDS as ENRICH_SILVER_FIELDS
from identity.config import IdentityConfig
from identity.schemas import SILVER_FIELDS as IDENTITY_SILVER_FIELDS
from identity.tables import IDENTITY_TABLES
from lakehouse import (
    DEAD_LETTER,
    EVENTS_BRONZE,
    INGEST_BATCHES,
    Catalog,
    Lakehouse,
    LakehouseError,
    TableSpec,
    open_backend,
)
from lakehouse.schemas import nullable_struct
from metrics.tables import METRICS_TABLES
from privacy.silver import SILVER_FIELDS as PRIVACY_SILVER_FIELDS
from privacy.tables import EVENTS_DAILY_K_ANON, FORGET_RECEIPTS, PRIVACY_AUDIT
from quality.tables import QUALITY_TABLES

# Silver's columns, each list owned by the stage that fills it; privacy's come first (to_silver
# passes the others through). A new stage that adds silver columns appends its list here.
SILVER_CARRIED_FIELDS: tuple[StructField, ...] = (*IDENTITY_SILVER_FIELDS, *BOT_SILVER_FIELDS, *ENRICH_SILVER_FIELDS)
SILVER_EVENT_SCHEMA = StructType([*PRIVACY_SILVER_FIELDS, *SILVER_CARRIED_FIELDS])

EVENTS_SILVER = TableSpec(
    name="events_silver",
    schema=SILVER_EVENT_SCHEMA,
    keys=("event_id",),
    partition_by=("event_date",),
    layer="silver",
    description="Bronze events after the privacy field policies: keyed hashes instead of identifiers, "
    "generalized IPs, scrubbed free text; with the person, user-agent and bot columns.",
)

INGEST_BATCH_STEPS = TableSpec(
    name="ingest_batch_steps",
    schema=nullable_struct(
        ("batch_id", StringType()),
        ("step_index", LongType()),
        ("step", StringType()),
        ("seconds", DoubleType()),
        ("rows", LongType()),
        ("spark_jobs", LongType()),
        ("started_at", TimestampType()),
    ),
    keys=("batch_id", "step"),
    layer="audit",
    description="One row per step of each committed batch: its wall time, its Spark jobs and, where it "
    "matters, the rows it produced (see docs/pipeline.md). Written with ingest_batches.",
    privacy_safe=True,
)

CATALOG = Catalog(
    (
        EVENTS_BRONZE,
        DEAD_LETTER,
        *IDENTITY_TABLES,
        EVENTS_SILVER,
        BOT_SESSIONS,
        *ENRICH_TABLES,
        PRIVACY_AUDIT,
        EVENTS_DAILY_K_ANON,
        *METRICS_TABLES,
        *ANOMALY_TABLES,
        FORGET_RECEIPTS,
        *QUALITY_TABLES,
        INGEST_BATCHES,
        INGEST_BATCH_STEPS,
    )
)


def open_lakehouse(spark: SparkSession, config: ClickstitchConfig, catalog: Catalog = CATALOG) -> Lakehouse:
    """The lakehouse of this config: the configured (or detected) backend serving the catalog."""
    try:
        backend = open_backend(spark, config.lake.backend, config.lake.root)
    except LakehouseError as exc:
        raise ClickstitchError(str(exc)) from None
    return Lakehouse(spark, backend, catalog)


def identity_args(config: ClickstitchConfig) -> tuple[IdentityConfig, bytes]:
    """(identity section, hashing key): what the identity stage functions take from the root config."""
    return config.identity, config.secrets.hash_key_bytes()
