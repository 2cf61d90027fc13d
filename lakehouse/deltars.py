"""Embedded Delta backend: Spark writes the Parquet files, delta-rs commits them.

Data never passes through the driver: Spark writes each batch's files in parallel into a
staging folder inside the table, they are moved into the table's partition folders, and one
delta-rs transaction adds them (with the writer's transaction id, which makes the append
exactly-once). Reads hand the snapshot's file list to Spark's Parquet reader. Files that were
moved but never committed (a crash in between) are invisible to readers and removed by vacuum.

Targets local or mounted storage; clusters with object stores use the delta-spark backend.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
from deltalake import CommitProperties, DeltaTable, Transaction
from deltalake.transaction import AddAction, RemoveAction
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.pandas.types import to_arrow_schema

from lakehouse.backend import Commit, TableInfo, WriteResult
from lakehouse.registry import TableSpec

_NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"


class DeltaRsBackend:
    name = "delta-rs"

    def __init__(self, spark: SparkSession, root: Path) -> None:
        self.spark = spark
        self.root = Path(root).absolute()

    # -- table handles ------------------------------------------------------------------------
    def path(self, spec: TableSpec) -> Path:
        return self.root / spec.name

    def exists(self, spec: TableSpec) -> bool:
        return DeltaTable.is_deltatable(str(self.path(spec)))

    def ensure(self, spec: TableSpec) -> None:
        if self.exists(spec):
            return
        self.path(spec).mkdir(parents=True, exist_ok=True)
        DeltaTable.create(
            str(self.path(spec)),
            schema=_arrow_schema(spec),
            partition_by=list(spec.partition_by) or None,
            mode="ignore",
            name=spec.name,
            description=spec.description or None,
        )

    def version(self, spec: TableSpec) -> int:
        return self._table(spec).version()

    def _table(self, spec: TableSpec) -> DeltaTable:
        self.ensure(spec)
        return DeltaTable(str(self.path(spec)))

    # -- reads --------------------------------------------------------------------------------
    def read(self, spec: TableSpec, partitions: dict[str, Sequence[str]] | None = None) -> DataFrame:
        """The current snapshot as a Spark DataFrame, optionally pruned to some partition values."""
        actions = pa.table(self._table(spec).get_add_actions(flatten=True))
        keep = [True] * actions.num_rows
        for column, values in (partitions or {}).items():
            wanted = {str(v) for v in values}
            found = actions.column(f"partition.{column}").to_pylist()
            keep = [k and (v is not None and str(v) in wanted) for k, v in zip(keep, found, strict=True)]
        paths = [p for p, k in zip(actions.column("path").to_pylist(), keep, strict=True) if k]
        return self.read_files(spec, paths)

    def read_arrow(
        self,
        spec: TableSpec,
        columns: Sequence[str],
        partitions: dict[str, Sequence[str]] | None = None,
        any_in: Mapping[str, Collection[str]] | None = None,
    ) -> pa.Table:
        """Some columns of the rows whose value in one of ``any_in``'s columns is in its set, read by
        delta-rs and pyarrow in the driver: no Spark job, for the small lookups a batch makes."""
        if any(not values for values in (partitions or {}).values()):
            return _arrow_schema(spec).empty_table().select(list(columns))
        pruned = [(column, "in", [str(v) for v in values]) for column, values in (partitions or {}).items()]
        dataset = self._table(spec).to_pyarrow_dataset(file_pruning_predicate=pruned or None)
        return dataset.to_table(columns=list(columns), filter=_any_in(any_in))

    def read_files(self, spec: TableSpec, paths: Sequence[str]) -> DataFrame:
        """The rows of some of the table's data files (paths relative to the table, as in the log)."""
        if not paths:
            return self.spark.createDataFrame([], spec.schema)
        base = self.path(spec)
        # Plain file: URIs: Hadoop does not decode percent-escapes such as %3D in as_uri().
        files = [f"file://{base / unquote(p)}" for p in paths]
        reader = self.spark.read.schema(spec.schema).option("basePath", f"file://{base}")
        return reader.parquet(*files).select(*spec.schema.fieldNames())

    def committed_batch(self, spec: TableSpec, writer_id: str) -> int | None:
        return self._table(spec).transaction_version(writer_id)

    # -- writes -------------------------------------------------------------------------------
    def append(self, spec: TableSpec, df: DataFrame, writer_id: str, batch_id: int) -> WriteResult:
        table = self._table(spec)
        done = table.transaction_version(writer_id)
        if done is not None and done >= batch_id:
            return WriteResult(spec.name, False, table.version(), 0)
        actions = self._stage_files(spec, df)
        table.create_write_transaction(
            actions,
            mode="append",
            schema=_arrow_schema(spec),
            partition_by=list(spec.partition_by) or None,
            commit_properties=_commit_properties(writer_id, batch_id),
        )
        return WriteResult(spec.name, True, self.version(spec), _rows(actions))

    def replace_partitions(
        self,
        spec: TableSpec,
        df: DataFrame,
        partition_range: tuple[str, str],
        writer_id: str,
        batch_id: int,
    ) -> WriteResult:
        if not spec.partition_by:
            raise ValueError(f"table {spec.name} is not partitioned")
        column = spec.partition_by[0]
        low, high = partition_range
        table = self._table(spec)
        actions = self._stage_files(spec, df)
        outside = [
            a.path for a in actions
            if isinstance(a, AddAction) and not (low <= str(a.partition_values[column]) <= high)
        ]
        if outside:
            raise ValueError(f"{spec.name}: rows outside {column} in [{low}, {high}]: {outside[:3]}")
        table.create_write_transaction(
            actions,
            mode="overwrite",
            schema=_arrow_schema(spec),
            partition_by=list(spec.partition_by),
            partition_filters=[(column, ">=", low), (column, "<=", high)],
            commit_properties=_commit_properties(writer_id, batch_id),
        )
        return WriteResult(spec.name, True, self.version(spec), _rows(actions))

    def upsert(self, spec: TableSpec, df: DataFrame) -> WriteResult:
        """Merge by key. The source is one batch's rows, brought to the driver as Arrow."""
        table = self._table(spec)
        source = df.select(*spec.schema.fieldNames()).toArrow().cast(_arrow_schema(spec))
        if source.num_rows == 0:
            return WriteResult(spec.name, False, table.version(), 0)
        predicate = " AND ".join(f"target.{k} = source.{k}" for k in spec.keys)
        (
            table.merge(source, predicate=predicate, source_alias="source", target_alias="target")
            .when_matched_update_all()
            .when_not_matched_insert_all()
            .execute()
        )
        return WriteResult(spec.name, True, self.version(spec), source.num_rows)

    def delete(self, spec: TableSpec, predicate: str) -> int:
        metrics = self._table(spec).delete(predicate)
        return int(metrics.get("num_deleted_rows", 0) or 0)

    def vacuum(self, spec: TableSpec) -> int:
        removed = self._table(spec).vacuum(retention_hours=0, dry_run=False, enforce_retention_duration=False)
        return len(removed)

    # -- metadata -----------------------------------------------------------------------------
    def info(self, spec: TableSpec) -> TableInfo:
        table = self._table(spec)
        actions = pa.table(table.get_add_actions(flatten=True))
        rows = sum(n or 0 for n in actions.column("num_records").to_pylist()) if actions.num_rows else 0
        last = table.history(1)
        when = datetime.fromtimestamp(last[0]["timestamp"] / 1000, UTC) if last else None
        return TableInfo(spec.name, table.version(), rows, actions.num_rows, when)

    def history(self, spec: TableSpec) -> list[Commit]:
        return [_commit(entry) for entry in reversed(self._table(spec).history())]

    # -- internals ----------------------------------------------------------------------------
    def _stage_files(self, spec: TableSpec, df: DataFrame) -> list[AddAction | RemoveAction]:
        """Let Spark write the rows as Parquet, move the files into the table, describe them."""
        table_dir = self.path(spec)
        staging = table_dir / "_staging" / uuid.uuid4().hex
        writer = df.select(*spec.schema.fieldNames()).write.mode("overwrite")
        if spec.partition_by:
            writer = writer.partitionBy(*spec.partition_by)
        writer.parquet(f"file://{staging}")
        actions: list[AddAction | RemoveAction] = []
        for staged in sorted(staging.rglob("*.parquet")):
            relative_dir = staged.parent.relative_to(staging)
            target = table_dir / relative_dir / staged.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staged, target)
            stat = target.stat()
            actions.append(
                AddAction(
                    path=quote(str(target.relative_to(table_dir)), safe="/=-_.~"),
                    size=stat.st_size,
                    partition_values=_partition_values(relative_dir, spec.partition_by),
                    modification_time=int(stat.st_mtime * 1000),
                    data_change=True,
                    stats=json.dumps({"numRecords": pq.read_metadata(target).num_rows}),
                )
            )
        shutil.rmtree(staging, ignore_errors=True)
        return actions


