"""An inclusive range of UTC days: what a dimension load touched, what to re-enrich."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, order=True)
class DayRange:
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError(f"day range {self.first} > {self.last}")

    def intersect(self, other: DayRange) -> DayRange | None:
        first, last = max(self.first, other.first), min(self.last, other.last)
        return DayRange(first, last) if first <= last else None

    def union(self, other: DayRange | None) -> DayRange:
        if other is None:
            return self
        return DayRange(min(self.first, other.first), max(self.last, other.last))

    def as_strings(self) -> tuple[str, str]:
        """(first, last) as ISO dates: the partition range the lakehouse takes."""
        return self.first.isoformat(), self.last.isoformat()
