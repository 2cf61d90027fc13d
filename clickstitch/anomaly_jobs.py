"""The anomaly jobs: fit a model version, score closed windows, report status (docs/anomaly.md).

They read and write through the lakehouse and call the pure ``anomaly`` stage functions. The scorer
is a loop of micro-batches over the windows the watermark has closed: each batch's plan (window
range, model version) is written to its checkpoint before any table write, and every write carries
the Delta transaction id (``anomaly.writer_id``, batch number), so a killed and restarted scorer
replays the same plan and writes each score and alert once. ``anomaly_scores`` is written last: it
marks the batch done.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from anomaly import (
    ANOMALY_ALERTS,
    ANOMALY_EVALUATIONS,
    ANOMALY_MODELS,
    ANOMALY_SCORES,
    FEATURES,
    FIRING,
    WINDOW_COLUMNS,
    AnomalyConfig,
    AnomalyModel,
    OpenIncident,
    Scaler,
    drift_bins,
    duration_seconds,
    fit_kmeans,
    fold_incidents,
    key_events,
    nearest,
    psi_by_feature,
    scaler_from,
    scaler_moments,
    scored,
    threshold,
    thresholds_by_cluster,
    transformed,
    window_features,
)
from anomaly.drift import proportions
from clickstitch.config import ClickstitchConfig
from clickstitch.errors import ClickstitchError
from lakehouse import DayRange, Lakehouse
from publish import open_publisher

log = logging.getLogger(__name__)

FIT_WRITER = "clickstitch-anomaly-fit"
_DAY = timedelta(days=1)


# -- shared: event history, closed windows, features ------------------------------------------------------


@dataclass(frozen=True)
class History:
    """First and latest event time in events_silver."""

    first: datetime
    latest: datetime

    def days_until(self, end: datetime) -> float:
        """Days of history up to ``end``, counted from the start of the first event's UTC day."""
        return (end - self.first.replace(hour=0, minute=0, second=0, microsecond=0)) / _DAY


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def event_history(lake: Lakehouse) -> History | None:
    """One small aggregation over events_silver's event_time (None when it is empty)."""
    if not lake.exists("events_silver"):
        return None
    times = lake.read("events_silver").agg(F.min("event_time").alias("first"), F.max("event_time").alias("latest"))
    row = times.first()
    if row is None or row["first"] is None:
        return None
    return History(_utc(row["first"]), _utc(row["latest"]))


def floor_window(at: datetime, config: AnomalyConfig) -> datetime:
    seconds = config.window_seconds
    return datetime.fromtimestamp(math.floor(at.timestamp() / seconds) * seconds, UTC)


def last_closed_end(history: History, config: AnomalyConfig) -> datetime:
    """The end of the last window the watermark (latest event time - ``lateness``) has closed."""
    return floor_window(history.latest - timedelta(seconds=duration_seconds(config.lateness)), config)


def features_between(lake: Lakehouse, config: AnomalyConfig, start: datetime, end: datetime) -> DataFrame:
    """Raw feature rows of the windows in [start, end): reads only the days they cover."""
    days: dict[str, Sequence[str]] = {
        "event_date": DayRange(start.date(), (end - timedelta(microseconds=1)).date()).days()}
    silver = lake.read("events_silver", days)
    items = lake.read("event_items", days)
    products = lake.read("dim_products")
    rows = key_events(silver, items, products, config)
    features = window_features(rows, config)
    return features.where((F.col("window_start") >= _timestamp(start)) & (F.col("window_end") <= _timestamp(end)))


def _timestamp(at: datetime) -> Column:
    """A UTC instant as a Spark timestamp literal (text read in the session's UTC zone, not the process's)."""
    return F.lit(_utc(at).strftime("%Y-%m-%d %H:%M:%S.%f")).cast("timestamp")


# -- models ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FitOutcome:
    version: int | None
    reason: str
    unchanged: bool = False
    seconds: float = 0.0
    row: dict[str, Any] = field(default_factory=dict)

    def line(self) -> str:
        if self.version is None:
            return f"anomaly fit: no model: {self.reason}"
        r = self.row
        verb = "unchanged, still" if self.unchanged else "wrote"
        return (f"anomaly fit: {verb} model version {self.version}: k={r['k']} ({r['k_chosen_by']}), "
                f"{r['training_rows']} windows from {r['training_start']:%Y-%m-%d %H:%M} to "
                f"{r['training_end']:%Y-%m-%d %H:%M} UTC ({r['excluded_windows']} alerted windows left out), "
                f"cost {r['cost']:.2f}, {self.seconds:.1f}s")


