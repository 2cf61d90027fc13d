"""Table specs and the catalog type: a Delta table's name, schema, partitioning and keys.

The folder of a table under the lake root is its name. Each stage package declares the specs of
the tables it owns (``identity/tables.py``, ...); the orchestration layer lists them all in one
explicit ``Catalog`` (``clickstitch.catalog``) that every command, view and ``forget`` reads.
Nothing is registered as a side effect of an import.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyspark.sql.types import StructType

from lakehouse.schemas import DEAD_LETTER_SCHEMA, EVENT_SCHEMA, INGEST_BATCH_SCHEMA


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

# events_silver is assembled from the columns each stage owns: see clickstitch.catalog.
CORE_TABLES: tuple[TableSpec, ...] = (EVENTS_BRONZE, DEAD_LETTER, INGEST_BATCHES)


class UnknownTableError(KeyError):
    """A table name the catalog does not hold."""

    def __str__(self) -> str:
        return str(self.args[0])


class Catalog:
    """An explicit, ordered, immutable set of table specs, looked up by name."""

    def __init__(self, specs: Iterable[TableSpec]) -> None:
        self._specs: dict[str, TableSpec] = {}
        for spec in specs:
            if spec.name in self._specs:
                raise ValueError(f"table {spec.name!r} is listed twice in the catalog")
            self._specs[spec.name] = spec

    def __iter__(self) -> Iterator[TableSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, name: object) -> bool:
        return name in self._specs

    @property
    def names(self) -> list[str]:
        return list(self._specs)

    def spec(self, name: str) -> TableSpec:
        try:
            return self._specs[name]
        except KeyError:
            raise UnknownTableError(f"unknown table {name!r}; known: {', '.join(sorted(self._specs))}") from None
