"""Stream analytics settings: the ``metrics`` section of the root config (docs/metrics.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lakehouse.days import duration_seconds as duration_seconds  # the one parser, re-exported

DAY_SECONDS = 86400
_LABEL_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def duration_label(seconds: int) -> str:
    """300 -> ``5m``, 3600 -> ``1h``: the short form used in ``window_kind`` (``tumbling_5m``)."""
    for suffix, unit in _LABEL_UNITS:
        if seconds % unit == 0:
            return f"{seconds // unit}{suffix}"
    raise AssertionError("unreachable: every duration is whole seconds")


def _check_duration(value: str) -> str:
    duration_seconds(value)
    return value


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SlidingWindow(_Section):
    size: str = Field("1 hour", description="Length of each sliding window.")
    slide: str = Field("5 minutes", description="A new window starts every `slide`.")

    @field_validator("size", "slide")
    @classmethod
    def _duration(cls, value: str) -> str:
        return _check_duration(value)

    @property
    def kind(self) -> str:
        return f"sliding_{duration_label(duration_seconds(self.size))}_{duration_label(duration_seconds(self.slide))}"


class MetricsConfig(_Section):
    """Sessions and windowed metrics per product category (docs/metrics.md)."""

    enabled: bool = Field(True, description="Write sessions and category_metrics in the pipeline.")
    tumbling: tuple[str, ...] = Field(("5 minutes", "1 hour"), description="Tumbling window sizes (at most 1 day).")
    daily: bool = Field(True, description="Also a one-day tumbling window (tumbling_1d): the materialized daily "
                        "funnel the views read.")
    sliding: SlidingWindow = SlidingWindow()
    stagger: str = Field("1 minute", description="Stagger window length, per (category, minute of the event time).")
    hll_lg_config_k: int = Field(12, ge=4, le=21, description="HyperLogLog lgConfigK: relative error 1.04/sqrt(2^k).")
    allowed_lateness: str = Field("72 hours", description="A window is final once window_end + this <= the watermark.")
    session_gap: str = Field("30 minutes", description="Inactivity that ends a session cut without a session id.")
    topic: str = Field("clickstitch.metrics", description="Topic each final window is published to once.")
    bootstrap: str | None = Field(None, description="Kafka bootstrap servers for the topic; none: a Delta table "
                                  "topic_<topic> stands in (publish.open_publisher).")
    page_types: tuple[str, ...] = Field(("page", "screen"), description="event_type values counted as page views.")
    product_view_events: tuple[str, ...] = ("view_item", "Product Viewed")
    add_to_cart_events: tuple[str, ...] = ("add_to_cart", "Product Added")
    purchase_events: tuple[str, ...] = ("purchase", "Order Completed")

    @field_validator("tumbling")
    @classmethod
    def _tumbling(cls, sizes: tuple[str, ...]) -> tuple[str, ...]:
        for size in sizes:
            if duration_seconds(size) > 86400:
                raise ValueError(f"a tumbling window is at most 1 day, got {size!r}")
        if len({duration_seconds(s) for s in sizes}) != len(sizes):
            raise ValueError("tumbling sizes repeat")
        return sizes

    @field_validator("stagger", "allowed_lateness", "session_gap")
    @classmethod
    def _duration(cls, value: str) -> str:
        return _check_duration(value)

    @field_validator("sliding")
    @classmethod
    def _sliding(cls, sliding: SlidingWindow) -> SlidingWindow:
        size, slide = duration_seconds(sliding.size), duration_seconds(sliding.slide)
        if size > 86400 or slide > size or size % slide:
            raise ValueError("sliding: size <= 1 day, slide <= size, and size a multiple of slide")
        return sliding

    def tumbling_kinds(self) -> list[tuple[str, int]]:
        """(window_kind, size in seconds) per tumbling size: ``tumbling_5m``, ``tumbling_1h`` (+ ``tumbling_1d``
        when ``daily``)."""
        sizes = [duration_seconds(s) for s in self.tumbling]
        if self.daily and DAY_SECONDS not in sizes:
            sizes.append(DAY_SECONDS)
        return [(f"tumbling_{duration_label(size)}", size) for size in sizes]
