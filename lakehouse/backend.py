"""What every Delta backend offers the pipeline. Both backends write real Delta tables."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import pyarrow as pa
from pyspark.sql import DataFrame

from lakehouse.registry import TableSpec


@dataclass(frozen=True)
class WriteResult:
    """Outcome of one write. ``committed`` is False when the (writer, batch) was already in the table."""

    table: str
    committed: bool
    version: int
    rows: int


@dataclass(frozen=True)
class TableInfo:
    name: str
    version: int
    rows: int
    files: int
    last_commit: datetime | None


@dataclass(frozen=True)
class Commit:
    version: int
    timestamp: datetime
    operation: str
    parameters: dict[str, Any]


class DeltaBackend(Protocol):
    name: str

    def exists(self, spec: TableSpec) -> bool: ...

    def ensure(self, spec: TableSpec) -> None: ...

    def read(self, spec: TableSpec, partitions: dict[str, Sequence[str]] | None = None) -> DataFrame: ...

    def read_arrow(
        self,
        spec: TableSpec,
        columns: Sequence[str],
        partitions: dict[str, Sequence[str]] | None = None,
        any_in: Mapping[str, Collection[str]] | None = None,
    ) -> pa.Table: ...

    def committed_batch(self, spec: TableSpec, writer_id: str) -> int | None: ...

    def append(self, spec: TableSpec, df: DataFrame, writer_id: str, batch_id: int) -> WriteResult: ...

    def replace_partitions(
        self,
        spec: TableSpec,
        df: DataFrame,
        partition_range: tuple[str, str],
        writer_id: str,
        batch_id: int,
    ) -> WriteResult: ...

    def upsert(self, spec: TableSpec, df: DataFrame) -> WriteResult: ...

    def delete(self, spec: TableSpec, predicate: str) -> int: ...

    def vacuum(self, spec: TableSpec) -> int: ...

    def version(self, spec: TableSpec) -> int: ...

    def info(self, spec: TableSpec) -> TableInfo: ...

    def history(self, spec: TableSpec) -> list[Commit]: ...
