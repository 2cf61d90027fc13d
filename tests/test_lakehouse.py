"""The Delta lakehouse layer on both backends: real tables, real commits, read back by delta-rs too."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from lakehouse import EVENTS_BRONZE, Lakehouse, TableSpec
from lakehouse.schemas import EVENT_SCHEMA
from tests.backends import TEST_BACKEND, only_delta_rs
from tests.frames import assert_same_rows

pytestmark = pytest.mark.backends


@pytest.fixture
def lake(spark: SparkSession, test_config: ClickstitchConfig, lake_root: Path) -> Lakehouse:
    return open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root)}))


def events(spark: SparkSession, rows: list[tuple[str, str, str]]) -> DataFrame:
    """Bronze-shaped events from (event_id, day, anonymous_id)."""
    data = []
    for event_id, day, anonymous_id in rows:
        when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
        values = {"event_id": event_id, "source": "segment", "event_time": when, "event_date": date.fromisoformat(day),
                  "anonymous_id": anonymous_id, "properties": {"k": event_id}, "items": [], "batch_id": "t"}
        data.append(tuple(values.get(f) for f in EVENT_SCHEMA.fieldNames()))
    return spark.createDataFrame(data, EVENT_SCHEMA)


def ids(df: DataFrame) -> list[str]:
    return sorted(r["event_id"] for r in df.select("event_id").collect())


def test_backend_is_the_sessions(lake: Lakehouse) -> None:
    assert lake.backend.name == TEST_BACKEND


@only_delta_rs
def test_backend_auto_is_delta_rs_without_delta_jars(
    spark: SparkSession, test_config: ClickstitchConfig, lake_root: Path
) -> None:
    auto = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root), "lake.backend": "auto"}))
    assert auto.backend.name == "delta-rs"


@only_delta_rs
def test_forcing_delta_spark_without_jars_is_a_clear_error(
    spark: SparkSession, test_config: ClickstitchConfig, lake_root: Path
) -> None:
    with pytest.raises(ClickstitchError, match="Delta's JVM classes are not on the classpath"):
        open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root), "lake.backend": "delta-spark"}))


def test_read_arrow_reads_the_rows_any_column_matches_in_the_given_partitions(spark: SparkSession,
                                                                           lake: Lakehouse) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a"), ("e2", "2026-10-01", "b"),
                                              ("e3", "2026-10-02", "a"), ("e4", "2026-10-01", "c")]), "w", 0)
    rows = lake.read_arrow(EVENTS_BRONZE, ["event_id", "anonymous_id"], {"event_date": ["2026-10-01"]},
                           {"anonymous_id": {"a"}, "event_id": {"e2"}})
    assert sorted(rows.to_pylist(), key=lambda r: r["event_id"]) == [
        {"event_id": "e1", "anonymous_id": "a"}, {"event_id": "e2", "anonymous_id": "b"}]
    assert sorted(lake.read_arrow(EVENTS_BRONZE, ["event_id"]).column("event_id").to_pylist()) == [
        "e1", "e2", "e3", "e4"]
    assert lake.read_arrow(EVENTS_BRONZE, ["event_id"], {"event_date": []}).num_rows == 0


def test_append_is_exactly_once_per_writer_and_batch(spark: SparkSession, lake: Lakehouse, lake_root: Path) -> None:
    batch0 = events(spark, [("e1", "2026-10-01", "a"), ("e2", "2026-10-02", "b")])
    first = lake.append(EVENTS_BRONZE, batch0, "writer", 0)
    replay = lake.append(EVENTS_BRONZE, batch0, "writer", 0)
    other = lake.append(EVENTS_BRONZE, events(spark, [("e3", "2026-10-02", "c")]), "writer", 1)
    assert (first.committed, first.rows) == (True, 2)
    assert (replay.committed, replay.rows) == (False, 0)
    assert other.committed and other.version == first.version + 1
    assert ids(lake.read(EVENTS_BRONZE)) == ["e1", "e2", "e3"]
    # Another Delta reader sees the same table and one commit per committed batch.
    table = DeltaTable(str(lake_root / "events_bronze"))
    assert sorted(pa.table(table.to_pyarrow_table()).column("event_id").to_pylist()) == ["e1", "e2", "e3"]
    writes = [h for h in table.history() if h["operation"] == "WRITE"]
    assert len(writes) == 2
    assert table.transaction_version("writer") == 1


def test_empty_batch_still_commits_once(spark: SparkSession, lake: Lakehouse) -> None:
    empty = events(spark, [])
    assert lake.append(EVENTS_BRONZE, empty, "w", 0).committed
    assert not lake.append(EVENTS_BRONZE, empty, "w", 0).committed
    assert [c.parameters.get("clickstitch.batch") for c in lake.history(EVENTS_BRONZE)] == [None, "0"]


def test_append_new_keys_skips_keys_already_in_the_table(spark: SparkSession, lake: Lakehouse) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a")]), "w", 0)
    result = lake.append_new_keys(
        EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "changed"), ("e2", "2026-10-01", "b")]), "w", 1
    )
    assert result.rows == 1
    assert_same_rows(
        lake.read(EVENTS_BRONZE).select("event_id", "anonymous_id"),
        [{"event_id": "e1", "anonymous_id": "a"}, {"event_id": "e2", "anonymous_id": "b"}],
    )


def test_replace_partitions_swaps_the_range_and_keeps_the_rest(spark: SparkSession, lake: Lakehouse) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("old1", "2026-10-01", "a"), ("old2", "2026-10-02", "a"),
                                              ("keep", "2026-10-03", "a")]), "w", 0)
    lake.replace_partitions(EVENTS_BRONZE, events(spark, [("new1", "2026-10-01", "a")]),
                            ("2026-10-01", "2026-10-02"), "backfill", 0)
    assert ids(lake.read(EVENTS_BRONZE)) == ["keep", "new1"]
    with pytest.raises(ValueError, match="outside event_date"):
        lake.replace_partitions(EVENTS_BRONZE, events(spark, [("x", "2026-10-05", "a")]),
                                ("2026-10-01", "2026-10-02"), "backfill", 1)
    assert ids(lake.read(EVENTS_BRONZE)) == ["keep", "new1"]


def test_read_prunes_to_the_requested_partitions(spark: SparkSession, lake: Lakehouse) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a"), ("e2", "2026-10-02", "b")]), "w", 0)
    assert ids(lake.read(EVENTS_BRONZE, {"event_date": ["2026-10-02"]})) == ["e2"]
    assert ids(lake.read(EVENTS_BRONZE, {"event_date": []})) == []


def test_upsert_by_key(spark: SparkSession, lake: Lakehouse) -> None:
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    spec = TableSpec("counters", StructType([StructField("key", StringType()), StructField("n", LongType())]),
                     keys=("key",))
    lake.upsert(spec, spark.createDataFrame([("a", 1), ("b", 1)], spec.schema))
    lake.upsert(spec, spark.createDataFrame([("b", 2), ("c", 1)], spec.schema))
    assert_same_rows(lake.read(spec), [{"key": "a", "n": 1}, {"key": "b", "n": 2}, {"key": "c", "n": 1}])


def test_delete_and_vacuum_remove_rows_from_old_files(spark: SparkSession, lake: Lakehouse, lake_root: Path) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "gone"), ("e2", "2026-10-01", "stay")]), "w", 0)
    assert lake.delete(EVENTS_BRONZE, "anonymous_id = 'gone'") == 1
    assert lake.vacuum(EVENTS_BRONZE) >= 1
    assert ids(lake.read(EVENTS_BRONZE)) == ["e2"]
    import pyarrow.parquet as pq

    remaining = [pq.read_table(p).column("anonymous_id").to_pylist()
                 for p in (lake_root / "events_bronze").rglob("*.parquet")]
    assert all("gone" not in values for values in remaining)


def test_info_counts_rows_from_the_log(spark: SparkSession, lake: Lakehouse) -> None:
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a"), ("e2", "2026-10-02", "b")]), "w", 0)
    info = lake.info(EVENTS_BRONZE)
    assert (info.rows, info.version) == (2, 1)
    assert info.last_commit is not None
