"""Delta as a streaming source (lakehouse.incremental) on both backends: increments, exactly-once replay."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig
from lakehouse import EVENTS_BRONZE, Lakehouse
from lakehouse.incremental import read_increments
from tests.test_lakehouse import events

pytestmark = pytest.mark.backends


class Crash(Exception):
    pass


class Recorder:
    """A downstream job: records each increment's event ids; can crash once on a given batch."""

    def __init__(self, crash_on: int | None = None) -> None:
        self.seen: list[tuple[int, list[str]]] = []
        self.crash_on = crash_on

    def __call__(self, rows: DataFrame, batch_number: int) -> None:
        ids = sorted(r["event_id"] for r in rows.select("event_id").collect())
        if batch_number == self.crash_on:
            self.crash_on = None
            raise Crash(f"batch {batch_number}")
        self.seen.append((batch_number, ids))


def test_increments_are_the_appended_rows_once_and_a_crashed_one_is_replayed(
    spark: SparkSession, test_config: ClickstitchConfig, lake_root: Path, tmp_path: Path
) -> None:
    lake: Lakehouse = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root)}))
    checkpoint = tmp_path / "increments"
    lake.append(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a"), ("e2", "2026-10-02", "b")]), "w", 0)
    first = Recorder()
    assert read_increments(lake, EVENTS_BRONZE, first, checkpoint) == 1
    assert first.seen == [(0, ["e1", "e2"])]
    assert read_increments(lake, EVENTS_BRONZE, first, checkpoint) == 0, "nothing new"

    lake.append(EVENTS_BRONZE, events(spark, [("e3", "2026-10-02", "c")]), "w", 1)
    # A rewrite of a day is a change commit: not an increment (skipChangeCommits).
    lake.replace_partitions(EVENTS_BRONZE, events(spark, [("e1", "2026-10-01", "a2")]),
                            ("2026-10-01", "2026-10-01"), "backfill", 0)
    lake.append(EVENTS_BRONZE, events(spark, [("e4", "2026-10-03", "d")]), "w", 2)
    crashing = Recorder(crash_on=1)
    with pytest.raises(Exception, match="batch 1"):
        read_increments(lake, EVENTS_BRONZE, crashing, checkpoint)
    # The restarted job gets increment 1 again, with the same rows, and nothing twice.
    assert read_increments(lake, EVENTS_BRONZE, crashing, checkpoint) >= 1
    numbers = [n for n, _ in crashing.seen]
    assert numbers[0] == 1 and numbers == sorted(set(numbers))
    assert sorted(i for _, ids in crashing.seen for i in ids) == ["e3", "e4"]
