"""The k-means model: fit on standardized feature vectors, per-cluster thresholds, scoring as Columns.

``fit_kmeans`` runs Spark ML ``KMeans`` (a fixed ``k``, or the best silhouette in ``k_range``) with a
fixed seed on rows in a fixed order, so the same data and seed give the same centroids.
``thresholds`` derive each cluster's threshold from the training distances. ``scored`` assigns the
nearest centroid, distance, threshold, alert flag, severity and explanation with plain Column
expressions over the centroids (a few literals), so the scorer needs no model object per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add

from pyspark.ml.clustering import KMeans, KMeansModel
from pyspark.ml.evaluation import ClusteringEvaluator
from pyspark.ml.functions import array_to_vector
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from anomaly.config import AnomalyConfig
from anomaly.features import WINDOW_COLUMNS, Scaler, inverse

_ACCURACY = 1_000_000  # percentile_approx accuracy: exact at the sizes trained here


@dataclass(frozen=True)
class AnomalyModel:
    """One model version as the scorer uses it (a row of ``anomaly_models``)."""

    version: int
    scaler: Scaler
    centroids: tuple[tuple[float, ...], ...]
    thresholds: tuple[float, ...]

    @property
    def k(self) -> int:
        return len(self.centroids)


@dataclass(frozen=True)
class Clustering:
    """What ``fit_kmeans`` found: the Spark ML model, its k, how k was chosen, silhouette and cost."""

    model: KMeansModel
    k: int
    chosen_by: str
    silhouette: float | None
    cost: float

    @property
    def centroids(self) -> tuple[tuple[float, ...], ...]:
        return tuple(tuple(round(float(v), 12) for v in centre) for centre in self.model.clusterCenters())


def fit_kmeans(vectors: DataFrame, config: AnomalyConfig, distinct_rows: int) -> Clustering:
    """KMeans on ``z`` (array<double>) rows; ``k`` fixed, else the best silhouette in ``k_range``.

    Needs: ``z`` and WINDOW_COLUMNS (the order rows are fed in, for determinism). ``distinct_rows``
    caps k (k-means cannot place more centres than distinct points).
    """
    data = vectors.orderBy(*WINDOW_COLUMNS).coalesce(1).select(array_to_vector(F.col("z")).alias("features")).persist()
    try:
        if config.k is not None:
            candidates = [min(config.k, max(distinct_rows, 1))]
            chosen_by = "fixed"
        else:
            low, high = config.k_range
            candidates = list(range(min(low, max(distinct_rows, 1)), min(high, max(distinct_rows, 1)) + 1))
            chosen_by = "silhouette"
        best: Clustering | None = None
        for k in candidates:
            model = KMeans(k=k, seed=config.seed, maxIter=config.max_iter, featuresCol="features",
                           predictionCol="cluster").fit(data)
            silhouette = None
            if chosen_by == "silhouette" and k >= 2:
                silhouette = float(ClusteringEvaluator(featuresCol="features", predictionCol="cluster").evaluate(
                    model.transform(data)))
            found = Clustering(model, k, chosen_by, silhouette, float(model.summary.trainingCost))
            if best is None or (silhouette is not None and best.silhouette is not None
                                and silhouette > best.silhouette + 1e-12):
                best = found
        assert best is not None
        return best
    finally:
        data.unpersist()


def _distances(centroids: Sequence[Sequence[float]]) -> Column:
    """array<double>: the Euclidean distance of ``z`` to each centroid."""
    z = F.col("z")
    return F.array(*[F.sqrt(reduce(add, [F.pow(z[i] - F.lit(float(c)), 2) for i, c in enumerate(centre)]))
                     for centre in centroids])


def nearest(features: DataFrame, centroids: Sequence[Sequence[float]]) -> DataFrame:
    """Rows with ``z`` -> + cluster (0-based index of the nearest centroid, first on ties), distance."""
    with_d = features.withColumn("_d", _distances(centroids))
    return with_d.withColumns({
        "cluster": (F.array_position("_d", F.array_min("_d")) - 1).cast("long"),
        "distance": F.array_min("_d"),
    }).drop("_d")


def thresholds_by_cluster(assigned: DataFrame, config: AnomalyConfig) -> DataFrame:
    """``nearest`` rows of the training window -> per cluster: rows, the distance quantile.

    Gives: cluster, rows, quantile (``threshold_quantile`` of the distances; the fit collects these
    k rows and applies ``threshold``).
    """
    return assigned.groupBy("cluster").agg(
        F.count(F.lit(1)).alias("rows"),
        F.percentile_approx("distance", config.threshold_quantile, _ACCURACY).alias("quantile"))


def threshold(quantile: float | None, config: AnomalyConfig) -> float:
    """A cluster's threshold: its training quantile x factor, at least ``min_threshold``."""
    return round(max((quantile or 0.0) * config.threshold_factor, config.min_threshold), 12)


def scored(features: DataFrame, model: AnomalyModel, config: AnomalyConfig) -> DataFrame:
    """Feature rows (with ``z``) -> + cluster, distance, threshold, is_anomaly, severity, explanation.

    Needs: ``transformed`` output. Gives: the input columns + cluster, distance, threshold (the
    cluster's), is_anomaly (distance > threshold), score (distance / threshold), severity (``critical``
    at ``severity_critical``, ``high`` at ``severity_high``, else ``warning``; null when not anomalous),
    explanation (the ``explain_features`` features furthest from the centre in standardized units,
    ``name=value (centre c)`` in the features' own units), model_version.
    """
    placed = nearest(features, model.centroids)
    thresholds = F.array(*[F.lit(t) for t in model.thresholds])
    cluster = F.col("cluster").cast("int")
    centre_z = F.element_at(F.array(*[F.array(*[F.lit(v) for v in c]) for c in model.centroids]), cluster + 1)
    centre_raw = F.element_at(F.array(*[
        F.array(*[F.lit(round(inverse(name, model.scaler, v), 6)) for name, v in zip(model.scaler.features, c,
                                                                                    strict=True)])
        for c in model.centroids]), cluster + 1)
    gaps = F.array(*[F.struct(
        F.abs(F.col("z")[i] - centre_z[i]).alias("gap"), F.lit(name).alias("name"),
        F.col(name).cast("double").alias("value"), centre_raw[i].alias("centre"))
        for i, name in enumerate(model.scaler.features)])
    top = F.slice(F.sort_array(gaps, asc=False), 1, config.explain_features)
    explanation = F.array_join(F.transform(top, lambda s: F.format_string(
        "%s=%.2f (centre %.2f)", s["name"], s["value"], s["centre"])), "; ")
    ratio = F.col("distance") / F.col("threshold")
    with_threshold = placed.withColumns({
        "threshold": F.element_at(thresholds, cluster + 1),
        "model_version": F.lit(model.version).cast("long"),
    })
    anomalous = F.col("distance") > F.col("threshold")
    return with_threshold.withColumns({
        "is_anomaly": anomalous,
        "score": F.round(ratio, 6),
        "severity": F.when(anomalous, F.when(ratio >= config.severity_critical, "critical")
                           .when(ratio >= config.severity_high, "high").otherwise("warning")),
        "explanation": F.when(anomalous, explanation),
    })
