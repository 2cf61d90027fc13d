"""Enrichment settings: the ``enrich`` section of the root config."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AsOfJoin = Literal["auto", "broadcast", "bucketed"]


class EnrichConfig(BaseModel):
    """Settings for product, price and currency enrichment (docs/enrich.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(default=True, description="Write event_items and revenue_reporting in the pipeline.")
    reporting_currency: str = Field(
        default="USD", description="ISO 4217 code every amount is converted to (dim_fx_rates holds rates into it)."
    )
    max_fx_age_days: int = Field(
        default=4,
        ge=0,
        description="A rate older than this many days (event date - rate date) sets fx_stale. 4 covers a "
        "weekend plus a holiday on each side (Easter: Thursday's rate on Monday).",
    )
    asof_join: AsOfJoin = Field(
        default="auto",
        description="How event items find their product and price version: broadcast the history, join on "
        "(product_id, day) buckets, or auto (broadcast up to broadcast_max_rows rows).",
    )
    broadcast_max_rows: int = Field(
        default=1_000_000, ge=0, description="Largest dimension history (rows) that auto still broadcasts."
    )
    purchase_events: tuple[str, ...] = Field(
        default=("purchase", "Order Completed"),
        description="Event names whose item lines count as revenue (revenue_reporting); others give 0.",
    )

    @field_validator("reporting_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not value.isalpha() or not value.isupper():
            raise ValueError(f"must be a three-letter upper-case ISO 4217 code, got {value!r}")
        return value

    def strategy_for(self, history_rows: int | None) -> Literal["broadcast", "bucketed"]:
        """The as-of join for a dimension of ``history_rows`` rows (None: unknown, never broadcast in auto)."""
        if self.asof_join != "auto":
            return self.asof_join
        return "broadcast" if history_rows is not None and history_rows <= self.broadcast_max_rows else "bucketed"
