"""The built-in expectations: one explicit, immutable registry keyed by stable names, per table.

An expectation is a Great Expectations type with its kwargs, an action (``warn`` keeps and records,
``drop`` quarantines the failing rows, ``fail`` stops the batch) and, derived from the same
declaration, a Spark ``Column`` that is true on exactly the rows GX counts as unexpected
(``unexpected_rows``). Columns some checks need but no table holds (the items' lowest price, the
revenue gap, silver's free text) are declared once in ``DERIVED_COLUMNS``.

GX's counting, which the predicates follow: ``not_be_null`` counts nulls; every other type leaves
nulls out; ``be_unique`` counts every row of a repeated value.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any, Literal, get_args

from pyspark.sql import Column, Window
from pyspark.sql import functions as F

from quality.currencies import ISO_4217_CODES

Action = Literal["warn", "drop", "fail"]
ExpectationType = Literal[
    "expect_column_values_to_not_be_null",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_not_match_regex",
    "expect_column_values_to_match_regex",
]
EXPECTATION_TYPES: tuple[str, ...] = get_args(ExpectationType)

# The tables a suite can validate (suite name = table name). A stage adds its table here with its
# expectations; the step validates it before the write (``clickstitch.steps.QualityGate``, or the step itself
# where it commits its own writes, as metrics does).
EVENTS_BRONZE = "events_bronze"
EVENT_ITEMS = "event_items"
EVENTS_SILVER = "events_silver"
SESSIONS = "sessions"
CATEGORY_METRICS = "category_metrics"
SUITE_TABLES: tuple[str, ...] = (EVENTS_BRONZE, EVENT_ITEMS, EVENTS_SILVER, SESSIONS, CATEGORY_METRICS)
# Aggregate tables: a failing row is a window or a session, not an event, so there is nothing to quarantine
# (warn or fail only).
AGGREGATE_TABLES: tuple[str, ...] = (SESSIONS, CATEGORY_METRICS)

# Event types ingest produces (Segment's types; GA4 maps to page, screen, track).
KNOWN_EVENT_TYPES: tuple[str, ...] = ("track", "page", "screen", "identify", "alias", "group")
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# A phone number as people write it: optional +country, then 3-3-4 digits with separators (no bare
# digit runs: ids, timestamps and prices would match those).
PHONE_PATTERN = r"(\+\d{1,3}[\s.-]?)?\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"
SILVER_TEXT_COLUMNS: tuple[str, ...] = ("page_url", "page_referrer", "page_title", "search_term")


@dataclass(frozen=True)
class Bounds:
    """The batch's plausible event-time range (ingest's own bounds)."""

    min_event_time: datetime
    max_event_time: datetime


@dataclass(frozen=True)
class Expectation:
    """One check of one table: a stable name, a GX type with kwargs, and what a failure does."""

    name: str
    table: str
    type: ExpectationType
    kwargs: Mapping[str, Any]
    action: Action = "warn"
    summary: str = ""
    enabled: bool = True

    @property
    def column(self) -> str:
        return str(self.kwargs["column"])

    def with_kwargs(self, **kwargs: Any) -> Expectation:
        return replace(self, kwargs=MappingProxyType({**self.kwargs, **kwargs}))


def _expectation(name: str, table: str, type_: ExpectationType, summary: str, action: Action = "warn",
                 **kwargs: Any) -> Expectation:
    return Expectation(name, table, type_, MappingProxyType(kwargs), action, summary)


def _items_total(items: Column) -> Column:
    """Sum of price * quantity (1 when missing) over the items; null when any price is null."""
    return F.aggregate(items, F.lit(0.0).cast("double"),
                       lambda total, item: total + item["price"] * F.coalesce(item["quantity"], F.lit(1)))


DerivedColumn = Callable[[Bounds], Column]

DERIVED_COLUMNS: Mapping[str, Mapping[str, DerivedColumn]] = MappingProxyType({
    EVENTS_BRONZE: MappingProxyType({
        "event_time_in_bounds": lambda b: F.when(
            F.col("event_time").isNotNull(),
            F.col("event_time").between(F.lit(b.min_event_time), F.lit(b.max_event_time))),
        "items_min_price": lambda b: F.array_min(F.transform("items", lambda i: i["price"])),
        "items_min_quantity": lambda b: F.array_min(F.transform("items", lambda i: i["quantity"])),
        "revenue_items_gap": lambda b: F.when(
            F.col("revenue").isNotNull() & (F.size("items") > 0),
            F.round(F.abs(F.col("revenue") - _items_total(F.col("items"))), 6)),
    }),
    EVENT_ITEMS: MappingProxyType({}),
    EVENTS_SILVER: MappingProxyType({
        # Silver's scrubbed free text in one column: one regex pass per pattern, not one per column.
        "free_text": lambda b: F.concat_ws("\n", *[F.col(c) for c in SILVER_TEXT_COLUMNS]),
    }),
    # Metrics that add up: no part counts more than its whole (<= 0 when it holds).
    SESSIONS: MappingProxyType({
        "counts_beyond_events": lambda b: F.greatest("page_views", "purchases") - F.col("event_count"),
    }),
    CATEGORY_METRICS: MappingProxyType({
        "counts_beyond_events": lambda b: F.greatest(
            "page_views", "product_views", "add_to_carts", "purchases", "late_events") - F.col("events"),
    }),
})

_CURRENCIES = sorted(ISO_4217_CODES)

_BUILT_IN: tuple[Expectation, ...] = (
    _expectation("event_id_not_null", EVENTS_BRONZE, "expect_column_values_to_not_be_null",
                 "every event has an id", column="event_id"),
    _expectation("event_time_in_bounds", EVENTS_BRONZE, "expect_column_values_to_be_in_set",
                 "event time within ingest.min_event_time .. ingest time + max_future_skew_hours",
                 column="event_time_in_bounds", value_set=[True]),
    _expectation("event_type_known", EVENTS_BRONZE, "expect_column_values_to_be_in_set",
                 "event_type is one ingest knows", column="event_type", value_set=list(KNOWN_EVENT_TYPES)),
    _expectation("currency_iso4217", EVENTS_BRONZE, "expect_column_values_to_be_in_set",
                 "the event's currency is an ISO 4217 code", column="currency", value_set=_CURRENCIES),
    _expectation("item_price_non_negative", EVENTS_BRONZE, "expect_column_values_to_be_between",
                 "no item has a negative price", column="items_min_price", min_value=0),
    _expectation("item_quantity_non_negative", EVENTS_BRONZE, "expect_column_values_to_be_between",
                 "no item has a negative quantity", column="items_min_quantity", min_value=0),
    _expectation("revenue_equals_items", EVENTS_BRONZE, "expect_column_values_to_be_between",
                 "revenue equals the sum of price x quantity of the items, where both exist (within 0.01)",
                 column="revenue_items_gap", min_value=0, max_value=0.01),
    _expectation("unit_price_non_negative", EVENT_ITEMS, "expect_column_values_to_be_between",
                 "item unit price is not negative", column="unit_price", min_value=0),
    _expectation("quantity_non_negative", EVENT_ITEMS, "expect_column_values_to_be_between",
                 "item quantity is not negative", column="quantity", min_value=0),
    _expectation("item_currency_iso4217", EVENT_ITEMS, "expect_column_values_to_be_in_set",
                 "the item's currency is an ISO 4217 code", column="currency", value_set=_CURRENCIES),
    _expectation("event_id_unique", EVENTS_SILVER, "expect_column_values_to_be_unique",
                 "one silver row per event id in the batch", column="event_id"),
    _expectation("bot_score_in_unit_range", EVENTS_SILVER, "expect_column_values_to_be_between",
                 "bot_score in [0, 1]", column="bot_score", min_value=0, max_value=1),
    _expectation("no_email_in_free_text", EVENTS_SILVER, "expect_column_values_to_not_match_regex",
                 "no e-mail address left in page_url, page_referrer, page_title, search_term",
                 column="free_text", regex=EMAIL_PATTERN),
    _expectation("no_phone_in_free_text", EVENTS_SILVER, "expect_column_values_to_not_match_regex",
                 "no phone number left in page_url, page_referrer, page_title, search_term",
                 column="free_text", regex=PHONE_PATTERN),
    _expectation("session_has_events", SESSIONS, "expect_column_values_to_be_between",
                 "every session has at least one event", column="event_count", min_value=1),
    _expectation("session_counts_within_events", SESSIONS, "expect_column_values_to_be_between",
                 "a session's page views and purchases are at most its events", column="counts_beyond_events",
                 max_value=0),
    _expectation("session_duration_non_negative", SESSIONS, "expect_column_values_to_be_between",
                 "a session ends at or after its start", column="duration_seconds", min_value=0),
    _expectation("funnel_within_events", CATEGORY_METRICS, "expect_column_values_to_be_between",
                 "a window's page views, product views, add-to-carts, purchases and late events are at most its "
                 "events", column="counts_beyond_events", max_value=0),
    _expectation("conversion_rate_in_unit_range", CATEGORY_METRICS, "expect_column_values_to_be_between",
                 "conversion rate (purchases / events) in [0, 1]", column="conversion_rate", min_value=0, max_value=1),
    _expectation("revenue_non_negative", CATEGORY_METRICS, "expect_column_values_to_be_between",
                 "a window's revenue in the reporting currency is not negative", column="revenue_reporting",
                 min_value=0),
)

BUILT_IN_EXPECTATIONS: Mapping[str, Mapping[str, Expectation]] = MappingProxyType({
    table: MappingProxyType({e.name: e for e in _BUILT_IN if e.table == table}) for table in SUITE_TABLES
})
"""The built-in expectations by table, then by name, in evaluation order. Config selects them by name."""


def unexpected_rows(expectation: Expectation) -> Column:
    """True on the rows GX counts as unexpected for this expectation (null-safe: never null)."""
    value = F.col(expectation.column)
    kwargs = expectation.kwargs
    kind = expectation.type
    if kind == "expect_column_values_to_not_be_null":
        return value.isNull()
    if kind == "expect_column_values_to_be_unique":
        return value.isNotNull() & (F.count(F.lit(1)).over(Window.partitionBy(value)) > 1)
    if kind == "expect_column_values_to_be_between":
        inside = F.lit(True)
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None:
            inside = inside & ((value > F.lit(low)) if kwargs.get("strict_min") else (value >= F.lit(low)))
        if high is not None:
            inside = inside & ((value < F.lit(high)) if kwargs.get("strict_max") else (value <= F.lit(high)))
        return value.isNotNull() & ~inside
    if kind == "expect_column_values_to_be_in_set":
        return value.isNotNull() & ~value.isin(*kwargs["value_set"])
    if kind == "expect_column_values_to_not_match_regex":
        return value.isNotNull() & value.rlike(str(kwargs["regex"]))
    if kind == "expect_column_values_to_match_regex":
        return value.isNotNull() & ~value.rlike(str(kwargs["regex"]))
    raise ValueError(f"no Spark predicate for expectation type {kind!r}")


def first_drop_reason(expectations: tuple[Expectation, ...]) -> tuple[Column, Column]:
    """(name, summary) of the first ``drop`` expectation a row fails, both null when it fails none."""
    drops = [e for e in expectations if e.enabled and e.action == "drop"]
    reason: Column = F.lit(None).cast("string")
    detail: Column = F.lit(None).cast("string")
    for expectation in reversed(drops):
        failed = unexpected_rows(expectation)
        reason = F.when(failed, F.lit(expectation.name)).otherwise(reason)
        detail = F.when(failed, F.lit(f"{expectation.table}: {expectation.summary}")).otherwise(detail)
    return reason, detail


def needed_columns(expectations: tuple[Expectation, ...]) -> list[str]:
    """The columns the enabled expectations read, in first-use order."""
    seen: dict[str, None] = {}
    for e in expectations:
        if e.enabled:
            seen.setdefault(e.column, None)
    return list(seen)


@dataclass(frozen=True)
class Suite:
    """A table's expectations as configured, in order (disabled ones kept, so results can say so)."""

    table: str
    expectations: tuple[Expectation, ...] = field(default_factory=tuple)

    @property
    def enabled(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.expectations if e.enabled)

    @property
    def drops(self) -> tuple[Expectation, ...]:
        return tuple(e for e in self.enabled if e.action == "drop")
