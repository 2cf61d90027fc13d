"""The one table registry: every Delta table's name, schema, partitioning and keys.

The folder of a table under the lake root is its name. Later stages register their tables
here, next to the ones below, so ``clickstitch tables`` and the docs list them all.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql.types import StructType

from lakehouse.schemas import DEAD_LETTER_SCHEMA, EVENT_SCHEMA, INGEST_BATCH_SCHEMA, SILVER_EVENT_SCHEMA


@dataclass(frozen=True)
class TableSpec:
    """A Delta table as the pipeline knows it."""

    name: str
    schema: StructType
    keys: tuple[str, ...]
    partition_by: tuple[str, ...] = ()
    layer: str = "bronze"
    description: str = ""
    privacy_safe: bool = False

    def __post_init__(self) -> None:
        columns = set(self.schema.fieldNames())
        missing = [c for c in (*self.keys, *self.partition_by) if c not in columns]
        if missing:
            raise ValueError(f"table {self.name}: keys/partitions not in schema: {missing}")

    @property
    def data_columns(self) -> list[str]:
        return [c for c in self.schema.fieldNames() if c not in self.partition_by]


EVENTS_BRONZE = TableSpec(
    name="events_bronze",
    schema=EVENT_SCHEMA,
    keys=("event_id",),
    partition_by=("event_date",),
    layer="bronze",
    description="Every valid event from the landing exports, normalized to the canonical schema, "
    "once per event_id. Raw values (restricted access; `forget` deletes from it).",
)

DEAD_LETTER = TableSpec(
    name="dead_letter",
    schema=DEAD_LETTER_SCHEMA,
    keys=("dead_letter_id",),
    layer="bronze",
    description="Records that could not become events: file, line, reason, stage, truncated raw text.",
)

INGEST_BATCHES = TableSpec(
    name="ingest_batches",
    schema=INGEST_BATCH_SCHEMA,
    keys=("batch_id",),
    layer="audit",
    description="One row per committed batch: input records = bronze + dead letters + duplicates "
    "+ out of range.",
)

EVENTS_SILVER = TableSpec(
    name="events_silver",
    schema=SILVER_EVENT_SCHEMA,
    keys=("event_id",),
    partition_by=("event_date",),
    layer="silver",
    description="Bronze events after the privacy field policies: keyed hashes instead of identifiers, "
    "generalized IPs, scrubbed free text; with user-agent and bot columns.",
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec for spec in (EVENTS_BRONZE, DEAD_LETTER, INGEST_BATCHES, EVENTS_SILVER)
}


def table_spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(sorted(TABLES))}") from None


def register(spec: TableSpec) -> TableSpec:
    """Add a table declared by a later stage (identity, privacy, ...)."""
    existing = TABLES.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"table {spec.name!r} is already registered with another definition")
    TABLES[spec.name] = spec
    return spec
