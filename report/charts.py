"""Plotly figures from the aggregates' few rows (lists of dicts), and HTML tables of rows.

The figures draw as SVG (no WebGL traces), so a headless browser without a GPU draws them too.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

import plotly.graph_objects as go
from plotly.subplots import make_subplots

Rows = Sequence[dict[str, Any]]

SEVERITY_COLOURS = {"critical": "#d62728", "high": "#d62728", "warning": "#ff7f0e", "medium": "#ff7f0e"}
WINDOW_KIND_TITLES = {
    "tumbling_5m": "tumbling 5-minute windows",
    "tumbling_1h": "tumbling 1-hour windows",
    "tumbling_1d": "daily (tumbling 1-day windows)",
    "sliding_1h_5m": "sliding 1-hour windows, every 5 minutes",
    "stagger": "stagger windows (per category, from its first event)",
}


def _layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    fig.update_layout(title=title, height=height, template="plotly_white", margin={"l": 60, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.12})
    return fig


def _column(rows: Iterable[dict[str, Any]], name: str) -> list[Any]:
    return [row[name] for row in rows]


def metrics_figure(kind: str, rows: Rows, alerts: Rows) -> go.Figure:
    """Events, revenue and conversion rate per category over the windows of one kind, alerts shaded."""
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=("events (bots excluded)", "revenue (reporting currency)", "conversion rate"))
    categories = sorted({row["category"] for row in rows})
    for index, category in enumerate(categories):
        mine = sorted((r for r in rows if r["category"] == category), key=lambda r: r["window_start"])
        x = _column(mine, "window_start")
        colour = f"hsl({(index * 47) % 360},65%,45%)"
        for row_number, metric in enumerate(("events", "revenue_reporting", "conversion_rate"), start=1):
            fig.add_trace(go.Scatter(x=x, y=_column(mine, metric), mode="lines+markers", name=category,
                                     legendgroup=category, showlegend=row_number == 1,
                                     line={"color": colour, "width": 1.5}, marker={"size": 3}),
                          row=row_number, col=1)
    if rows and alerts:
        first = min(r["window_start"] for r in rows)
        last = max(r["window_end"] or r["window_start"] for r in rows)
        shown = [a for a in alerts if a["window_start"] is not None and first <= a["window_start"] <= last]
        for alert in shown:
            colour = SEVERITY_COLOURS.get(str(alert["severity"]).lower(), "#9467bd")
            fig.add_vrect(x0=alert["window_start"], x1=alert["window_end"] or alert["window_start"],
                          fillcolor=colour, opacity=0.18, line_width=0, row="all", col=1)
        if shown:
            top = max((r["events"] or 0) for r in rows)
            fig.add_trace(go.Scatter(
                x=_column(shown, "window_start"), y=[top] * len(shown), mode="markers", name="anomaly alert",
                marker={"symbol": "triangle-down", "size": 11, "color": "#d62728"},
                text=[f"{a['severity']}: {a['key_kind']}={a['key']}: {a['explanation']}" for a in shown],
                hoverinfo="text+x"), row=1, col=1)
    return _layout(fig, WINDOW_KIND_TITLES.get(kind, kind), 720)


def sessions_figure(days: Rows) -> go.Figure:
    days = sorted(days, key=lambda r: r["session_date"])
    x = _column(days, "session_date")
    fig = make_subplots(rows=1, cols=2, specs=[[{"secondary_y": True}, {}]],
                        subplot_titles=("sessions per day (bars) and conversion rate (line)", "mean duration (s)"))
    fig.add_trace(go.Bar(x=x, y=_column(days, "sessions"), name="human sessions"), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=_column(days, "converted_sessions"), name="converted"), row=1, col=1)
    fig.add_trace(go.Bar(x=x, y=_column(days, "bot_sessions"), name="bot sessions"), row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=_column(days, "conversion_rate"), name="conversion rate", mode="lines+markers"),
                  row=1, col=1, secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=_column(days, "avg_duration_seconds"), name="mean duration",
                             mode="lines+markers"), row=1, col=2)
    fig.update_yaxes(tickformat=".0%", range=[0, 1], row=1, col=1, secondary_y=True)
    fig.update_xaxes(type="date", dtick="D1", tickformat="%Y-%m-%d")
    return _layout(fig, "sessions and conversion", 420)


def channels_figure(channels: Rows) -> go.Figure:
    fig = go.Figure(go.Bar(x=_column(channels, "sessions"), y=_column(channels, "channel"), orientation="h",
                           name="sessions", text=[f"{(r['conversion_rate'] or 0):.1%} converted" for r in channels],
                           textposition="auto"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "human sessions by traffic source / medium", 120 + 28 * max(len(channels), 1))


def bot_share_figure(days: Rows) -> go.Figure:
    days = sorted(days, key=lambda r: r["event_date"])
    x = _column(days, "event_date")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=x, y=[(r["events"] or 0) - (r["bot_events"] or 0) for r in days], name="human events"))
    fig.add_trace(go.Bar(x=x, y=_column(days, "bot_events"), name="bot events"))
    fig.add_trace(go.Scatter(x=x, y=_column(days, "bot_share"), name="bot share", mode="lines+markers"),
                  secondary_y=True)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(tickformat=".0%", range=[0, 1], secondary_y=True)
    fig.update_xaxes(type="date", dtick="D1", tickformat="%Y-%m-%d")  # whole days, even for a single one
    return _layout(fig, "bot share of events per day", 420)


def ingest_figure(batches: Rows) -> go.Figure:
    batches = sorted(batches, key=lambda r: (r["finished_at"] is None, r["finished_at"], r["batch_id"]))
    x = [f"{r['batch_id']}" for r in batches]
    fig = go.Figure()
    for name, label in (("bronze_records", "to bronze"), ("dead_letters", "dead letters"),
                        ("duplicates", "duplicates"), ("out_of_range", "out of range")):
        fig.add_trace(go.Bar(x=x, y=_column(batches, name), name=label))
    fig.add_trace(go.Scatter(x=x, y=_column(batches, "input_records"), name="records in", mode="markers",
                             marker={"symbol": "line-ew-open", "size": 18, "color": "black"}))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", title="batch")
    return _layout(fig, "records in per batch: where they went", 420)


def dead_letters_figure(reasons: Rows) -> go.Figure:
    fig = go.Figure(go.Bar(x=_column(reasons, "records"), y=[f"{r['stage']}: {r['reason']}" for r in reasons],
                           orientation="h", name="dead letters"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, "dead letters by stage and reason", 120 + 28 * max(len(reasons), 1))


def alerts_figure(alerts: Rows) -> go.Figure:
    counts: dict[tuple[str, str], int] = {}
    for alert in alerts:
        key = (str(alert["key_kind"]), str(alert["severity"]))
        counts[key] = counts.get(key, 0) + 1
    fig = go.Figure()
    for severity in sorted({s for _, s in counts}):
        kinds = sorted(k for k, s in counts if s == severity)
        fig.add_trace(go.Bar(x=kinds, y=[counts[(k, severity)] for k in kinds], name=severity,
                             marker={"color": SEVERITY_COLOURS.get(severity.lower())}))
    fig.update_layout(barmode="stack")
    return _layout(fig, "latest anomaly alerts by key kind and severity", 360)


def quality_figure(suites: Rows) -> go.Figure:
    labels = [f"{r['table']} / {r['suite']}" for r in suites]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=labels, y=[(r["checks"] or 0) - (r["failed"] or 0) for r in suites], name="passed",
                         marker={"color": "#2ca02c"}))
    fig.add_trace(go.Bar(x=labels, y=_column(suites, "failed"), name="failed", marker={"color": "#d62728"}))
    fig.update_layout(barmode="stack")
    return _layout(fig, "expectation results per table and suite", 380)


def html_table(rows: Rows, columns: Sequence[str]) -> str:
    """An escaped HTML table of some rows (values as text)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape('' if r[c] is None else str(r[c]))}</td>" for c in columns)
                   + "</tr>" for r in rows)
    return f'<table class="rows"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
