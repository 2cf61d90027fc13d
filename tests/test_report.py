"""The dashboard's aggregates on small frames, and a page built from tables the catalog does not list yet."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from clickstitch.catalog import CATALOG
from lakehouse import Lakehouse, TableSpec
from lakehouse.deltars import DeltaRsBackend
from report import ReportConfig, ReportError, build_report
from report import aggregates as agg
from report import sources as src
from tests.browser import keep_artifact, render
from tests.frames import assert_same_rows

DAY1, DAY2 = date(2026, 10, 1), date(2026, 10, 2)


def _metrics_rows() -> list[dict]:
    """category_metrics-shaped rows: 2 kinds x 3 categories x 3 hours x 2 days, all values distinct."""
    rows = []
    for kind_index, kind in enumerate(("tumbling_1h", "stagger")):
        for day in (DAY1, DAY2):
            for hour in range(3):
                for cat_index, category in enumerate(("books", "games", "toys")):
                    start = datetime(day.year, day.month, day.day, hour, 0 if kind == "tumbling_1h" else cat_index)
                    events = (100 if category == "books" else 10) + hour * 3 + cat_index + kind_index
                    purchases = hour + cat_index
                    rows.append({"window_kind": kind, "window_start": start, "window_end": start + timedelta(hours=1),
                                 "category": category, "events": events, "purchases": purchases,
                                 "revenue_reporting": purchases * 12.5, "conversion_rate": purchases / events,
                                 "bot_events": cat_index, "late_events": hour % 2, "window_date": day})
    return rows


def _frame(spark: SparkSession, rows: list[dict], source: src.Source) -> DataFrame:
    return spark.createDataFrame([tuple(r[c] for c in source.names) for r in rows], source.schema)


def test_metrics_keep_the_latest_days_and_windows_and_fold_small_categories(spark: SparkSession) -> None:
    rows = _metrics_rows()
    got = agg.metrics_over_time(_frame(spark, rows, src.CATEGORY_METRICS), days=1, max_windows=2, top_categories=1)
    # The oracle: last day only, per kind its 2 latest window starts, books by name, the rest as (other).
    kept = [r for r in rows if r["window_date"] == DAY2]
    latest = {kind: sorted({r["window_start"] for r in kept if r["window_kind"] == kind})[-2:]
              for kind in {r["window_kind"] for r in kept}}
    kept = [r for r in kept if r["window_start"] in latest[r["window_kind"]]]
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in kept:
        label = r["category"] if r["category"] == "books" else agg.OTHER
        groups[(r["window_kind"], r["window_start"], r["window_end"], label)].append(r)
    expected = []
    for (kind, start, end, label), members in groups.items():
        events = sum(m["events"] for m in members)
        expected.append({"window_kind": kind, "window_start": start, "window_end": end, "category": label,
                         "events": events, "purchases": sum(m["purchases"] for m in members),
                         "revenue_reporting": round(sum(m["revenue_reporting"] for m in members), 2),
                         "conversion_rate": round(sum(m["purchases"] for m in members) / events, 6),
                         "bot_events": sum(m["bot_events"] for m in members),
                         "late_events": sum(m["late_events"] for m in members)})
    assert_same_rows(got, expected)
    # Stagger windows start per category: the 2 latest are games' and toys', both (other).
    assert {r["category"] for r in expected} == {"books", agg.OTHER} and len(expected) == 2 * 2 + 2


def test_sessions_and_bot_share_per_day(spark: SparkSession) -> None:
    sessions = [  # (day, is_bot, converted, duration, revenue, source, medium)
        (DAY1, False, True, 60.0, 20.0, "google", "organic"), (DAY1, False, False, 30.0, 0.0, "google", "organic"),
        (DAY1, True, False, 1.0, 0.0, None, None), (DAY2, False, False, 90.0, 0.0, None, None),
        (DAY2, False, True, 10.0, 5.5, "newsletter", "email"),
    ]
    frame = spark.createDataFrame(
        [(datetime(d.year, d.month, d.day, 9), dur, s, m, "desktop", conv, rev, bot, d)
         for d, bot, conv, dur, rev, s, m in sessions], src.SESSIONS.schema)
    expected = []
    for day in (DAY1, DAY2):
        human = [s for s in sessions if s[0] == day and not s[1]]
        converted = sum(1 for s in human if s[2])
        expected.append({"session_date": day, "sessions": len(human), "converted_sessions": converted,
                         "conversion_rate": round(converted / len(human), 6),
                         "avg_duration_seconds": round(sum(s[3] for s in human) / len(human), 1),
                         "revenue_reporting": round(sum(s[4] for s in human), 2),
                         "bot_sessions": sum(1 for s in sessions if s[0] == day and s[1])})
    assert_same_rows(agg.sessions_by_day(frame, days=5), expected)
    assert_same_rows(agg.sessions_by_day(frame, days=1), [e for e in expected if e["session_date"] == DAY2])
    channels = agg.sessions_by_channel(frame, days=5, top=1).collect()
    assert [(r["channel"], r["sessions"], r["converted_sessions"]) for r in channels] == [("google / organic", 2, 1)]

    bots = [(i % 4 == 0, DAY1 if i < 10 else DAY2) for i in range(16)]
    silver = spark.createDataFrame(bots, src.EVENTS_SILVER.schema)
    shares = {r["event_date"]: (r["events"], r["bot_events"], r["bot_share"])
              for r in agg.bot_share_by_day(silver, days=2).collect()}
    assert shares == {DAY1: (10, 3, 0.3), DAY2: (6, 1, round(1 / 6, 6))}


def _write(lake: Lakehouse, source: src.Source, frame: DataFrame) -> None:
    """A table the catalog does not list (another branch writes it), written into its folder."""
    spec = TableSpec(source.table, source.schema, keys=(), partition_by=source.partition_by)
    lake.backend.ensure(spec)
    lake.backend.append(spec, frame, "test", 1)


def test_page_from_tables_not_in_the_catalog_draws_metrics_with_alerts(spark: SparkSession, tmp_path: Path) -> None:
    lake = Lakehouse(spark, DeltaRsBackend(spark, tmp_path / "lake"), CATALOG)
    with pytest.raises(ReportError, match="nothing to report"):
        build_report(lake, tmp_path / "empty.html")
    assert not (tmp_path / "lake" / "events_silver").exists(), "the report creates no table"

    _write(lake, src.CATEGORY_METRICS, _frame(spark, _metrics_rows(), src.CATEGORY_METRICS))
    alerts = [("category", "books", datetime(2026, 10, 2, 1), datetime(2026, 10, 2, 2), "high", "events 3 sd up"),
              ("category", "toys", datetime(2026, 9, 1, 1), datetime(2026, 9, 1, 2), "warning", "outside the range")]
    _write(lake, src.ANOMALY_ALERTS, spark.createDataFrame(alerts, src.ANOMALY_ALERTS.schema))
    summary = build_report(lake, tmp_path / "report.html", ReportConfig(top_categories=2))
    assert summary.charts["metrics"] == 2 and summary.charts["alerts"] == 1
    assert summary.charts["sessions"] == 0 and summary.missing["sessions"][0].startswith("no data yet: sessions")
    assert summary.charts["quality"] == 0 and "quality_results" in summary.missing["quality"][0]

    page = (tmp_path / "report.html").read_text()
    assert page.count("/*! For license information please see plotly") <= 1 and "Plotly.newPlot" in page
    dom = render(tmp_path / "report.html", tmp_path / "report.png")
    metrics = _section(dom, "metrics")
    assert len(re.findall(r'class="main-svg"', metrics)) >= 2 and metrics.count('class="scatterlayer') >= 2
    assert "anomaly alert" in metrics, "the alert inside the charted range is marked"
    assert "no data yet: sessions is written by" in _section(dom, "sessions")
    keep_artifact(tmp_path / "report.png", "report-metrics.png")


def _section(dom: str, key: str) -> str:
    found = re.search(rf'<section class="panel" id="panel-{key}".*?</section>', dom, re.S)
    assert found, f"no panel {key}"
    return found.group(0)

