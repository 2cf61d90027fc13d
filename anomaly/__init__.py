"""Anomaly detection: k-means over per-key event-time windows (docs/anomaly.md).

Pure stages: ``key_events`` / ``window_features`` (silver + event_items + dim_products -> features per
product or category and window), ``transformed`` (log1p + the stored scaler), ``fit_kmeans`` /
``nearest`` / ``thresholds_by_cluster`` (the model), ``scored`` (cluster, distance, alert flag,
severity, explanation), ``fold_incidents`` (repeat suppression and recovery), ``psi`` (drift). The
jobs that read and write (``clickstitch.anomaly_jobs``) live in the orchestration package.
"""

from anomaly.config import AnomalyConfig, duration_seconds
from anomaly.drift import drift_bins, psi_by_feature
from anomaly.features import (
    CATEGORY,
    FEATURES,
    PRODUCT,
    WINDOW_COLUMNS,
    Scaler,
    key_events,
    scaler_from,
    scaler_moments,
    transformed,
    window_features,
)
from anomaly.incidents import FIRING, RESOLVED, OpenIncident, alert_id, fold_incidents
from anomaly.model import AnomalyModel, Clustering, fit_kmeans, nearest, scored, threshold, thresholds_by_cluster
from anomaly.tables import ANOMALY_ALERTS, ANOMALY_EVALUATIONS, ANOMALY_MODELS, ANOMALY_SCORES, ANOMALY_TABLES

__all__ = [
    "ANOMALY_ALERTS",
    "ANOMALY_EVALUATIONS",
    "ANOMALY_MODELS",
    "ANOMALY_SCORES",
    "ANOMALY_TABLES",
    "CATEGORY",
    "FEATURES",
    "FIRING",
    "PRODUCT",
    "RESOLVED",
    "WINDOW_COLUMNS",
    "AnomalyConfig",
    "AnomalyModel",
    "Clustering",
    "OpenIncident",
    "Scaler",
    "alert_id",
    "drift_bins",
    "duration_seconds",
    "fit_kmeans",
    "fold_incidents",
    "key_events",
    "nearest",
    "psi_by_feature",
    "scaler_from",
    "scaler_moments",
    "scored",
    "threshold",
    "thresholds_by_cluster",
    "transformed",
    "window_features",
]