def _arrow_schema(spec: TableSpec) -> pa.Schema:
    return to_arrow_schema(spec.schema)


def _partition_values(relative_dir: Path, partition_by: Sequence[str]) -> dict[str, str | None]:
    values: dict[str, str | None] = {}
    for part in relative_dir.parts:
        key, _, value = part.partition("=")
        values[unquote(key)] = None if value == _NULL_PARTITION else unquote(value)
    missing = [c for c in partition_by if c not in values]
    if missing:
        raise RuntimeError(f"Spark wrote a file outside partition folders {missing}: {relative_dir}")
    return values


def _rows(actions: list[AddAction | RemoveAction]) -> int:
    return sum(json.loads(a.stats)["numRecords"] for a in actions if isinstance(a, AddAction))


def _commit_properties(writer_id: str, batch_id: int) -> CommitProperties:
    return CommitProperties(
        custom_metadata={"clickstitch.writer": writer_id, "clickstitch.batch": str(batch_id)},
        app_transactions=[Transaction(writer_id, batch_id)],
    )


def _commit(entry: dict[str, Any]) -> Commit:
    parameters = entry.get("operationParameters") or {}
    for key in ("clickstitch.writer", "clickstitch.batch"):
        if key in entry:
            parameters = {**parameters, key: entry[key]}
    return Commit(
        version=int(entry.get("version", -1)),
        timestamp=datetime.fromtimestamp(entry["timestamp"] / 1000, UTC),
        operation=str(entry.get("operation", "")),
        parameters=parameters,
    )


def _any_in(any_in: Mapping[str, Collection[str]] | None) -> ds.Expression | None:
    """Rows whose value in any of the columns is in that column's set (None: every row)."""
    if not any_in:
        return None
    tests = [ds.field(column).isin(pa.array(list(values), pa.string())) for column, values in any_in.items()]
    return reduce(or_, tests)
