"""The dashboard: one self-contained HTML page of the lake's metrics, sessions, bots, ingest health,
anomaly alerts and quality results (docs/report.md). Panels read their tables only if the lake has them."""

from report.build import ReportSummary, build_report
from report.config import ReportConfig
from report.errors import ReportError

__all__ = ["ReportConfig", "ReportError", "ReportSummary", "build_report"]