def cold_start_reason(history: History | None, end: datetime | None, config: AnomalyConfig) -> str | None:
    """Why no model can be fitted yet (None when one can)."""
    if history is None or end is None:
        return "events_silver has no events yet"
    days = history.days_until(end)
    if days < config.min_training_days:
        return (f"cold start: {days:.2f} days of events up to the last closed window "
                f"({history.first:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC), "
                f"anomaly.min_training_days is {config.min_training_days:g}")
    return None


def model_root(config: ClickstitchConfig) -> Path:
    return Path(config.lake.root) / "_anomaly" / "models"


def latest_model_row(lake: Lakehouse) -> dict[str, Any] | None:
    if not lake.exists(ANOMALY_MODELS):
        return None
    rows = lake.read(ANOMALY_MODELS).orderBy(F.col("model_version").desc()).limit(1).collect()
    return rows[0].asDict(recursive=True) if rows else None


def model_row(lake: Lakehouse, version: int) -> dict[str, Any]:
    rows = lake.read(ANOMALY_MODELS).where(F.col("model_version") == version).collect()
    if not rows:
        raise ClickstitchError(f"anomaly_models has no version {version}")
    return rows[0].asDict(recursive=True)


def as_model(row: dict[str, Any]) -> AnomalyModel:
    scaler = Scaler(tuple(row["features"]), tuple(row["scaler_mean"]), tuple(row["scaler_std"]))
    return AnomalyModel(int(row["model_version"]), scaler, tuple(tuple(c) for c in row["centroids"]),
                        tuple(row["thresholds"]))


def _alerted_windows(lake: Lakehouse) -> DataFrame | None:
    if not lake.exists(ANOMALY_SCORES):
        return None
    return lake.read(ANOMALY_SCORES).where(F.col("is_anomaly")).select(*WINDOW_COLUMNS[:3])


def fit(spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, until: datetime | None = None) -> FitOutcome:
    """Fit a model on the last ``training_days`` up to the last closed window (or ``until``).

    Windows the scorer found anomalous are left out. A model equal to the latest version (same
    fingerprint: training range, rows, scaler, centroids, thresholds) is not written again.
    """
    started = time.monotonic()
    settings = config.anomaly
    history = event_history(lake)
    end = None
    if history is not None:
        end = last_closed_end(history, settings)
        if until is not None:
            end = min(end, floor_window(_utc(until), settings))
    reason = cold_start_reason(history, end, settings)
    if reason is not None:
        return FitOutcome(None, reason)
    assert end is not None
    start = max(end - timedelta(days=settings.training_days), floor_window(history.first, settings))  # type: ignore[union-attr]
    features = features_between(lake, settings, start, end)
    alerted = _alerted_windows(lake)
    kept = features if alerted is None else features.join(alerted, list(WINDOW_COLUMNS[:3]), "left_anti")
    kept = kept.persist()
    try:
        moments_row = kept.agg(F.count(F.lit(1)).alias("rows")).crossJoin(scaler_moments(kept)).first()
        assert moments_row is not None
        rows = int(moments_row["rows"])
        if rows < 2:
            return FitOutcome(None, f"only {rows} windows with events between {start:%Y-%m-%d %H:%M} and "
                                    f"{end:%Y-%m-%d %H:%M} UTC")
        total = features.count() if alerted is not None else rows
        scaler = scaler_from(moments_row.asDict())
        vectors = transformed(kept, scaler).persist()
        clustering = fit_kmeans(vectors, settings, rows)
        centroids = clustering.centroids
        assigned = nearest(vectors, centroids)
        by_cluster = {r["cluster"]: r for r in thresholds_by_cluster(assigned, settings).collect()}
        thresholds = [threshold(by_cluster[c]["quantile"] if c in by_cluster else None, settings)
                      for c in range(len(centroids))]
        sizes = [int(by_cluster[c]["rows"]) if c in by_cluster else 0 for c in range(len(centroids))]
        bins_row = drift_bins(vectors, len(FEATURES)).first()
        assert bins_row is not None
        expected = [proportions(counts) for counts in bins_row["bins"]]
        vectors.unpersist()
    finally:
        kept.unpersist()
    naive_start, naive_end = start.replace(tzinfo=None), end.replace(tzinfo=None)
    row: dict[str, Any] = {
        "training_start": naive_start, "training_end": naive_end, "training_rows": rows,
        "excluded_windows": total - rows, "window_seconds": settings.window_seconds, "k": clustering.k,
        "k_chosen_by": clustering.chosen_by, "silhouette": clustering.silhouette, "seed": settings.seed,
        "features": list(scaler.features), "scaler_mean": list(scaler.mean), "scaler_std": list(scaler.std),
        "centroids": [list(c) for c in centroids], "thresholds": thresholds, "cluster_sizes": sizes,
        "cost": round(clustering.cost, 9), "drift_expected": expected,
    }
    fingerprint = hashlib.sha256(json.dumps(
        {k: v for k, v in row.items() if k != "silhouette"}, default=str, sort_keys=True).encode()).hexdigest()
    latest = latest_model_row(lake)
    if latest is not None and latest["fingerprint"] == fingerprint:
        return FitOutcome(int(latest["model_version"]), "same data, same model", True,
                          time.monotonic() - started, latest)
    version = 1 if latest is None else int(latest["model_version"]) + 1
    path = model_root(config) / str(version)
    clustering.model.write().overwrite().save(str(path))
    row.update({"model_version": version, "created_at": datetime.now(UTC).replace(tzinfo=None),
                "fingerprint": fingerprint, "model_path": str(path)})
    frame = spark.createDataFrame([row], ANOMALY_MODELS.schema)
    lake.append(ANOMALY_MODELS, frame, FIT_WRITER, version)
    return FitOutcome(version, "fitted", False, time.monotonic() - started, row)


