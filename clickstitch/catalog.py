"""The one explicit table catalog: every Delta table clickstitch writes, in one place.

Each stage package declares the tables it owns; this list is what every command, view and
``forget`` sees. A new stage adds its tables here (and nowhere else).
"""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql.types import DoubleType, LongType, StringType, TimestampType

from botdetect.tables import BOT_SESSIONS
from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from identity.config import IdentityConfig
from identity.tables import IDENTITY_TABLES
from lakehouse import (
    DEAD_LETTER,
    EVENTS_BRONZE,
    EVENTS_SILVER,
    INGEST_BATCHES,
    Catalog,
    Lakehouse,
    LakehouseError,
    TableSpec,
    open_backend,
)
from lakehouse.schemas import nullable_struct
from privacy.tables import EVENTS_DAILY_K_ANON, FORGET_RECEIPTS, PRIVACY_AUDIT

INGEST_BATCH_STEPS = TableSpec(
    name="ingest_batch_steps",
    schema=nullable_struct(
        ("batch_id", StringType()),
        ("step_index", LongType()),
        ("step", StringType()),
        ("seconds", DoubleType()),
        ("rows", LongType()),
        ("started_at", TimestampType()),
    ),
    keys=("batch_id", "step"),
    layer="audit",
    description="One row per step of each committed batch: its wall time and, where it matters, the rows "
    "it produced (see docs/pipeline.md). Written with ingest_batches.",
    privacy_safe=True,
)

CATALOG = Catalog(
    (
        EVENTS_BRONZE,
        DEAD_LETTER,
        *IDENTITY_TABLES,
        EVENTS_SILVER,
        BOT_SESSIONS,
        PRIVACY_AUDIT,
        EVENTS_DAILY_K_ANON,
        FORGET_RECEIPTS,
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
