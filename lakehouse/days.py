"""One small type for an inclusive range of days: what a batch writes, reads or recomputes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True, order=True)
class DayRange:
    """The days ``first`` through ``last``, both included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"day range ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def of(cls, first: date | None, last: date | None) -> DayRange | None:
        """The range, or None when there are no days (``first`` is None: nothing in scope)."""
        return None if first is None or last is None else cls(first, last)

    def widen(self, days: int = 1) -> DayRange:
        return DayRange(self.first - timedelta(days=days), self.last + timedelta(days=days))

    def cover(self, *others: DayRange | None) -> DayRange:
        """The smallest range holding this one and each of ``others`` that is given."""
        given = [self, *(other for other in others if other is not None)]
        return DayRange(min(r.first for r in given), max(r.last for r in given))

    def intersect(self, other: DayRange) -> DayRange | None:
        """The days in both ranges (None when they do not overlap)."""
        first, last = max(self.first, other.first), min(self.last, other.last)
        return DayRange(first, last) if first <= last else None

    def days(self) -> list[str]:
        """Every day of the range as a partition value (ISO date)."""
        return [(self.first + timedelta(days=n)).isoformat() for n in range((self.last - self.first).days + 1)]

    def bounds(self) -> tuple[str, str]:
        """(first, last) as partition values: what ``replace_partitions`` takes."""
        return (self.first.isoformat(), self.last.isoformat())

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return f"{self.first}..{self.last}"


_DURATION = re.compile(r"^\s*(\d+)\s*(second|minute|hour|day)s?\s*$")
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def duration_seconds(text: str) -> int:
    """``"30 minutes"`` -> 1800: ``<n> second(s)|minute(s)|hour(s)|day(s)``, as every config section writes
    spans (windows, gaps, lateness); ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) <= 0:
        raise ValueError(f"not a positive duration like '30 minutes': {text!r}")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]
