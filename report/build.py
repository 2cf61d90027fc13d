"""Build the dashboard: load each panel's table if the lake has it, aggregate in Spark, draw, write."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame

from lakehouse import Lakehouse
from report import aggregates as agg
from report import charts
from report import sources as src
from report.config import ReportConfig
from report.errors import ReportError
from report.page import Panel, render_page

METRIC_KINDS = ("tumbling_5m", "tumbling_1h", "tumbling_1d", "sliding_1h_5m", "stagger")
ALERT_COLUMNS = ("window_start", "window_end", "severity", "key_kind", "key", "explanation")
QUALITY_COLUMNS = ("checked_at", "table", "suite", "expectation", "action", "success", "observed_value",
                   "unexpected_count", "unexpected_percent", "batch_id")


@dataclass(frozen=True)
class ReportSummary:
    """What the written page holds: charts per panel, and the panels' "no data yet" lines."""

    path: Path
    charts: dict[str, int]
    missing: dict[str, tuple[str, ...]]

    def line(self) -> str:
        drawn = ", ".join(f"{k} {n}" for k, n in self.charts.items() if n)
        empty = [k for k, n in self.charts.items() if not n]
        return f"report written to {self.path}: charts {drawn or 'none'}" + (
            f"; no data yet for {', '.join(empty)}" if empty else "")


def _rows(df: DataFrame) -> list[dict[str, Any]]:
    """The few rows of an aggregate (every aggregate here is bounded by its arguments)."""
    return [row.asDict() for row in df.collect()]


def build_report(lake: Lakehouse, out: Path, config: ReportConfig | None = None, *,
                 now: datetime | None = None) -> ReportSummary:
    """Write the dashboard of ``lake`` to ``out``; panels whose table is absent say what produces it."""
    config = config or ReportConfig()
    days = config.days
    loaded = {source.table: src.load(lake, source) for source in src.SOURCES}
    if all(item.frame is None for item in loaded.values()):
        raise ReportError(f"nothing to report: the lake at {_root(lake)} holds none of the tables "
                          f"{', '.join(loaded)} (run `clickstitch demo`, `backfill` or `stream` first)")
    alerts = _rows(agg.latest_alerts(frame, rows=config.max_rows)) if (
        frame := loaded["anomaly_alerts"].frame) is not None else []
    panels = [
        _metrics_panel(loaded["category_metrics"], alerts, config, days),
        _sessions_panel(loaded["sessions"], config, days),
        _bots_panel(loaded["events_silver"], days),
        _ingest_panel(loaded["ingest_batches"], loaded["dead_letter"], config),
        _alerts_panel(loaded["anomaly_alerts"], alerts),
        _quality_panel(loaded["quality_results"], config),
    ]
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    page = render_page("clickstitch dashboard", f"lake {_root(lake)} · last {days} days with data · built {stamp}",
                       panels)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, out)  # a reader never sees half a page
    return ReportSummary(out, {p.key: p.charts for p in panels}, {p.key: tuple(p.missing) for p in panels})


def _root(lake: Lakehouse) -> str:
    return str(getattr(lake.backend, "root", "?"))


def _metrics_panel(metrics: src.Loaded, alerts: list[dict[str, Any]], config: ReportConfig, days: int) -> Panel:
    panel = Panel("metrics", "Metrics over time per category", ("category_metrics", "anomaly_alerts"))
    if metrics.frame is None:
        panel.add_missing(metrics.missing)
        return panel
    rows = _rows(agg.metrics_over_time(metrics.frame, days=days, max_windows=config.max_windows,
                                       top_categories=config.top_categories))
    kinds = sorted({r["window_kind"] for r in rows}, key=lambda k: (k not in METRIC_KINDS, METRIC_KINDS.index(k)
                                                                   if k in METRIC_KINDS else 0, k))
    for kind in kinds:
        panel.add_figure(charts.metrics_figure(kind, [r for r in rows if r["window_kind"] == kind], alerts))
    if not kinds:
        panel.add_missing("no data yet: category_metrics has no windows")
    return panel


def _sessions_panel(sessions: src.Loaded, config: ReportConfig, days: int) -> Panel:
    panel = Panel("sessions", "Sessions and conversion", ("sessions",))
    if sessions.frame is None:
        panel.add_missing(sessions.missing)
        return panel
    by_day = _rows(agg.sessions_by_day(sessions.frame, days=days))
    if not by_day:
        panel.add_missing("no data yet: sessions is empty")
        return panel
    panel.add_figure(charts.sessions_figure(by_day))
    panel.add_figure(charts.channels_figure(_rows(agg.sessions_by_channel(sessions.frame, days=days, top=10))))
    return panel


def _bots_panel(silver: src.Loaded, days: int) -> Panel:
    panel = Panel("bots", "Bot share per day", ("events_silver",))
    rows = _rows(agg.bot_share_by_day(silver.frame, days=days)) if silver.frame is not None else []
    if rows:
        panel.add_figure(charts.bot_share_figure(rows))
    else:
        panel.add_missing(silver.missing or "no data yet: events_silver is empty")
    return panel


def _ingest_panel(batches: src.Loaded, dead: src.Loaded, config: ReportConfig) -> Panel:
    panel = Panel("ingest", "Ingest health", ("ingest_batches", "dead_letter"))
    rows = _rows(agg.ingest_by_batch(batches.frame, max_batches=100)) if batches.frame is not None else []
    if rows:
        panel.add_figure(charts.ingest_figure(rows))
    else:
        panel.add_missing(batches.missing or "no data yet: no batch has committed")
    reasons = _rows(agg.dead_letters_by_reason(dead.frame, top=20)) if dead.frame is not None else []
    if reasons:
        panel.add_figure(charts.dead_letters_figure(reasons))
    elif dead.frame is None:
        panel.add_missing(dead.missing)
    else:
        panel.add_html('<p class="source">no dead letters</p>')
    return panel


def _alerts_panel(loaded: src.Loaded, alerts: list[dict[str, Any]]) -> Panel:
    panel = Panel("alerts", "Anomaly alerts", ("anomaly_alerts",))
    if loaded.frame is None:
        panel.add_missing(loaded.missing)
    elif not alerts:
        panel.add_html('<p class="source">no alerts</p>')
    else:
        panel.add_figure(charts.alerts_figure(alerts))
        panel.add_html(charts.html_table(alerts, ALERT_COLUMNS))
    return panel


def _quality_panel(loaded: src.Loaded, config: ReportConfig) -> Panel:
    panel = Panel("quality", "Quality results", ("quality_results",))
    if loaded.frame is None:
        panel.add_missing(loaded.missing)
        return panel
    suites = _rows(agg.quality_by_suite(loaded.frame))
    if not suites:
        panel.add_html('<p class="source">no expectations checked yet</p>')
        return panel
    panel.add_figure(charts.quality_figure(sorted(suites, key=lambda r: (str(r["table"]), str(r["suite"])))))
    panel.add_html(charts.html_table(_rows(agg.latest_quality_results(loaded.frame, rows=config.max_rows)),
                                     QUALITY_COLUMNS))
    return panel
