"""Delta lakehouse layer: the table registry and the one place that reads and writes tables."""

from lakehouse.backend import Commit, TableInfo, WriteResult
from lakehouse.lake import Lakehouse, open_lakehouse
from lakehouse.registry import (
    DEAD_LETTER,
    EVENTS_BRONZE,
    EVENTS_SILVER,
    INGEST_BATCHES,
    TABLES,
    TableSpec,
    register,
    table_spec,
)

__all__ = [
    "DEAD_LETTER",
    "EVENTS_BRONZE",
    "EVENTS_SILVER",
    "INGEST_BATCHES",
    "TABLES",
    "Commit",
    "Lakehouse",
    "TableInfo",
    "TableSpec",
    "WriteResult",
    "open_lakehouse",
    "register",
    "table_spec",
]
