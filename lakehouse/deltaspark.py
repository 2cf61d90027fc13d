"""Cluster Delta backend: delta-spark, when Delta's JVM classes are on the classpath.

Same tables and the same operations as the embedded backend (``deltars.py``), so a table written
by one is read and appended by the other. Exactly-once appends use Delta's own ``txnAppId`` /
``txnVersion`` write options: Delta skips a write whose (app id, version) is not above the one its
log holds for that app id, and ``committed_batch`` reads that transaction from the log (a ``txn``
action, the same one delta-rs writes and reads). Row counts come from the commit's
``operationMetrics``. Locally the jars come from ``make jars``; on a cluster from ``spark-submit
--packages io.delta:delta-spark_2.13:4.1.0`` (README).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyspark.errors import AnalysisException
from pyspark.sql import DataFrame, DataFrameWriter, Row, SparkSession
from pyspark.sql import functions as F

from lakehouse.backend import Commit, TableInfo, WriteResult
from lakehouse.registry import TableSpec

# Commit metadata keys, the same as the embedded backend's (clickstitch tables --history shows them).
_WRITER_KEY, _BATCH_KEY = "clickstitch.writer", "clickstitch.batch"


def delta_classes_available(spark: SparkSession) -> bool:
    """True when io.delta.tables.DeltaTable can be loaded by the session's JVM."""
    jvm = getattr(spark, "_jvm", None)
    if jvm is None:
        return False
    try:
        loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
        jvm.java.lang.Class.forName("io.delta.tables.DeltaTable", False, loader)
        return True
    except Exception:  # Py4JJavaError: ClassNotFoundException
        return False


