"""Anomaly detection settings: the ``anomaly`` section of the root config (docs/anomaly.md)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from lakehouse.days import duration_seconds as duration_seconds  # the one parser, re-exported


class AnomalyConfig(BaseModel):
    """k-means anomaly detection over per-key event-time windows (docs/anomaly.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window: str = Field("15 minutes", description="Event-time tumbling window of the features (divides 1 day).")
    lateness: str = Field("15 minutes", description="A window is closed (scored, trained on) once its end + this "
                          "is at or before the latest event time in events_silver.")
    training_days: float = Field(3, gt=0, description="The fit trains on this many days up to the last closed "
                                 "window (or --until).")
    min_training_days: float = Field(3, ge=0, description="Cold start: with less event history than this, no "
                                     "model is fitted and the scorer writes no alerts.")
    k: int | None = Field(None, ge=2, le=50, description="Fixed number of clusters; none: chosen in k_range by "
                          "silhouette.")
    k_range: tuple[int, int] = Field((2, 6), description="[lowest, highest] k tried when k is not set.")
    seed: int = Field(15, description="KMeans seed: the same data and seed give the same model.")
    max_iter: int = Field(40, ge=1)
    threshold_quantile: float = Field(0.995, gt=0, le=1, description="Per cluster: this quantile of the training "
                                      "distances to the centre ...")
    threshold_factor: float = Field(1.5, gt=0, description="... times this factor is the cluster's threshold.")
    min_threshold: float = Field(1.5, ge=0, description="Threshold floor (standardized units): a tight cluster "
                                 "does not alert on small moves.")
    severity_high: float = Field(2.0, gt=1, description="distance / threshold at or above which an alert is high.")
    severity_critical: float = Field(4.0, gt=1, description="distance / threshold for critical.")
    explain_features: int = Field(3, ge=1, description="Features named in an alert's explanation.")
    repeat_suppression: str = Field("1 hour", description="A key that stays anomalous is alerted again only "
                                    "after this (Alertmanager's repeat interval).")
    drift_threshold: float = Field(0.25, gt=0, description="PSI of a feature (recent windows vs training) above "
                                   "which `anomaly status` reports drift and a refit is due.")
    topic: str = Field("clickstitch.anomalies", description="Topic the alerts are published to, keyed by alert_id.")
    bootstrap: str | None = Field(None, description="Kafka bootstrap servers; none: the Delta table "
                                  "topic_<topic> stands in.")
    writer_id: str = Field("clickstitch-anomaly-score", description="Delta transaction app id of the scorer.")
    checkpoint_dir: str | None = Field(None, description="Scorer's checkpoint (its batch plans); default "
                                       "<lake.root>/_checkpoints/anomaly_score.")
    poll_interval: str = Field("30 seconds", description="Scorer: wait between micro-batches.")
    max_batch_span: str = Field("6 hours", description="Scorer: at most this much event time per micro-batch "
                                "(a backlog is caught up in several).")
    product_view_events: tuple[str, ...] = ("view_item", "Product Viewed")
    add_to_cart_events: tuple[str, ...] = ("add_to_cart", "Product Added")
    purchase_events: tuple[str, ...] = ("purchase", "Order Completed")

    @field_validator("window", "lateness", "repeat_suppression", "poll_interval", "max_batch_span")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration_seconds(value)
        return value

    @field_validator("window")
    @classmethod
    def _divides_a_day(cls, value: str) -> str:
        if 86400 % duration_seconds(value):
            raise ValueError(f"the window must divide one day, got {value!r}")
        return value

    @field_validator("k_range")
    @classmethod
    def _k_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        if not 2 <= value[0] <= value[1] <= 50:
            raise ValueError("k_range: 2 <= lowest <= highest <= 50")
        return value

    @model_validator(mode="after")
    def _severities(self) -> AnomalyConfig:
        if self.severity_critical < self.severity_high:
            raise ValueError("severity_critical must be >= severity_high")
        return self

    @property
    def window_seconds(self) -> int:
        return duration_seconds(self.window)