# -- scoring --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreOutcome:
    batch_number: int | None
    windows: int = 0
    anomalous: int = 0
    alerts: int = 0
    resolved: int = 0
    model_version: int | None = None
    window_from: datetime | None = None
    window_to: datetime | None = None
    seconds: float = 0.0
    note: str = ""

    def line(self) -> str:
        if self.batch_number is None:
            return f"anomaly score: {self.note}"
        return (f"anomaly score: batch {self.batch_number}: {self.windows} windows "
                f"{self.window_from:%Y-%m-%d %H:%M}..{self.window_to:%Y-%m-%d %H:%M} UTC scored with model "
                f"version {self.model_version}: {self.anomalous} anomalous, {self.alerts} alerts, "
                f"{self.resolved} recovered ({self.seconds:.1f}s){' ' + self.note if self.note else ''}")


def checkpoint_dir(config: ClickstitchConfig) -> Path:
    chosen = config.anomaly.checkpoint_dir
    return Path(chosen) if chosen else Path(config.lake.root) / "_checkpoints" / "anomaly_score"


def _plan_path(config: ClickstitchConfig, batch: int) -> Path:
    return checkpoint_dir(config) / "plans" / f"{batch}.json"


def _read_plan(config: ClickstitchConfig, batch: int) -> dict[str, Any] | None:
    path = _plan_path(config, batch)
    if not path.is_file():
        return None
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {**raw, "start": datetime.fromisoformat(raw["start"]), "end": datetime.fromisoformat(raw["end"])}


def _write_plan(config: ClickstitchConfig, batch: int, start: datetime, end: datetime, version: int) -> None:
    path = _plan_path(config, batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps({"batch": batch, "start": start.isoformat(), "end": end.isoformat(),
                                   "model_version": version}), encoding="utf-8")
    os.replace(partial, path)  # a plan is there whole or not at all


def next_batch(lake: Lakehouse, config: ClickstitchConfig) -> int:
    done = lake.committed_batch(ANOMALY_SCORES, config.anomaly.writer_id) if lake.exists(ANOMALY_SCORES) else None
    return 0 if done is None else done + 1


def _open_incidents(lake: Lakehouse, before_batch: int | None = None) -> dict[tuple[str, str], OpenIncident]:
    """Keys whose latest alert row (of the batches before ``before_batch``) is firing: one row per key."""
    if not lake.exists(ANOMALY_ALERTS):
        return {}
    alerts = lake.read(ANOMALY_ALERTS)
    if before_batch is not None:  # a replayed batch sees the incidents as its first run saw them
        alerts = alerts.where(F.col("batch_number") < before_batch)
    latest = alerts.groupBy("key_kind", "key").agg(
        F.max_by(F.struct("state", "window_start"), "window_start").alias("last"),
        F.max(F.when(F.col("state") == FIRING, F.col("window_start"))).alias("last_alerted"))
    rows = latest.where(F.col("last.state") == FIRING).collect()
    return {(r["key_kind"], r["key"]): OpenIncident(r["last_alerted"]) for r in rows}


