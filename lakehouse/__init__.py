"""Delta lakehouse layer: table specs, the catalog type and the one place that reads and writes tables."""

from lakehouse.backend import Commit, TableInfo, WriteResult
from lakehouse.days import DayRange
from lakehouse.lake import Lakehouse, LakehouseError, open_backend
from lakehouse.registry import (
    CORE_TABLES,
    DEAD_LETTER,
    EVENTS_BRONZE,
    INGEST_BATCHES,
    Catalog,
    TableSpec,
    UnknownTableError,
)

__all__ = [
    "CORE_TABLES",
    "DEAD_LETTER",
    "EVENTS_BRONZE",
    "INGEST_BATCHES",
    "Catalog",
    "Commit",
    "DayRange",
    "Lakehouse",
    "LakehouseError",
    "TableInfo",
    "TableSpec",
    "UnknownTableError",
    "WriteResult",
    "open_backend",
]
