"""The enrichment step's I/O: read the dimensions, enrich events, (re)write event_items days."""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame

from enrich.config import EnrichConfig
from enrich.errors import EnrichError
from enrich.stage import enrich_items
from enrich.tables import DIM_FX_RATES, DIM_PRICES, DIM_PRODUCTS, EVENT_ITEMS
from lakehouse import DayRange, Lakehouse, TableSpec, WriteResult


@dataclass(frozen=True)
class Dimensions:
    """The three dimension tables as read for one batch, and the larger history's row count."""

    products: DataFrame
    prices: DataFrame
    fx: DataFrame
    history_rows: int


def read_dimensions(lake: Lakehouse) -> Dimensions:
    """The current snapshot of each dimension (empty tables when never loaded). Row counts come from
    the Delta log (no Spark job)."""
    for spec in (DIM_PRODUCTS, DIM_PRICES, DIM_FX_RATES):
        lake.backend.ensure(spec)
    rows = max(lake.info(DIM_PRODUCTS).rows, lake.info(DIM_PRICES).rows)
    return Dimensions(lake.read(DIM_PRODUCTS), lake.read(DIM_PRICES), lake.read(DIM_FX_RATES), rows)


def enrich_events(lake: Lakehouse, events: DataFrame, config: EnrichConfig) -> DataFrame:
    """event_items rows for a batch's events, against the dimensions as they are in the lake now."""
    dims = read_dimensions(lake)
    return enrich_items(events, dims.products, dims.prices, dims.fx, config, history_rows=dims.history_rows)


MAX_REENRICH_DAYS = 3660


def day_values(days: DayRange) -> list[str]:
    count = (days.last - days.first).days + 1
    if count > MAX_REENRICH_DAYS:
        raise EnrichError(f"re-enrich range {days.first}..{days.last} is {count} days; bound it to the enriched "
                          f"days (days_to_reenrich) or at most {MAX_REENRICH_DAYS} days")
    return days.days()


def reenrich_days(lake: Lakehouse, events_table: TableSpec, days: DayRange, config: EnrichConfig,
                  writer_id: str, batch_id: int) -> WriteResult:
    """Recompute ``event_items`` for every event of ``events_table`` (partitioned by event_date) in the
    inclusive day range and replace those partitions in one commit (``clickstitch enrich --from --to``).
    The result equals enriching the events with these dimensions in the first place."""
    lake.backend.ensure(EVENT_ITEMS)
    events = lake.read(events_table, {"event_date": day_values(days)})
    items = enrich_events(lake, events, config)
    return lake.replace_partitions(EVENT_ITEMS, items, days.bounds(), writer_id, batch_id)
