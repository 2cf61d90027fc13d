"""Validated generation arguments, the run summary, and time helpers shared by all modules."""

from __future__ import annotations

import datetime
import random
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@dataclass(frozen=True, slots=True)
class GenerationParams:
    """The arguments of one `generate` call, checked once at start."""

    out_dir: Path
    persons: int
    days: int
    seed: int
    start_date: datetime.date
    malformed_rate: float
    edge_cases: bool
    files_per_day: int
    gzip_share: float

    def __post_init__(self) -> None:
        _require(
            isinstance(self.persons, int) and self.persons >= 1,
            f"persons must be an int >= 1, got {self.persons!r}",
        )
        _require(
            isinstance(self.days, int) and 1 <= self.days <= 366,
            f"days must be an int in [1, 366], got {self.days!r}",
        )
        _require(isinstance(self.seed, int), f"seed must be an int, got {self.seed!r}")
        _require(
            isinstance(self.start_date, datetime.date) and not isinstance(self.start_date, datetime.datetime),
            f"start_date must be a datetime.date, got {self.start_date!r}",
        )
        _require(
            isinstance(self.malformed_rate, int | float) and 0.0 <= self.malformed_rate <= 0.5,
            f"malformed_rate must be in [0, 0.5], got {self.malformed_rate!r}",
        )
        _require(
            isinstance(self.files_per_day, int) and 1 <= self.files_per_day <= 99,
            f"files_per_day must be an int in [1, 99], got {self.files_per_day!r}",
        )
        _require(
            isinstance(self.gzip_share, int | float) and 0.0 <= self.gzip_share <= 1.0,
            f"gzip_share must be in [0, 1], got {self.gzip_share!r}",
        )

    @property
    def period_start_us(self) -> int:
        return date_start_us(self.start_date)

    @property
    def period_end_us(self) -> int:
        """Exclusive end of the generated period."""
        return self.period_start_us + self.days * US_PER_DAY

    @property
    def dates(self) -> list[datetime.date]:
        return [self.start_date + datetime.timedelta(days=i) for i in range(self.days)]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["out_dir"] = str(self.out_dir)
        data["start_date"] = self.start_date.isoformat()
        return data


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise ValueError(message)


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    """What one run wrote. Event counts are unique valid events; duplicates and malformed lines are extra."""

    persons: int
    ga4_events: int
    segment_events: int
    valid_events: int
    duplicate_lines: int
    malformed_lines: int
    bot_sessions: int
    human_sessions: int
    files: int
    out_dir: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sub_rng(seed: int, stream: str) -> random.Random:
    """An independent, reproducible random stream per concern.

    Separate streams keep a change in one module from reshuffling every other module's output.
    String seeds are hashed with SHA-512 by `random`, so they do not depend on PYTHONHASHSEED.
    """
    return random.Random(f"clickstitch:{seed}:{stream}")


def date_start_us(day: datetime.date) -> int:
    return (
        datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC) - _EPOCH
    ) // datetime.timedelta(microseconds=1)


def us_to_datetime(ts_us: int) -> datetime.datetime:
    return _EPOCH + datetime.timedelta(microseconds=ts_us)


def iso_ms(ts_us: int) -> str:
    """ISO-8601 with milliseconds and Z, as Segment writes timestamps."""
    dt = us_to_datetime(ts_us)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond // 1000:03d}Z"


def iso_seconds(ts_us: int) -> str:
    dt = us_to_datetime(ts_us)
    return f"{dt:%Y-%m-%dT%H:%M:%S}Z"


def day_of(ts_us: int) -> datetime.date:
    return us_to_datetime(ts_us).date()
