"""``dims load``: read a dimension file, dead-letter its bad rows, MERGE the rest into its table.

The one place of this package that writes dimension tables. Returns a LoadReport saying what
changed and which days of events it may change, so those days can be re-enriched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from enrich import dims
from enrich.errors import EnrichError
from enrich.readers import read_raw
from enrich.scd2 import rate_changes, snapshot_versions, version_changes
from enrich.tables import DIM_FX_RATES, DIM_PRICES, DIM_PRODUCTS, DIMENSIONS, EVENT_ITEMS
from lakehouse import DEAD_LETTER, DayRange, Lakehouse, TableSpec

_ATTRIBUTES = {
    DIM_PRODUCTS.name: ("sku", "product_name", "category", "base_price", "base_currency"),
    DIM_PRICES.name: ("price", "currency"),
}
_OPEN_END = date(9999, 12, 31)


@dataclass(frozen=True)
class LoadReport:
    """What one dimension load did.

    ``written``: rows merged (``new_versions`` inserted + ``changed_versions`` updated, e.g. closed).
    ``affected_days``: the event days whose enrichment may differ now (None: nothing changed). Open
    ends are 1900-01-01 and 9999-12-31: intersect with the enriched days (``days_to_reenrich``).
    """

    table: str
    source_file: str
    rows_read: int
    dead_letters: int
    new_versions: int
    changed_versions: int
    changed_keys: int
    affected_days: DayRange | None
    version: int

    @property
    def written(self) -> int:
        return self.new_versions + self.changed_versions


def load_dimension(lake: Lakehouse, spec: TableSpec | str, path: str | Path, *, reporting_currency: str = "USD",
                   effective_at: datetime | None = None, raw_chars: int = 2000) -> LoadReport:
    """Load one file into ``dim_products``, ``dim_prices`` or ``dim_fx_rates`` (or "products", "prices", "fx").

    ``effective_at`` (default: now) is when a changed row of a snapshot file (one without valid_from)
    takes effect. Bad rows go to ``dead_letter`` (stage ``dims``, once per file and line).
    """
    spec = _spec(spec)
    now = datetime.now(UTC).replace(microsecond=0)
    effective_at = effective_at or now
    batch = f"dims-{now.strftime('%Y%m%dT%H%M%S')}"
    raw = read_raw(lake.spark, path)
    lake.backend.ensure(spec)
    if raw.rows is None:
        dead = dims.unreadable(lake.spark, raw, spec.name, batch, now)
        _write_dead_letters(lake, spec, dead)
        return LoadReport(spec.name, raw.path, 0, 1, 0, 0, 0, None, lake.info(spec).version)
    if spec.name == DIM_FX_RATES.name:
        validated = dims.fx_rates(raw, reporting_currency, batch, now, raw_chars)
    elif spec.name == DIM_PRODUCTS.name:
        validated = dims.products(raw, batch, now, raw_chars)
    else:
        validated = dims.prices(raw, batch, now, raw_chars)
    dead_count = _write_dead_letters(lake, spec, validated.dead_letters)
    rows_read = validated.rows.count()
    if spec.name == DIM_FX_RATES.name:
        report = _merge_rates(lake, validated.rows, now)
    else:
        report = _merge_versions(lake, spec, validated.rows, effective_at, now)
    new, changed, keys, days = report
    return LoadReport(spec.name, raw.path, rows_read, dead_count, new, changed, keys, days, lake.info(spec).version)


def _spec(spec: TableSpec | str) -> TableSpec:
    if isinstance(spec, TableSpec):
        return spec
    by_name = {**DIMENSIONS, **{s.name: s for s in DIMENSIONS.values()}}
    if spec not in by_name:
        raise EnrichError(f"unknown dimension {spec!r}; known: {', '.join(sorted(DIMENSIONS))}")
    return by_name[spec]


def _merge_versions(lake: Lakehouse, spec: TableSpec, rows: DataFrame, effective_at: datetime,
                    now: datetime) -> tuple[int, int, int, DayRange | None]:
    key, attributes = ["product_id"], list(_ATTRIBUTES[spec.name])
    existing = lake.read(spec)
    if "valid_from" not in rows.columns:
        rows = snapshot_versions(existing, rows, key, attributes, effective_at)
    changes = version_changes(existing, rows.select(*key, *attributes, "valid_from", "valid_to"), key,
                              attributes, now).cache()
    try:
        end = F.greatest("valid_to", "_old_valid_to")  # greatest skips nulls
        open_end = F.max(F.when(F.col("valid_to").isNull() | F.col("_old_valid_to").isNull() & ~F.col("_is_new"),
                                1).otherwise(0))
        stats = changes.agg(
            F.sum(F.col("_is_new").cast("int")).alias("new"), F.sum((~F.col("_is_new")).cast("int")).alias("changed"),
            F.countDistinct(*key).alias("keys"), F.min(F.to_date("_changed_from")).alias("first"),
            F.max(F.to_date(end)).alias("last"), open_end.alias("open_end"),
        ).first()
        assert stats is not None
        if not stats["new"] and not stats["changed"]:
            return 0, 0, 0, None
        lake.upsert(spec, changes.select(*spec.schema.fieldNames()))
        last = _OPEN_END if stats["open_end"] else stats["last"]
        return stats["new"], stats["changed"], stats["keys"], DayRange(stats["first"], last)
    finally:
        changes.unpersist()


def _merge_rates(lake: Lakehouse, rows: DataFrame, now: datetime) -> tuple[int, int, int, DayRange | None]:
    existing = lake.read(DIM_FX_RATES)
    incoming = rows.select("rate_date", "currency", "reporting_currency", "rate",
                           F.lit(now).cast("timestamp").alias("loaded_at"))
    changes = rate_changes(existing, incoming).cache()
    try:
        stats = changes.agg(
            F.count(F.lit(1)).alias("rows"), F.countDistinct("currency").alias("keys"),
            F.min("rate_date").alias("first"),
            F.max(F.coalesce(F.date_sub("_next_date", 1), F.lit(_OPEN_END))).alias("last"),
        ).first()
        assert stats is not None
        if not stats["rows"]:
            return 0, 0, 0, None
        existing_keys = existing.select("rate_date", "currency", "reporting_currency")
        new = changes.join(existing_keys, ["rate_date", "currency", "reporting_currency"], "left_anti").count()
        lake.upsert(DIM_FX_RATES, changes.select(*DIM_FX_RATES.schema.fieldNames()))
        return new, stats["rows"] - new, stats["keys"], DayRange(stats["first"], stats["last"])
    finally:
        changes.unpersist()


def _write_dead_letters(lake: Lakehouse, spec: TableSpec, dead: DataFrame) -> int:
    """Append the dead letters not recorded yet (a re-load of the same bad file adds none)."""
    writer = f"dims-{spec.name}"
    done = lake.committed_batch(DEAD_LETTER, writer)
    dead = dead.cache()
    try:
        count = dead.count()
        if count:
            lake.append_new_keys(DEAD_LETTER, dead, writer, (done if done is not None else -1) + 1)
        return count
    finally:
        dead.unpersist()


def enriched_days(lake: Lakehouse) -> DayRange | None:
    """First and last day that ``event_items`` holds (None when empty)."""
    if not lake.exists(EVENT_ITEMS):
        return None
    bounds = lake.read(EVENT_ITEMS).agg(F.min("event_date").alias("a"), F.max("event_date").alias("b")).first()
    if bounds is None or bounds["a"] is None:
        return None
    return DayRange(bounds["a"], bounds["b"])


def days_to_reenrich(lake: Lakehouse, reports: list[LoadReport]) -> DayRange | None:
    """The enriched days that any of these loads may have changed (None: nothing to redo)."""
    affected: DayRange | None = None
    for report in reports:
        if report.affected_days is not None:
            affected = report.affected_days.cover(affected)
    enriched = enriched_days(lake)
    if affected is None or enriched is None:
        return None
    return affected.intersect(enriched)
