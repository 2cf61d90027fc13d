"""Malformed lines and broken files: what a real export bucket collects over time."""

from __future__ import annotations

import copy
import datetime
import json
import random
from typing import Any

from .params import date_start_us, iso_ms

MALFORMED_KINDS: tuple[str, ...] = (
    "truncated_json",
    "wrong_type",
    "missing_id",
    "invalid_timestamp",
    "future_timestamp",
    "non_utf8",
    "unknown_event_type",
)
SEGMENT_ONLY_KINDS = frozenset({"unknown_event_type"})
_BAD_BYTES_MARK = "\u2063BADBYTES\u2063"
_FUTURE_US = date_start_us(datetime.date(2100, 1, 1))


def dumps(row: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, as both exporters write it."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def malformed_line(rng: random.Random, kind: str, source: str, template: dict[str, Any]) -> bytes:
    """A broken line derived from a real row, with its own id so it never collides with the original."""
    row = copy.deepcopy(template)
    if source == "ga4":
        row["event_timestamp"] = str(int(row["event_timestamp"]) + rng.randint(1, 999))
    else:
        row["messageId"] = f"ajs-next-{rng.getrandbits(128):032x}"
    if kind == "truncated_json":
        text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
        return text[: rng.randint(len(text) // 5, len(text) * 4 // 5)].encode("utf-8")
    if kind == "non_utf8":
        target = row["geo"] if source == "ga4" else row["context"]["location"]
        target["city"] = f"{target['city']}{_BAD_BYTES_MARK}"
        return dumps(row).replace(
            _BAD_BYTES_MARK.encode("utf-8"), rng.choice((b"\xff\xfe", b"\xc3\x28", b"\xe2\x82"))
        )
    handler = _GA4 if source == "ga4" else _SEGMENT
    handler[kind](rng, row)
    return dumps(row)


def _ga4_wrong_type(rng: random.Random, row: dict[str, Any]) -> None:
    choice = rng.randrange(3)
    if choice == 0:
        row["event_timestamp"] = "abc"
    elif choice == 1:
        row["event_params"] = "page_location=https://shop.example.com/"
    else:
        row["user_pseudo_id"] = 1234567890.17


def _ga4_missing_id(rng: random.Random, row: dict[str, Any]) -> None:
    del row["user_pseudo_id"]
    row.pop("user_id", None)


def _ga4_invalid_timestamp(rng: random.Random, row: dict[str, Any]) -> None:
    choice = rng.randrange(2)
    row["event_timestamp"] = "-1000000" if choice == 0 else str(rng.randint(1, 86_400) * 1_000_000)
    row["event_date"] = "19700101" if choice else row["event_date"]


def _ga4_future(rng: random.Random, row: dict[str, Any]) -> None:
    row["event_timestamp"] = str(_FUTURE_US + rng.randint(0, 86_399_999_999))
    row["event_date"] = "21000101"


def _segment_wrong_type(rng: random.Random, row: dict[str, Any]) -> None:
    choice = rng.randrange(4)
    if choice == 0:
        row["timestamp"] = 12345
    elif choice == 1:
        row["timestamp"] = {"$date": row["timestamp"]}
    elif choice == 2:
        row["timestamp"] = [row["timestamp"]]
    else:
        row["properties"] = json.dumps(row.get("properties", {}))


def _segment_missing_id(rng: random.Random, row: dict[str, Any]) -> None:
    if rng.random() < 0.5:
        del row["messageId"]
    else:
        row["anonymousId"] = None
        row["userId"] = None


def _segment_invalid_timestamp(rng: random.Random, row: dict[str, Any]) -> None:
    row["timestamp"] = rng.choice(
        ("1970-01-01T00:00:05.000Z", "-0001-11-30T00:00:00.000Z", "2026-13-45T25:61:00Z", "yesterday", "")
    )


def _segment_future(rng: random.Random, row: dict[str, Any]) -> None:
    row["timestamp"] = iso_ms(_FUTURE_US + rng.randint(0, 86_399_999_999))
    row["originalTimestamp"] = row["timestamp"]


def _segment_unknown_type(rng: random.Random, row: dict[str, Any]) -> None:
    # Types Segment's spec does not have (alias and group are real calls, parsed as events).
    row["type"] = rng.choice(("merge", "batch", "bogus"))


_GA4 = {
    "wrong_type": _ga4_wrong_type,
    "missing_id": _ga4_missing_id,
    "invalid_timestamp": _ga4_invalid_timestamp,
    "future_timestamp": _ga4_future,
}
_SEGMENT = {
    "wrong_type": _segment_wrong_type,
    "missing_id": _segment_missing_id,
    "invalid_timestamp": _segment_invalid_timestamp,
    "future_timestamp": _segment_future,
    "unknown_event_type": _segment_unknown_type,
}


def plan_malformed_kinds(
    rng: random.Random, total_lines: int, rate: float, has_segment: bool, has_ga4: bool
) -> list[str]:
    """How many malformed lines of which kind: the rate's share, and every kind at least once."""
    if rate <= 0 or total_lines == 0:
        return []
    kinds = [k for k in MALFORMED_KINDS if has_segment or k not in SEGMENT_ONLY_KINDS]
    if not has_segment and not has_ga4:
        return []
    count = max(round(total_lines * rate), len(kinds))
    planned = list(kinds) + [rng.choice(kinds) for _ in range(count - len(kinds))]
    rng.shuffle(planned)
    return planned
