"""delta-spark for real (the jars of `make jars`): interop with delta-rs both ways, SQL through Delta.

Runs in the delta-spark session only (`make test-deltaspark`): both backends work in that session,
so one writes a table and the other reads and appends it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from deltalake import DeltaTable
from pyspark.sql import DataFrame, SparkSession

from clickstitch.cli import main
from lakehouse import EVENTS_BRONZE
from lakehouse.backend import DeltaBackend
from lakehouse.deltars import DeltaRsBackend
from lakehouse.deltaspark import DeltaSparkBackend
from lakehouse.schemas import EVENT_SCHEMA
from tests.frames import assert_same_rows

pytestmark = pytest.mark.jars


def events(spark: SparkSession, ids: list[str], day: str = "2026-10-01") -> DataFrame:
    when = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    rows = []
    for event_id in ids:
        values = {"event_id": event_id, "source": "segment", "event_time": when, "event_date": date.fromisoformat(day),
                  "anonymous_id": f"a-{event_id}", "properties": {"k": event_id}, "items": [], "batch_id": "t"}
        rows.append(tuple(values.get(f) for f in EVENT_SCHEMA.fieldNames()))
    return spark.createDataFrame(rows, EVENT_SCHEMA)


def backends(spark: SparkSession, root: Path) -> dict[str, DeltaBackend]:
    return {"delta-rs": DeltaRsBackend(spark, root), "delta-spark": DeltaSparkBackend(spark, str(root))}


@pytest.mark.parametrize(("first", "second"), [("delta-rs", "delta-spark"), ("delta-spark", "delta-rs")])
def test_a_table_written_by_one_backend_is_read_and_appended_by_the_other(
    spark: SparkSession, lake_root: Path, first: str, second: str
) -> None:
    both = backends(spark, lake_root)
    writer, other = both[first], both[second]
    assert writer.append(EVENTS_BRONZE, events(spark, ["e1", "e2"]), "w", 0).rows == 2
    assert_same_rows(other.read(EVENTS_BRONZE), writer.read(EVENTS_BRONZE))
    # The other backend sees the first one's transaction id: the replayed batch is skipped, the next one lands.
    assert other.committed_batch(EVENTS_BRONZE, "w") == 0
    assert not other.append(EVENTS_BRONZE, events(spark, ["e1", "e2"]), "w", 0).committed
    appended = other.append(EVENTS_BRONZE, events(spark, ["e3"], "2026-10-02"), "w", 1)
    assert (appended.committed, appended.rows) == (True, 1)
    assert writer.committed_batch(EVENTS_BRONZE, "w") == 1
    assert_same_rows(writer.read(EVENTS_BRONZE), events(spark, ["e1", "e2"]).union(events(spark, ["e3"], "2026-10-02")))
    # Partition replace by the second backend, read back by the first.
    other.replace_partitions(EVENTS_BRONZE, events(spark, ["n1"]), ("2026-10-01", "2026-10-01"), "backfill", 0)
    assert sorted(r["event_id"] for r in writer.read(EVENTS_BRONZE).collect()) == ["e3", "n1"]
    assert writer.info(EVENTS_BRONZE).rows == other.info(EVENTS_BRONZE).rows == 2
    assert DeltaTable(str(lake_root / EVENTS_BRONZE.name)).transaction_version("backfill") == 0


def test_history_carries_the_writer_and_batch(spark: SparkSession, lake_root: Path) -> None:
    lake = DeltaSparkBackend(spark, str(lake_root))
    lake.append(EVENTS_BRONZE, events(spark, ["e1"]), "stream-1", 7)
    last = lake.history(EVENTS_BRONZE)[-1]
    assert last.operation == "WRITE"
    assert (last.parameters["clickstitch.writer"], last.parameters["clickstitch.batch"]) == ("stream-1", "7")


def test_sql_queries_tables_through_delta_and_describes_history(
    spark: SparkSession, lake_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lake = DeltaSparkBackend(spark, str(lake_root))
    lake.append(EVENTS_BRONZE, events(spark, ["e1", "e2"]), "w", 0)
    lake.append(EVENTS_BRONZE, events(spark, ["e3"]), "w", 1)
    capsys.readouterr()
    assert main(["sql", "--lake", str(lake_root), "SELECT count(*) AS n FROM events_bronze"]) == 0
    assert "|3  |" in capsys.readouterr().out
    assert main(["sql", "--lake", str(lake_root), "DESCRIBE HISTORY events_bronze"]) == 0
    out = capsys.readouterr().out
    assert "WRITE" in out and "CREATE TABLE" in out
