"""Sinks: how a driver commits a batch. The sink owns the commit mode, the Delta transaction id,
the day scope and the fault hook; steps only say what they want written (``TableWrite``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from clickstitch import faults
from lakehouse import DayRange, Lakehouse, TableSpec, WriteResult


class WriteMode(Enum):
    """How a step wants its rows committed."""

    EVENTS = "events"  # event rows: the stream adds new event ids, the backfill replaces its days
    APPEND = "append"  # exactly-once append per (writer, batch)
    APPEND_NEW_KEYS = "append_new_keys"  # append the rows whose keys the table does not hold yet
    REPLACE = "replace"  # replace the partitions of ``bounds`` with the rows, in one commit


@dataclass(frozen=True)
class TableWrite:
    """One table write a step asks for. ``bounds`` (partition values, inclusive) goes with REPLACE."""

    table: TableSpec
    rows: DataFrame
    mode: WriteMode = WriteMode.APPEND
    bounds: tuple[str, str] | None = None

    @classmethod
    def replace_days(cls, table: TableSpec, rows: DataFrame, days: DayRange) -> TableWrite:
        return cls(table, rows, WriteMode.REPLACE, days.bounds())


class Sink:
    """Commit half shared by both drivers; subclasses say how event rows land and which days are in scope."""

    writer_id: str
    batch_number: int
    driver: str

    def in_scope(self, event_date: Column) -> Column:
        raise NotImplementedError

    def keeps(self, day: Column) -> Column:
        """Whether rows of this day that a table already holds survive the batch's write."""
        raise NotImplementedError

    def scope(self, days: DayRange | None) -> DayRange | None:
        """The days the batch writes, given the days of its in-scope events."""
        raise NotImplementedError

    def _write_events(self, lake: Lakehouse, write: TableWrite) -> WriteResult:
        raise NotImplementedError

    def commit(self, lake: Lakehouse, write: TableWrite) -> WriteResult:
        """Commit one write with the batch's transaction id, then run the fault hook for its table."""
        table, rows = write.table, write.rows
        if write.mode is WriteMode.EVENTS:
            result = self._write_events(lake, write)
        elif write.mode is WriteMode.APPEND:
            result = lake.append(table, rows, self.writer_id, self.batch_number)
        elif write.mode is WriteMode.APPEND_NEW_KEYS:
            result = lake.append_new_keys(table, rows, self.writer_id, self.batch_number)
        else:
            if write.bounds is None:
                raise ValueError(f"{table.name}: a REPLACE write needs bounds")
            result = lake.replace_partitions(table, rows, write.bounds, self.writer_id, self.batch_number)
        self.committed(table.name)
        return result

    def committed(self, table: str) -> None:
        """The fault hook: a test can crash the process right after this table's write."""
        faults.after_write(table, self.batch_number)


@dataclass(frozen=True)
class StreamSink(Sink):
    """Micro-batch n of a stream: exactly-once appends; events already in a table are skipped."""

    writer_id: str
    batch_number: int
    driver: str = "stream"

    def in_scope(self, event_date: Column) -> Column:
        return F.lit(True)

    def keeps(self, day: Column) -> Column:
        return F.lit(True)

    def scope(self, days: DayRange | None) -> DayRange | None:
        return days

    def _write_events(self, lake: Lakehouse, write: TableWrite) -> WriteResult:
        return lake.append_new_keys(write.table, write.rows, self.writer_id, self.batch_number)


@dataclass(frozen=True)
class BackfillSink(Sink):
    """A backfill run over [first, last]: replaces those partitions of each event table, in one commit each."""

    writer_id: str
    batch_number: int
    first: date
    last: date
    driver: str = "backfill"

    @property
    def days(self) -> DayRange:
        return DayRange(self.first, self.last)

    def in_scope(self, event_date: Column) -> Column:
        return event_date.between(F.lit(self.first), F.lit(self.last))

    def keeps(self, day: Column) -> Column:
        return ~self.in_scope(day)

    def scope(self, days: DayRange | None) -> DayRange:
        return self.days  # the backfill owns its whole range, days without events included

    def _write_events(self, lake: Lakehouse, write: TableWrite) -> WriteResult:
        in_range = write.rows.where(self.in_scope(F.col("event_date")))
        return lake.replace_partitions(write.table, in_range, self.days.bounds(), self.writer_id, self.batch_number)
