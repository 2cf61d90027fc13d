"""Stream analytics: sessions and windowed metrics per product category (docs/metrics.md).

Pure stages: ``build_sessions`` (silver events -> sessions), ``category_events`` / ``window_rows`` /
``window_metrics`` (silver + event_items -> category_metrics), ``final_window_records`` (the topic
records of final windows). The pipeline step (``clickstitch.steps.MetricsStep``) reads and writes.
"""

from metrics.config import MetricsConfig, SlidingWindow, duration_label, duration_seconds
from metrics.publishing import final_window_records
from metrics.sessions import GAP_CUT, SOURCE_CUT, assign_sessions, build_sessions, visitor_column
from metrics.tables import CATEGORY_METRICS, METRICS_TABLES, SESSIONS
from metrics.windows import (
    NO_CATEGORY,
    STAGGER,
    category_events,
    stagger_windows,
    window_metrics,
    window_rows,
)

__all__ = [
    "CATEGORY_METRICS",
    "GAP_CUT",
    "METRICS_TABLES",
    "NO_CATEGORY",
    "SESSIONS",
    "SOURCE_CUT",
    "STAGGER",
    "MetricsConfig",
    "SlidingWindow",
    "assign_sessions",
    "build_sessions",
    "category_events",
    "duration_label",
    "duration_seconds",
    "final_window_records",
    "stagger_windows",
    "visitor_column",
    "window_metrics",
    "window_rows",
]
