"""Enrichment: product, list price at the event time and currency conversion (docs/enrich.md).

Dimension loading (``load_dimension``) merges files into SCD2/daily tables and reports the days it
may have changed; the pure stage (``enrich_items``) turns events into one row per item; the step
(``enrich_events``, ``reenrich_days``) does the reads and writes around it.
"""

from enrich.config import EnrichConfig
from enrich.errors import EnrichError
from enrich.load import LoadReport, days_to_reenrich, enriched_days, load_dimension
from enrich.stage import as_of_join, enrich_items, fx_intervals, revenue_by_event, revenue_by_person
from enrich.step import Dimensions, enrich_events, read_dimensions, reenrich_days
from enrich.tables import DIM_FX_RATES, DIM_PRICES, DIM_PRODUCTS, DIMENSIONS, ENRICH_TABLES, EVENT_ITEMS
from lakehouse import DayRange

__all__ = [
    "DIMENSIONS",
    "DIM_FX_RATES",
    "DIM_PRICES",
    "DIM_PRODUCTS",
    "ENRICH_TABLES",
    "EVENT_ITEMS",
    "DayRange",
    "Dimensions",
    "EnrichConfig",
    "EnrichError",
    "LoadReport",
    "as_of_join",
    "days_to_reenrich",
    "enrich_events",
    "enrich_items",
    "enriched_days",
    "fx_intervals",
    "load_dimension",
    "read_dimensions",
    "reenrich_days",
    "revenue_by_event",
    "revenue_by_person",
]