def score_once(spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig,
               crash_hook: Callable[[str], None] | None = None) -> ScoreOutcome:
    """One micro-batch: score every closed window not yet scored with the latest model version.

    A plan left by a batch that did not finish is replayed as it was (same windows, same model).
    """
    started = time.monotonic()
    settings = config.anomaly
    batch = next_batch(lake, config)
    plan = _read_plan(config, batch)
    if plan is None:
        latest = latest_model_row(lake)
        if latest is None:
            history = event_history(lake)
            end = last_closed_end(history, settings) if history else None
            reason = cold_start_reason(history, end, settings) or "no model has been fitted yet (run anomaly fit)"
            return ScoreOutcome(None, note=f"no model, no alerts: {reason}")
        previous = _read_plan(config, batch - 1) if batch > 0 else None
        start = previous["end"] if previous else _utc(latest["training_end"])
        history = event_history(lake)
        end = last_closed_end(history, settings) if history else start
        span_end = floor_window(start + timedelta(seconds=duration_seconds(settings.max_batch_span)), settings)
        end = min(end, max(span_end, start + timedelta(seconds=settings.window_seconds)))
        if end <= start:
            return ScoreOutcome(None, note=f"nothing to score: every closed window up to {start:%Y-%m-%d %H:%M} UTC "
                                           f"is scored (model version {latest['model_version']})")
        _write_plan(config, batch, start, end, int(latest["model_version"]))
        plan = _read_plan(config, batch)
        assert plan is not None
    model_data = model_row(lake, int(plan["model_version"]))
    model = as_model(model_data)
    scored_at = datetime.now(UTC).replace(tzinfo=None)
    features = features_between(lake, settings, plan["start"], plan["end"])
    results = scored(transformed(features, model.scaler), model, settings).persist()
    try:
        counts_row = results.agg(F.count(F.lit(1)).alias("windows"),
                                 F.count_if("is_anomaly").alias("anomalous")).crossJoin(
            drift_bins(results, len(model.scaler.features))).first()
        assert counts_row is not None
        windows, anomalous = int(counts_row["windows"]), int(counts_row["anomalous"])
        alerts = _alerts(spark, lake, results, settings, batch, scored_at)
        writer = settings.writer_id
        alert_frame = spark.createDataFrame(alerts, ANOMALY_ALERTS.schema)
        lake.append_new_keys(ANOMALY_ALERTS, alert_frame, writer, batch)
        if crash_hook:
            crash_hook("anomaly_alerts")
        firing = [a for a in alerts if a["state"] == FIRING]
        if alerts:  # the rows as committed (a replayed batch publishes what its first run wrote)
            committed = lake.read(ANOMALY_ALERTS).where(F.col("batch_number") == batch)
            records = committed.select(F.col("alert_id").alias("key"),
                                       F.to_json(F.struct(*ANOMALY_ALERTS.schema.fieldNames())).alias("value"))
            open_publisher(lake, settings.topic, settings.bootstrap).publish(records, writer, batch)
        psi = psi_by_feature(model.scaler.features, model_data["drift_expected"], counts_row["bins"])
        max_psi = max(psi.values()) if psi else 0.0
        evaluation = {
            "model_version": model.version, "batch_number": batch, "evaluated_at": scored_at,
            "window_from": plan["start"].replace(tzinfo=None), "window_to": plan["end"].replace(tzinfo=None),
            "windows_scored": windows, "anomalous_windows": anomalous,
            "alert_rate": round(anomalous / windows, 6) if windows else 0.0, "psi": psi, "max_psi": max_psi,
            "drifted": max_psi > settings.drift_threshold,
        }
        lake.append(ANOMALY_EVALUATIONS, spark.createDataFrame([evaluation], ANOMALY_EVALUATIONS.schema),
                    writer, batch)
        scores = results.select(
            *WINDOW_COLUMNS, F.col("events").cast("long"),
            F.map_from_arrays(F.array(*[F.lit(f) for f in model.scaler.features]),
                              F.array(*[F.col(f).cast("double") for f in model.scaler.features])).alias("features"),
            "cluster", "distance", "threshold", "score", "is_anomaly", "model_version",
            F.lit(batch).cast("long").alias("batch_number"), F.lit(scored_at).alias("scored_at"),
            F.to_date("window_start").alias("window_date"))
        lake.append(ANOMALY_SCORES, scores, writer, batch)  # last: marks the batch done
    finally:
        results.unpersist()
    return ScoreOutcome(batch, windows, anomalous, len(firing), len(alerts) - len(firing), model.version,
                        plan["start"], plan["end"], time.monotonic() - started,
                        "drift: refit due" if evaluation["drifted"] else "")


