"""Record checks as Column builders: each failure is (condition, reason, detail), first one wins."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructType

# Reason codes written to dead_letter.reason (docs/tables.md lists them with examples).
INVALID_JSON = "invalid_json"
WRONG_TYPE = "wrong_type"
MISSING_FIELD = "missing_field"
MISSING_ID = "missing_id"
INVALID_TIMESTAMP = "invalid_timestamp"
FUTURE_TIMESTAMP = "future_timestamp"
UNKNOWN_EVENT_TYPE = "unknown_event_type"


@dataclass(frozen=True)
class Check:
    failed: Column
    reason: str
    detail: Column

    @classmethod
    def of(cls, failed: Column, reason: str, detail: str | Column) -> Check:
        return cls(failed, reason, F.lit(detail) if isinstance(detail, str) else detail)


def first_failure(checks: Sequence[Check]) -> tuple[Column, Column]:
    """(reason, detail) of the first failing check, both null when every check passes."""
    reason = F.when(checks[0].failed, F.lit(checks[0].reason))
    detail = F.when(checks[0].failed, checks[0].detail)
    for check in checks[1:]:
        reason = reason.when(check.failed, F.lit(check.reason))
        detail = detail.when(check.failed, check.detail)
    return reason, detail


def json_shape_checks(parsed: Column, text: Column, schema: StructType) -> list[Check]:
    """Malformed JSON, a non-object, or top-level fields whose JSON type does not fit the schema.

    from_json keeps what fits and fills ``_corrupt_record``; a nested field that does not fit is
    reported through the top-level field holding it.
    """
    corrupt = parsed["_corrupt_record"].isNotNull()
    keys = F.json_object_keys(text)
    typed_fields = [
        f.name for f in schema.fields if f.name != "_corrupt_record" and not isinstance(f.dataType, StringType)
    ]
    misfits = F.concat_ws(
        ", ",
        *[F.when(parsed[name].isNull() & F.array_contains(keys, name), F.lit(name)) for name in typed_fields],
    )
    return [
        Check.of(corrupt & keys.isNull(), INVALID_JSON, "not a complete JSON object"),
        Check.of(corrupt, WRONG_TYPE, F.concat(F.lit("JSON type does not fit field(s): "), misfits)),
    ]


def number_probe_schema(fields: Sequence[str]) -> StructType:
    """A schema that parses only JSON *number* tokens of the given fields (strings fail to parse)."""
    from pyspark.sql.types import DoubleType, StructField

    return StructType([StructField(name, DoubleType()) for name in fields])


def string_token_check(parsed: Column, numbers: Column, fields: Sequence[str]) -> Check:
    """Fields that must be JSON strings but hold a number, an object or an array.

    ``parsed`` reads them as strings (any token fits); ``numbers`` is the same line parsed with
    number_probe_schema, non-null exactly where the token was a number.
    """
    misfit = {
        name: numbers[name].isNotNull() | parsed[name].startswith("{") | parsed[name].startswith("[")
        for name in fields
    }
    any_misfit = misfit[fields[0]]
    for name in fields[1:]:
        any_misfit = any_misfit | misfit[name]
    names = F.concat_ws(", ", *[F.when(condition, F.lit(name)) for name, condition in misfit.items()])
    return Check.of(any_misfit, WRONG_TYPE, F.concat(F.lit("must be JSON string(s): "), names))


def required(value: Column, name: str, reason: str = MISSING_FIELD) -> Check:
    return Check.of(value.isNull() | (F.trim(value) == ""), reason, name)


def time_bounds(event_time: Column, raw: Column, min_time: Column, max_time: Column) -> list[Check]:
    return [
        Check.of(event_time.isNull(), INVALID_TIMESTAMP, F.concat(F.lit("unparseable time: "), F.left(raw, F.lit(64)))),
        Check.of(event_time < min_time, INVALID_TIMESTAMP, F.concat(F.lit("before ingest.min_event_time: "),
                                                                   event_time.cast("string"))),
        Check.of(event_time > max_time, FUTURE_TIMESTAMP, F.concat(F.lit("after ingest time + max_future_skew: "),
                                                                  event_time.cast("string"))),
    ]


def string_map(entries: Column) -> Column:
    """A map<string,string> from an array of (key, value) structs; null keys dropped, last key wins."""
    return F.map_from_entries(F.filter(entries, lambda e: e.getField("key").isNotNull()))


def without_keys(mapping: Column, keys: Sequence[str]) -> Column:
    drop = F.array(*[F.lit(k) for k in keys])
    return F.map_filter(mapping, lambda k, _v: ~F.array_contains(drop, k))
