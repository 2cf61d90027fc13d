"""Cluster Delta backend: delta-spark, when Delta's JVM classes are on the classpath.

Same tables and the same operations as the embedded backend; Delta's own ``txnAppId`` /
``txnVersion`` options make appends exactly-once. Start the job with, for example,
``spark-submit --packages io.delta:delta-spark_2.13:4.1.0 --conf spark.sql.extensions=...``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse.backend import Commit, TableInfo, WriteResult
from lakehouse.registry import TableSpec


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

    def __init__(self, spark: SparkSession, root: str | Path) -> None:
        from delta.tables import DeltaTable  # imported late: needs the JVM classes

        self._delta_table = DeltaTable
        self.spark = spark
        self.root = str(root).rstrip("/")

    def location(self, spec: TableSpec) -> str:
        return f"{self.root}/{spec.name}"

    def exists(self, spec: TableSpec) -> bool:
        return bool(self._delta_table.isDeltaTable(self.spark, self.location(spec)))

    def ensure(self, spec: TableSpec) -> None:
        builder = (
            self._delta_table.createIfNotExists(self.spark)
            .location(self.location(spec))
            .addColumns(spec.schema)
        )
        if spec.partition_by:
            builder = builder.partitionedBy(*spec.partition_by)
        builder.execute()

    def read(self, spec: TableSpec, partitions: dict[str, Sequence[str]] | None = None) -> DataFrame:
        self.ensure(spec)
        df = self.spark.read.format("delta").load(self.location(spec))
        for column, values in (partitions or {}).items():
            df = df.where(F.col(column).cast("string").isin([str(v) for v in values]))
        return df.select(*spec.schema.fieldNames())

    def committed_batch(self, spec: TableSpec, writer_id: str) -> int | None:
        self.ensure(spec)
        history = self._delta_table.forPath(self.spark, self.location(spec)).history()
        # Delta records txn ids in the log; the commit's userMetadata carries ours too.
        rows = (
            history.where(F.get_json_object("userMetadata", "$.writer") == writer_id)
            .select(F.max(F.get_json_object("userMetadata", "$.batch").cast("long")).alias("batch"))
            .collect()
        )
        return rows[0]["batch"] if rows and rows[0]["batch"] is not None else None

    def _writer(self, df: DataFrame, spec: TableSpec, writer_id: str, batch_id: int):  # type: ignore[no-untyped-def]
        writer = (
            df.select(*spec.schema.fieldNames())
            .write.format("delta")
            .option("txnAppId", writer_id)
            .option("txnVersion", batch_id)
            .option("userMetadata", f'{{"writer": "{writer_id}", "batch": {batch_id}}}')
        )
        return writer.partitionBy(*spec.partition_by) if spec.partition_by else writer

    def _version(self, spec: TableSpec) -> int:
        row = self._delta_table.forPath(self.spark, self.location(spec)).history(1).collect()[0]
        return int(row["version"])

    def append(self, spec: TableSpec, df: DataFrame, writer_id: str, batch_id: int) -> WriteResult:
        self.ensure(spec)
        before = self._version(spec)
        self._writer(df, spec, writer_id, batch_id).mode("append").save(self.location(spec))
        after = self._version(spec)
        return WriteResult(spec.name, after > before, after, -1)

    def replace_partitions(
        self,
        spec: TableSpec,
        df: DataFrame,
        partition_range: tuple[str, str],
        writer_id: str,
        batch_id: int,
    ) -> WriteResult:
        self.ensure(spec)
        column = spec.partition_by[0]
        low, high = partition_range
        (
            self._writer(df, spec, writer_id, batch_id)
            .mode("overwrite")
            .option("replaceWhere", f"{column} >= '{low}' AND {column} <= '{high}'")
            .save(self.location(spec))
        )
        return WriteResult(spec.name, True, self._version(spec), -1)

    def upsert(self, spec: TableSpec, df: DataFrame) -> WriteResult:
        self.ensure(spec)
        condition = " AND ".join(f"target.{k} = source.{k}" for k in spec.keys)
        (
            self._delta_table.forPath(self.spark, self.location(spec))
            .alias("target")
            .merge(df.select(*spec.schema.fieldNames()).alias("source"), condition)
            .whenMatchedUpdateAll()
            .whenNotMatchedInsertAll()
            .execute()
        )
        return WriteResult(spec.name, True, self._version(spec), -1)

    def delete(self, spec: TableSpec, predicate: str) -> int:
        table = self._delta_table.forPath(self.spark, self.location(spec))
        table.delete(predicate)
        metrics = table.history(1).collect()[0]["operationMetrics"] or {}
        return int(metrics.get("numDeletedRows", 0))

    def vacuum(self, spec: TableSpec) -> int:
        self.spark.conf.set("spark.databricks.delta.retentionDurationCheck.enabled", "false")
        self._delta_table.forPath(self.spark, self.location(spec)).vacuum(0)
        return -1

    def info(self, spec: TableSpec) -> TableInfo:
        self.ensure(spec)
        detail = self.spark.sql(f"DESCRIBE DETAIL delta.`{self.location(spec)}`").collect()[0]
        last = self._delta_table.forPath(self.spark, self.location(spec)).history(1).collect()[0]
        rows = self.read(spec).count()
        when = last["timestamp"].replace(tzinfo=UTC) if last["timestamp"] else None
        return TableInfo(spec.name, int(last["version"]), rows, int(detail["numFiles"]), when)

    def history(self, spec: TableSpec) -> list[Commit]:
        rows = self._delta_table.forPath(self.spark, self.location(spec)).history().collect()
        return [
            Commit(
                version=int(r["version"]),
                timestamp=(r["timestamp"] or datetime.now(UTC)).replace(tzinfo=UTC),
                operation=r["operation"],
                parameters=dict(r["operationParameters"] or {}),
            )
            for r in sorted(rows, key=lambda r: r["version"])
        ]