class DeltaSparkBackend:
    name = "delta-spark"

    def __init__(self, spark: SparkSession, root: str) -> None:
        from delta.tables import DeltaTable  # imported late: needs the JVM classes

        self._delta_table = DeltaTable
        self.spark = spark
        text = str(root).rstrip("/")
        # A local folder is made absolute, as the embedded backend does; URIs (s3://, abfss://) stay.
        self.root = text if "://" in text else str(Path(text).absolute())
        self._known: set[str] = set()

    def location(self, spec: TableSpec) -> str:
        return f"{self.root}/{spec.name}"

    # -- table handles ------------------------------------------------------------------------
    def exists(self, spec: TableSpec) -> bool:
        return bool(self._delta_table.isDeltaTable(self.spark, self.location(spec)))

    def ensure(self, spec: TableSpec) -> None:
        if spec.name in self._known or self.exists(spec):
            self._known.add(spec.name)
            return
        builder = (
            self._delta_table.createIfNotExists(self.spark)
            .location(self.location(spec))
            .addColumns(spec.schema)
        )
        # No per-column min/max statistics in the log (the embedded backend writes numRecords only):
        # they would copy raw values (identifiers) into _delta_log, out of reach of `forget`'s vacuum.
        builder = builder.property("delta.dataSkippingNumIndexedCols", "0")
        if spec.description:
            builder = builder.comment(spec.description)
        if spec.partition_by:
            builder = builder.partitionedBy(*spec.partition_by)
        builder.execute()
        self._known.add(spec.name)

    def _table(self, spec: TableSpec):  # type: ignore[no-untyped-def]
        self.ensure(spec)
        return self._delta_table.forPath(self.spark, self.location(spec))

    def _last_commit(self, spec: TableSpec) -> Row:
        return self._table(spec).history(1).collect()[0]

    # Metadata from the log files themselves: a commit's ``commitInfo`` and its checksum (``.crc``:
    # file count, set transactions) are small JSON files; Delta's own accessors (history, snapshot
    # state) run a Spark job each, which cost a micro-batch more than its own work.
    def _log(self, spec: TableSpec):  # type: ignore[no-untyped-def]
        jvm = self.spark._jvm
        assert jvm is not None
        return jvm.org.apache.spark.sql.delta.DeltaLog.forTable(self.spark._jsparkSession, self.location(spec))

    def version(self, spec: TableSpec) -> int:
        """The table's latest version (lists the log folder; no Spark job)."""
        self.ensure(spec)
        jvm = self.spark._jvm
        assert jvm is not None
        none = jvm.scala.Option.empty()
        return int(self._log(spec).update(False, none, none).version())

    def _log_json(self, spec: TableSpec, name: str) -> list[dict[str, Any]] | None:
        """The JSON lines of one file of the table's _delta_log, or None when it is not there."""
        jvm = self.spark._jvm
        assert jvm is not None
        log = self._log(spec)
        path = jvm.org.apache.hadoop.fs.Path(log.logPath(), name)
        if not path.getFileSystem(log.newDeltaHadoopConf()).exists(path):
            return None
        lines = jvm.scala.jdk.javaapi.CollectionConverters.asJava(log.store().read(path, log.newDeltaHadoopConf()))
        try:
            return [json.loads(line) for line in lines if line.strip()]
        except ValueError:  # a checksum being written as we read: use Delta's accessors instead
            return None

    def _checksum(self, spec: TableSpec, version: int) -> dict[str, Any] | None:
        found = self._log_json(spec, f"{version:020d}.crc")
        return found[0] if found else None

    def _commit_info(self, spec: TableSpec, version: int) -> dict[str, Any]:
        for action in self._log_json(spec, f"{version:020d}.json") or []:
            if "commitInfo" in action:
                return dict(action["commitInfo"])
        return {}

    # -- reads --------------------------------------------------------------------------------
    def read(self, spec: TableSpec, partitions: dict[str, Sequence[str]] | None = None) -> DataFrame:
        self.ensure(spec)
        df = self.spark.read.format("delta").load(self.location(spec))
        for column, values in (partitions or {}).items():
            df = df.where(F.col(column).cast("string").isin([str(v) for v in values]))
        return df.select(*spec.schema.fieldNames())

    def read_arrow(
        self,
        spec: TableSpec,
        columns: Sequence[str],
        partitions: dict[str, Sequence[str]] | None = None,
        any_in: Mapping[str, Collection[str]] | None = None,
    ) -> pa.Table:
        """Some columns of the rows whose value in one of ``any_in``'s columns is in its set, brought to
        the driver as Arrow (one Spark job)."""
        df = self.read(spec, partitions)
        if any_in:
            df = df.where(reduce(or_, [F.col(c).isin(list(values)) for c, values in any_in.items()]))
        return df.select(*columns).toArrow()

    def committed_batch(self, spec: TableSpec, writer_id: str) -> int | None:
        """The writer's last transaction version in the table's log (Delta's ``txn`` action).

        Read from the latest checksum's ``setTransactions`` (Delta writes it with every commit), else
        from the snapshot's state (a Spark job: a version committed by delta-rs has no checksum).
        """
        checksum = self._checksum(spec, self.version(spec))
        if checksum is not None and checksum.get("setTransactions") is not None:
            found = [int(t["version"]) for t in checksum["setTransactions"] if t.get("appId") == writer_id]
            return max(found) if found else None
        jvm = self.spark._jvm
        assert jvm is not None
        none = jvm.scala.Option.empty()
        txn = self._log(spec).update(False, none, none).transactions().get(writer_id)
        return int(txn.get()) if txn.isDefined() else None

    # -- writes -------------------------------------------------------------------------------
    def _writer(self, df: DataFrame, spec: TableSpec, writer_id: str, batch_id: int, *, txn: bool) -> DataFrameWriter:
        writer = df.select(*spec.schema.fieldNames()).write.format("delta")
        if txn:
            writer = writer.option("txnAppId", writer_id).option("txnVersion", batch_id)
        writer = writer.option("userMetadata", json.dumps({_WRITER_KEY: writer_id, _BATCH_KEY: str(batch_id)}))
        return writer.partitionBy(*spec.partition_by) if spec.partition_by else writer

    def _result(self, spec: TableSpec, before: int) -> WriteResult:
        version = self.version(spec)
        if version == before:  # Delta skipped the write: its txn was already in the log
            return WriteResult(spec.name, False, version, 0)
        metrics = self._commit_info(spec, version).get("operationMetrics") or {}
        return WriteResult(spec.name, True, version, int(metrics.get("numOutputRows", 0)))

    def append(self, spec: TableSpec, df: DataFrame, writer_id: str, batch_id: int) -> WriteResult:
        before = self.version(spec)
        done = self.committed_batch(spec, writer_id)
        if done is not None and done >= batch_id:  # no write job at all for a replayed batch
            return WriteResult(spec.name, False, before, 0)
        # The txn options still guard the commit itself (a replay racing this one is skipped by Delta).
        self._writer(df, spec, writer_id, batch_id, txn=True).mode("append").save(self.location(spec))
        return self._result(spec, before)

    def replace_partitions(
        self,
        spec: TableSpec,
        df: DataFrame,
        partition_range: tuple[str, str],
        writer_id: str,
        batch_id: int,
    ) -> WriteResult:
        """Replace the range in one commit. Like the embedded backend, a replace always commits (the
        same rows again are the same table); the txn is recorded when the batch is new to the table."""
        if not spec.partition_by:
            raise ValueError(f"table {spec.name} is not partitioned")
        column = spec.partition_by[0]
        low, high = partition_range
        before = self.version(spec)
        done = self.committed_batch(spec, writer_id)
        new_batch = done is None or done < batch_id
        try:
            (
                self._writer(df, spec, writer_id, batch_id, txn=new_batch)
                .mode("overwrite")
                .option("replaceWhere", f"{column} >= '{low}' AND {column} <= '{high}'")
                .save(self.location(spec))
            )
        except AnalysisException as exc:
            if "DELTA_REPLACE_WHERE_MISMATCH" in str(exc):
                raise ValueError(f"{spec.name}: rows outside {column} in [{low}, {high}]") from None
            raise
        return self._result(spec, before)

    def upsert(self, spec: TableSpec, df: DataFrame) -> WriteResult:
        before = self.version(spec)
        condition = " AND ".join(f"target.{k} = source.{k}" for k in spec.keys)
        (
            self._table(spec)
            .alias("target")
            .merge(df.select(*spec.schema.fieldNames()).alias("source"), condition)
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        )
        version = self.version(spec)
        if version == before:
            return WriteResult(spec.name, False, before, 0)
        metrics = self._commit_info(spec, version).get("operationMetrics") or {}
        rows = int(metrics.get("numTargetRowsInserted", 0)) + int(metrics.get("numTargetRowsUpdated", 0))
        return WriteResult(spec.name, True, version, rows)

    def delete(self, spec: TableSpec, predicate: str) -> int:
        before = self.version(spec)
        self._table(spec).delete(predicate)
        version = self.version(spec)
        if version == before:
            return 0
        return int((self._commit_info(spec, version).get("operationMetrics") or {}).get("numDeletedRows", 0))

    def vacuum(self, spec: TableSpec) -> int:
        """Remove every file the current version does not use (retention 0: `forget` needs the old
        versions' files gone). Returns the number of files removed, from the VACUUM END commit."""
        conf = self.spark.conf
        conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        conf.set("spark.databricks.delta.vacuum.logging.enabled", "true")
        self._table(spec).vacuum(0.0)
        last = self._last_commit(spec)
        if last["operation"] != "VACUUM END":
            return 0
        return int((last["operationMetrics"] or {}).get("numDeletedFiles", 0))

    def register_table(self, spec: TableSpec) -> None:
        """Name the table in the session's catalog (Delta's DeltaCatalog), by its location, so SQL
        such as ``DESCRIBE HISTORY events_bronze`` works. Dropping the entry never touches the data."""
        self.spark.catalog.dropTempView(spec.name)
        self.spark.sql(f"DROP TABLE IF EXISTS spark_catalog.default.{spec.name}")
        self.spark.sql(f"CREATE TABLE spark_catalog.default.{spec.name} USING delta LOCATION '{self.location(spec)}'")

    # -- metadata -----------------------------------------------------------------------------
    def info(self, spec: TableSpec) -> TableInfo:
        """Version, rows, files and last commit time, from the latest checksum and commit file where
        they say it (Delta writes both with every commit), else from Delta's own accessors."""
        version = self.version(spec)
        checksum = self._checksum(spec, version) or {}
        files = checksum.get("numFiles")
        if files is None:
            files = self.spark.sql(f"DESCRIBE DETAIL delta.`{self.location(spec)}`").collect()[0]["numFiles"]
        added = checksum.get("allFiles")
        if added is not None and all(a.get("stats") for a in added):
            rows = sum(int(json.loads(a["stats"]).get("numRecords", 0)) for a in added)
        else:
            rows = self.read(spec).count()  # answered from the log's file statistics
        stamp = self._commit_info(spec, version).get("timestamp")
        when = datetime.fromtimestamp(int(stamp) / 1000, UTC) if stamp else None
        return TableInfo(spec.name, version, rows, int(files), when)

    def history(self, spec: TableSpec) -> list[Commit]:
        rows = self._table(spec).history().collect()
        return [_commit(r) for r in sorted(rows, key=lambda r: r["version"])]


def _commit(row: Row) -> Commit:
    parameters: dict[str, Any] = dict(row["operationParameters"] or {})
    if row["userMetadata"]:
        try:
            ours = json.loads(row["userMetadata"])
        except ValueError:
            ours = {}
        parameters.update({k: str(v) for k, v in ours.items() if k in (_WRITER_KEY, _BATCH_KEY)})
    return Commit(
        version=int(row["version"]),
        timestamp=(row["timestamp"] or datetime.now(UTC)).replace(tzinfo=UTC),
        operation=row["operation"],
        parameters=parameters,
    )
