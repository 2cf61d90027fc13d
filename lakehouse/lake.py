"""The lakehouse: every Delta read and write of the pipeline goes through here.

A ``Lakehouse`` is a backend (``open_backend``: ``auto`` means delta-spark when Delta's JVM classes
are on the classpath, delta-rs otherwise) plus the explicit table catalog it serves, so tables are
known by name to every command without any import having registered them.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession

from lakehouse.backend import Commit, DeltaBackend, TableInfo, WriteResult
from lakehouse.deltars import DeltaRsBackend
from lakehouse.deltaspark import DeltaSparkBackend, delta_classes_available
from lakehouse.registry import Catalog, TableSpec

log = logging.getLogger(__name__)


class LakehouseError(Exception):
    """The lake cannot be opened as configured (the message says what to change)."""


class Lakehouse:
    """The catalog's tables by name, on one backend."""

    def __init__(self, spark: SparkSession, backend: DeltaBackend, catalog: Catalog) -> None:
        self.spark = spark
        self.backend = backend
        self.catalog = catalog

    def spec(self, table: str | TableSpec) -> TableSpec:
        return table if isinstance(table, TableSpec) else self.catalog.spec(table)

    def ensure_all(self) -> None:
        for spec in self.catalog:
            self.backend.ensure(spec)

    def read(self, table: str | TableSpec, partitions: dict[str, Sequence[str]] | None = None) -> DataFrame:
        return self.backend.read(self.spec(table), partitions)

    def read_arrow(
        self,
        table: str | TableSpec,
        columns: Sequence[str],
        partitions: dict[str, Sequence[str]] | None = None,
        any_in: Mapping[str, Collection[str]] | None = None,
    ) -> pa.Table:
        """Some columns of a table's rows in the driver: those whose value in one of ``any_in``'s columns
        is in its set (every row without it), in the given partitions. For small lookups only."""
        return self.backend.read_arrow(self.spec(table), columns, partitions, any_in)

    def committed_batch(self, table: str | TableSpec, writer_id: str) -> int | None:
        return self.backend.committed_batch(self.spec(table), writer_id)

    def append(self, table: str | TableSpec, df: DataFrame, writer_id: str, batch_id: int) -> WriteResult:
        """Append once per (writer_id, batch_id): a replayed batch is skipped, not duplicated."""
        result = self.backend.append(self.spec(table), df, writer_id, batch_id)
        _log_write(result, writer_id, batch_id)
        return result

    def append_new_keys(
        self, table: str | TableSpec, df: DataFrame, writer_id: str, batch_id: int
    ) -> WriteResult:
        """Append, once per (writer_id, batch_id), the rows whose keys the table does not hold yet.

        Only the partitions the batch touches are read for the key check.
        """
        spec = self.spec(table)
        done = self.backend.committed_batch(spec, writer_id)
        if done is not None and done >= batch_id:
            result = WriteResult(spec.name, False, self.backend.version(spec), 0)
            _log_write(result, writer_id, batch_id)
            return result
        partitions: dict[str, Sequence[str]] | None = None
        if spec.partition_by:
            column = spec.partition_by[0]
            values = [r[0] for r in df.select(column).distinct().collect() if r[0] is not None]
            partitions = {column: [str(v) for v in values]}
        existing = self.backend.read(spec, partitions).select(*spec.keys)
        fresh = df.join(existing, on=list(spec.keys), how="left_anti")
        result = self.backend.append(spec, fresh, writer_id, batch_id)
        _log_write(result, writer_id, batch_id)
        return result

    def replace_partitions(
        self,
        table: str | TableSpec,
        df: DataFrame,
        partition_range: tuple[str, str],
        writer_id: str,
        batch_id: int,
    ) -> WriteResult:
        """Atomically replace every partition in the inclusive range with the given rows."""
        result = self.backend.replace_partitions(self.spec(table), df, partition_range, writer_id, batch_id)
        _log_write(result, writer_id, batch_id)
        return result

    def upsert(self, table: str | TableSpec, df: DataFrame) -> WriteResult:
        return self.backend.upsert(self.spec(table), df)

    def delete(self, table: str | TableSpec, predicate: str) -> int:
        return self.backend.delete(self.spec(table), predicate)

    def vacuum(self, table: str | TableSpec) -> int:
        return self.backend.vacuum(self.spec(table))

    def info(self, table: str | TableSpec) -> TableInfo:
        return self.backend.info(self.spec(table))

    def version(self, table: str | TableSpec) -> int:
        """The table's latest version (cheaper than ``info``: no row or file counts)."""
        return self.backend.version(self.spec(table))

    def history(self, table: str | TableSpec) -> list[Commit]:
        return self.backend.history(self.spec(table))

    def exists(self, table: str | TableSpec) -> bool:
        return self.backend.exists(self.spec(table))


def open_backend(spark: SparkSession, choice: str, root: Path | str) -> DeltaBackend:
    """The Delta backend named by ``lake.backend`` (``auto``: delta-spark when its classes load)."""
    if choice == "auto":
        choice = "delta-spark" if delta_classes_available(spark) else "delta-rs"
    if choice == "delta-spark":
        if not delta_classes_available(spark):
            raise LakehouseError(
                "lake.backend is delta-spark but Delta's JVM classes are not on the classpath: "
                "start with spark-submit --packages io.delta:delta-spark_2.13:<version>, or use delta-rs"
            )
        backend: DeltaBackend = DeltaSparkBackend(spark, str(root))
    else:
        backend = DeltaRsBackend(spark, Path(root))
    log.info("lakehouse at %s on %s", root, backend.name)
    return backend


def _log_write(result: WriteResult, writer_id: str, batch_id: int) -> None:
    if result.committed:
        log.info("%s: wrote %s rows (version %s, %s batch %s)", result.table, result.rows, result.version,
                 writer_id, batch_id)
    else:
        log.info("%s: %s batch %s already committed, skipped", result.table, writer_id, batch_id)