def _alerts(spark: SparkSession, lake: Lakehouse, results: DataFrame, settings: AnomalyConfig, batch: int,
            alerted_at: datetime) -> list[dict[str, Any]]:
    """The batch's alert rows: the scored windows of keys anomalous now or with an open incident."""
    incidents = _open_incidents(lake, batch)
    keys = results.where(F.col("is_anomaly")).select("key_kind", "key")
    if incidents:
        keys = keys.unionByName(spark.createDataFrame(list(incidents), "key_kind string, key string"))
    columns = [*WINDOW_COLUMNS, "is_anomaly", "severity", "score", "distance", "threshold", "cluster",
               "explanation", "model_version"]
    windows = [r.asDict() for r in results.join(keys.distinct(), ["key_kind", "key"]).select(*columns).collect()]
    suppression = timedelta(seconds=duration_seconds(settings.repeat_suppression))
    rows = fold_incidents(windows, incidents, suppression)
    return [{**row, "batch_number": batch, "alerted_at": alerted_at} for row in rows]


def score_loop(spark: SparkSession, lake: Lakehouse, config: ClickstitchConfig, *, once: bool,
               max_batches: int | None, should_stop: Callable[[], bool],
               report: Callable[[ScoreOutcome], None]) -> int:
    """Run micro-batches until stopped (``once``: until nothing is left to score). Returns batches run.

    Each batch reads the latest model version, so a new fit is picked up without a restart.
    """
    ran = 0
    pause = duration_seconds(config.anomaly.poll_interval)
    while not should_stop():
        outcome = score_once(spark, lake, config)
        report(outcome)
        if outcome.batch_number is not None:
            ran += 1
        if max_batches is not None and ran >= max_batches:
            break
        if outcome.batch_number is None and once:
            break
        if outcome.batch_number is None:
            for _ in range(pause * 10):
                if should_stop():
                    break
                time.sleep(0.1)
    return ran


# -- status ---------------------------------------------------------------------------------------------------


def status_lines(lake: Lakehouse, config: ClickstitchConfig) -> list[str]:
    """What ``clickstitch anomaly status`` prints: the model, the scorer's progress, alerts, drift."""
    settings = config.anomaly
    lines = []
    latest = latest_model_row(lake)
    if latest is None:
        history = event_history(lake)
        end = last_closed_end(history, settings) if history else None
        reason = cold_start_reason(history, end, settings) or "no model has been fitted yet: run `anomaly fit`"
        lines.append(f"model: none: {reason}")
        lines.append("scorer: writes no alerts until a model exists")
    else:
        lines.append(f"model: version {latest['model_version']}, k={latest['k']} ({latest['k_chosen_by']}), trained on "
                     f"{latest['training_rows']} windows {latest['training_start']:%Y-%m-%d %H:%M} .. "
                     f"{latest['training_end']:%Y-%m-%d %H:%M} UTC, created {latest['created_at']:%Y-%m-%d %H:%M:%S}")
    if lake.exists(ANOMALY_SCORES) and (batch := next_batch(lake, config)) > 0:
        progress = lake.read(ANOMALY_SCORES).agg(
            F.max("window_end").alias("to"), F.count(F.lit(1)).alias("windows"),
            F.count_if("is_anomaly").alias("anomalous")).first()
        assert progress is not None
        lines.append(f"scorer: {batch} batches, {progress['windows']} windows scored up to "
                     f"{progress['to']:%Y-%m-%d %H:%M} UTC, {progress['anomalous']} anomalous")
    if lake.exists(ANOMALY_ALERTS):
        alerts = lake.read(ANOMALY_ALERTS).groupBy("state").count().collect()
        counts = {r["state"]: r["count"] for r in alerts}
        lines.append(f"alerts: {counts.get(FIRING, 0)} firing, {counts.get('resolved', 0)} recovered, "
                     f"{len(_open_incidents(lake))} keys still anomalous")
    if lake.exists(ANOMALY_EVALUATIONS):
        rows = lake.read(ANOMALY_EVALUATIONS).orderBy(F.col("batch_number").desc()).limit(1).collect()
        if rows:
            e = rows[0]
            worst = max(e["psi"].items(), key=lambda kv: kv[1]) if e["psi"] else ("-", 0.0)
            verdict = (f"DRIFT: PSI above anomaly.drift_threshold {settings.drift_threshold:g}: refit due "
                       f"(`clickstitch anomaly fit`)" if e["drifted"] else "no drift")
            lines.append(f"evaluation: model version {e['model_version']}, batch {e['batch_number']}: alert rate "
                         f"{e['alert_rate']:.2%}, max PSI {worst[1]:.3f} ({worst[0]}): {verdict}")
    return lines
