"""The anomaly tables, schemas as code: models, scores, alerts, evaluations (docs/anomaly.md).

Their keys are products and categories, never persons: none of them holds personal data.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    LongType,
    MapType,
    StringType,
    TimestampType,
)

from lakehouse import TableSpec
from lakehouse.schemas import nullable_struct

ANOMALY_MODELS_SCHEMA = nullable_struct(
    ("model_version", LongType()),
    ("created_at", TimestampType()),
    ("training_start", TimestampType()),
    ("training_end", TimestampType()),
    ("training_rows", LongType()),
    ("excluded_windows", LongType()),
    ("window_seconds", LongType()),
    ("k", LongType()),
    ("k_chosen_by", StringType()),
    ("silhouette", DoubleType()),
    ("seed", LongType()),
    ("features", ArrayType(StringType())),
    ("scaler_mean", ArrayType(DoubleType())),
    ("scaler_std", ArrayType(DoubleType())),
    ("centroids", ArrayType(ArrayType(DoubleType()))),
    ("thresholds", ArrayType(DoubleType())),
    ("cluster_sizes", ArrayType(LongType())),
    ("cost", DoubleType()),
    ("drift_expected", ArrayType(ArrayType(DoubleType()))),
    ("fingerprint", StringType()),
    ("model_path", StringType()),
)

ANOMALY_SCORES_SCHEMA = nullable_struct(
    ("key_kind", StringType()),
    ("key", StringType()),
    ("window_start", TimestampType()),
    ("window_end", TimestampType()),
    ("events", LongType()),
    ("features", MapType(StringType(), DoubleType())),
    ("cluster", LongType()),
    ("distance", DoubleType()),
    ("threshold", DoubleType()),
    ("score", DoubleType()),
    ("is_anomaly", BooleanType()),
    ("model_version", LongType()),
    ("batch_number", LongType()),
    ("scored_at", TimestampType()),
    ("window_date", DateType()),
)

ANOMALY_ALERTS_SCHEMA = nullable_struct(
    ("alert_id", StringType()),
    ("state", StringType()),
    ("key_kind", StringType()),
    ("key", StringType()),
    ("window_start", TimestampType()),
    ("window_end", TimestampType()),
    ("severity", StringType()),
    ("score", DoubleType()),
    ("distance", DoubleType()),
    ("threshold", DoubleType()),
    ("cluster", LongType()),
    ("explanation", StringType()),
    ("repeat", BooleanType()),
    ("model_version", LongType()),
    ("batch_number", LongType()),
    ("alerted_at", TimestampType()),
)

ANOMALY_EVALUATIONS_SCHEMA = nullable_struct(
    ("model_version", LongType()),
    ("batch_number", LongType()),
    ("evaluated_at", TimestampType()),
    ("window_from", TimestampType()),
    ("window_to", TimestampType()),
    ("windows_scored", LongType()),
    ("anomalous_windows", LongType()),
    ("alert_rate", DoubleType()),
    ("psi", MapType(StringType(), DoubleType())),
    ("max_psi", DoubleType()),
    ("drifted", BooleanType()),
)

ANOMALY_MODELS = TableSpec(
    name="anomaly_models",
    schema=ANOMALY_MODELS_SCHEMA,
    keys=("model_version",),
    layer="gold",
    description="One row per k-means model version: training range and rows, k, centroids, scaler, "
    "per-cluster thresholds, features, cost, seed; the Spark ML model is saved under <lake>/_anomaly/models.",
    privacy_safe=True,
)

ANOMALY_SCORES = TableSpec(
    name="anomaly_scores",
    schema=ANOMALY_SCORES_SCHEMA,
    keys=("key_kind", "key", "window_start"),
    partition_by=("window_date",),
    layer="gold",
    description="Every scored (product or category, window): features, nearest cluster, distance, threshold, "
    "whether it is anomalous, and the model version.",
    privacy_safe=True,
)

ANOMALY_ALERTS = TableSpec(
    name="anomaly_alerts",
    schema=ANOMALY_ALERTS_SCHEMA,
    keys=("alert_id",),
    layer="gold",
    description="Alerts (state firing, with severity and explanation) and recoveries (state resolved) per "
    "product or category and window; repeats suppressed within anomaly.repeat_suppression.",
    privacy_safe=True,
)

ANOMALY_EVALUATIONS = TableSpec(
    name="anomaly_evaluations",
    schema=ANOMALY_EVALUATIONS_SCHEMA,
    keys=("model_version", "batch_number"),
    layer="audit",
    description="Per scorer batch: the model version's alert rate and each feature's PSI against its training "
    "window; drifted when a PSI crosses anomaly.drift_threshold.",
    privacy_safe=True,
)

ANOMALY_TABLES: tuple[TableSpec, ...] = (ANOMALY_MODELS, ANOMALY_SCORES, ANOMALY_ALERTS, ANOMALY_EVALUATIONS)
