"""Dashboard settings: the ``report`` section of the root config."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ReportConfig(BaseModel):
    """Settings for ``clickstitch report`` (docs/report.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(default=14, ge=1, description="Days shown: the last N days that hold data, per panel.")
    max_windows: int = Field(
        default=500, ge=1, description="Most windows per window kind drawn on the metrics charts (the latest ones)."
    )
    top_categories: int = Field(
        default=8, ge=1, description="Categories drawn by name (the largest by events); the rest are summed as (other)."
    )
    max_rows: int = Field(default=50, ge=1, description="Rows of the alert and quality tables (the latest ones).")
