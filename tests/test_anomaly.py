"""Anomaly detection on generated data: the planted mispricing is alerted, the jobs are exactly-once.

One four-day generated lake (module fixture: the generator plants a 90% mispricing on the last day,
``truth/anomaly.json``) is copied per test. The end-to-end test runs ``clickstitch anomaly fit``,
``score`` and ``status`` in fresh processes; the others call the jobs in-process. The feature, drift
and incident functions are checked on tiny frames.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

import generator
from anomaly import (
    ANOMALY_ALERTS,
    ANOMALY_EVALUATIONS,
    ANOMALY_MODELS,
    ANOMALY_SCORES,
    CATEGORY,
    FIRING,
    PRODUCT,
    RESOLVED,
    AnomalyConfig,
    OpenIncident,
    fold_incidents,
    key_events,
    psi_by_feature,
    scored,
    transformed,
    window_features,
)
from anomaly.drift import proportions
from clickstitch import anomaly_jobs
from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig
from clickstitch.drivers import run_backfill
from lakehouse import Lakehouse
from publish import topic_table
from tests.backends import TEST_BACKEND
from tests.conftest import lake_for

ROOT = Path(__file__).resolve().parents[1]
FIRST = date(2026, 10, 1)
DAYS = 4
LAST_DAY = datetime(2026, 10, 4, tzinfo=UTC)  # the mispricing is on the last day; the fit trains before it


class Killed(Exception):
    """Stands in for a kill -9 between two writes of a scorer batch."""


@pytest.fixture(scope="module")
def four_days(spark: SparkSession, test_config: ClickstitchConfig,
              tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A lake backfilled from 4 generated days (160 persons); its root and the planted anomaly."""
    out = tmp_path_factory.mktemp("anomaly_exports")
    generator.generate(out, persons=160, days=DAYS, seed=7, start_date=FIRST)
    root = tmp_path_factory.mktemp("anomaly_lake") / "lake"
    lake, config = lake_for(spark, test_config, root, out / "landing")
    run_backfill(spark, lake, config, FIRST - timedelta(days=1), FIRST + timedelta(days=DAYS))
    truth = json.loads((out / "truth" / "anomaly.json").read_text())
    truth["category"] = lake.read("dim_products").where(F.col("product_id") == truth["product_id"]).first()[
        "category"]
    return root, truth


def _copy(four_days: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    root = tmp_path / "lake"
    shutil.copytree(four_days[0], root)
    return root


def _config(test_config: ClickstitchConfig, root: Path, **more: object) -> ClickstitchConfig:
    return test_config.with_overrides({"lake.root": str(root), "anomaly.k": 3, **more})


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)


def _first_overlap(scores: list[dict[str, Any]], truth: dict[str, Any], key_kind: str, key: str) -> dict[str, Any]:
    """The first scored window of the key that overlaps the mispricing."""
    start, end = _at(truth["window_start"]), _at(truth["window_end"])
    mine = [s for s in scores if s["key_kind"] == key_kind and s["key"] == key
            and s["window_start"] < end and s["window_end"] > start]
    assert mine, f"no scored window of {key_kind} {key} overlaps the mispricing"
    return min(mine, key=lambda s: s["window_start"])


def _cli(root: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CLICKSTITCH__SPARK__MASTER": "local[2]",
           "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2", "CLICKSTITCH__LAKE__BACKEND": TEST_BACKEND,
           "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower(),
           "CLICKSTITCH__ANOMALY__K": "3"}
    result = subprocess.run([sys.executable, "-m", "clickstitch.cli", "anomaly", *argv, "--lake", str(root), "-q"],
                            env=env, capture_output=True, text=True, check=False, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


# -- end to end, in fresh processes -------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_score_status_in_fresh_processes_alert_the_planted_mispricing(
        spark: SparkSession, test_config: ClickstitchConfig, four_days: tuple[Path, dict[str, Any]],
        tmp_path: Path) -> None:
    root, truth = _copy(four_days, tmp_path), four_days[1]
    first = _cli(root, "fit", "--until", "2026-10-04T00:00")
    assert "wrote model version 1" in first.stdout, first.stdout
    again = _cli(root, "fit", "--until", "2026-10-04T00:00")
    assert "unchanged, still model version 1" in again.stdout, again.stdout
    score = _cli(root, "score", "--once")
    assert "batch 0:" in score.stdout and "nothing to score" in score.stdout, score.stdout
    status = _cli(root, "status")
    assert status.stdout.startswith("model: version 1, k=3"), status.stdout
    assert "alerts:" in status.stdout and "evaluation: model version 1" in status.stdout, status.stdout

    lake = open_lakehouse(spark, _config(test_config, root))
    assert lake.read(ANOMALY_MODELS).count() == 1  # the same data and seed gave the same model
    scores = [r.asDict() for r in lake.read(ANOMALY_SCORES).collect()]
    alerts = [r.asDict() for r in lake.read(ANOMALY_ALERTS).collect()]
    firing = {(a["key_kind"], a["key"], a["window_start"]) for a in alerts if a["state"] == FIRING}
    for key_kind, key in ((PRODUCT, truth["product_id"]), (CATEGORY, truth["category"])):
        window = _first_overlap(scores, truth, key_kind, key)
        assert window["is_anomaly"], window
        assert (key_kind, key, window["window_start"]) in firing
    # Clean windows: every key and window that does not hold the mispriced product's rows in the mispricing.
    start, end = _at(truth["window_start"]), _at(truth["window_end"])
    planted = {(PRODUCT, truth["product_id"]), (CATEGORY, truth["category"])}
    clean = [s for s in scores if (s["key_kind"], s["key"]) not in planted
             or not (s["window_start"] < end and s["window_end"] > start)]
    false_alarms = sum(s["is_anomaly"] for s in clean)
    assert false_alarms < 0.01 * len(clean), (false_alarms, len(clean))
    hits = sum(s["is_anomaly"] for s in scores) - false_alarms
    positives = len(scores) - len(clean)
    print(f"anomaly windows: precision {hits}/{hits + false_alarms}, recall {hits}/{positives}, "
          f"false alarms {false_alarms}/{len(clean)} clean windows")
    # Published once per alert, keyed by alert id (the Delta table standing in for the topic).
    records = lake.read(topic_table(AnomalyConfig().topic)).collect()
    assert sorted(r["key"] for r in records) == sorted(a["alert_id"] for a in alerts)
    assert {json.loads(r["value"])["state"] for r in records} <= {FIRING, RESOLVED}


# -- cold start ----------------------------------------------------------------------------------------------------


def test_two_days_and_min_training_days_3_give_no_model_no_alert_and_status_says_why(
        spark: SparkSession, test_config: ClickstitchConfig, backfilled: Lakehouse) -> None:
    """The shared two-day backfill (read only: a cold start writes nothing)."""
    config = test_config.with_overrides({"lake.root": str(backfilled.backend.root),  # type: ignore[attr-defined]
                                         "anomaly.min_training_days": 3})
    outcome = anomaly_jobs.fit(spark, backfilled, config)
    assert outcome.version is None and "cold start" in outcome.reason and "min_training_days is 3" in outcome.reason
    scoring = anomaly_jobs.score_once(spark, backfilled, config)
    assert scoring.batch_number is None and "no model, no alerts: cold start" in scoring.note
    status = anomaly_jobs.status_lines(backfilled, config)
    assert status[0].startswith("model: none: cold start: ") and "min_training_days is 3" in status[0], status
    assert float(status[0].split("cold start: ")[1].split(" days")[0]) < 3
    for table in (ANOMALY_MODELS, ANOMALY_SCORES, ANOMALY_ALERTS):
        assert not backfilled.exists(table) or backfilled.read(table).count() == 0


# -- a running scorer: new versions, kill and restart --------------------------------------------------------------


@pytest.mark.slow
def test_a_running_scorer_picks_up_a_new_model_and_a_killed_batch_writes_each_alert_once(
        spark: SparkSession, test_config: ClickstitchConfig, four_days: tuple[Path, dict[str, Any]],
        tmp_path: Path) -> None:
    root, truth = _copy(four_days, tmp_path), four_days[1]
    config = _config(test_config, root)
    lake = open_lakehouse(spark, config)
    assert anomaly_jobs.fit(spark, lake, config, LAST_DAY).version == 1
    outcomes: list[anomaly_jobs.ScoreOutcome] = []

    def refit_after_the_first_batch(outcome: anomaly_jobs.ScoreOutcome) -> None:
        outcomes.append(outcome)
        if len(outcomes) == 1:  # a schedule fits while the scorer runs
            assert anomaly_jobs.fit(spark, lake, config, LAST_DAY + timedelta(hours=6)).version == 2

    anomaly_jobs.score_loop(spark, lake, config, once=True, max_batches=2, should_stop=lambda: False,
                            report=refit_after_the_first_batch)
    assert [o.model_version for o in outcomes] == [1, 2]

    def kill(table: str) -> None:
        raise Killed(table)

    with pytest.raises(Killed):  # batch 2 (12:00-18:00, the mispricing): alerts committed, scores not
        anomaly_jobs.score_once(spark, lake, config, crash_hook=kill)
    alerts_before = lake.read(ANOMALY_ALERTS).count()
    assert alerts_before > 0
    restarted = anomaly_jobs.score_once(spark, lake, config)
    assert restarted.batch_number == 2 and restarted.model_version == 2
    alerts = [r.asDict() for r in lake.read(ANOMALY_ALERTS).collect()]
    assert len(alerts) == alerts_before == len({a["alert_id"] for a in alerts})
    scores = [r.asDict() for r in lake.read(ANOMALY_SCORES).collect()]
    assert len(scores) == len({(s["key_kind"], s["key"], s["window_start"]) for s in scores})
    window = _first_overlap(scores, truth, PRODUCT, truth["product_id"])
    assert [a["state"] for a in alerts if a["key"] == truth["product_id"]
            and a["window_start"] == window["window_start"]] == [FIRING]
    records = lake.read(topic_table(config.anomaly.topic)).collect()
    assert len(records) == len({r["key"] for r in records}) == len(alerts)
    assert lake.read(ANOMALY_EVALUATIONS).count() == 3


@pytest.mark.heavy
def test_a_category_flooded_by_automation_that_evades_the_bot_rules_is_alerted(
        spark: SparkSession, test_config: ClickstitchConfig, four_days: tuple[Path, dict[str, Any]],
        tmp_path: Path) -> None:
    """Automation the bot rules missed (is_bot false) views one category 400 times from 300 cookies in 15 minutes."""
    root = _copy(four_days, tmp_path)
    config = _config(test_config, root)
    lake = open_lakehouse(spark, config)
    assert anomaly_jobs.fit(spark, lake, config, LAST_DAY).version == 1
    model = anomaly_jobs.as_model(anomaly_jobs.model_row(lake, 1))
    category = four_days[1]["category"]
    products = [r["product_id"] for r in lake.read("dim_products").where(F.col("category") == category).collect()]
    at = datetime(2026, 10, 4, 3, 0)
    flood = [{"event_id": f"flood-{i}", "event_time": at + timedelta(seconds=2 * i), "is_bot": False,
              "event_name": "view_item", "anonymous_id_hash": f"cookie-{i % 300}", "device_id_hash": None,
              "user_id_hash": None} for i in range(400)]
    items = [{"event_id": f"flood-{i}", "product_id": products[i % len(products)], "category": category,
              "unit_price": None, "currency": "USD", "list_price": None, "list_currency": None,
              "price_deviation": None, "revenue_reporting": 0.0} for i in range(400)]
    silver = spark.createDataFrame(flood, "event_id string, event_time timestamp, is_bot boolean, event_name string, "
                                          "anonymous_id_hash string, device_id_hash string, user_id_hash string")
    lines = spark.createDataFrame(items, "event_id string, product_id string, category string, unit_price double, "
                                         "currency string, list_price double, list_currency string, "
                                         "price_deviation double, revenue_reporting double")
    features = window_features(key_events(silver, lines, lake.read("dim_products"), config.anomaly), config.anomaly)
    result = scored(transformed(features, model.scaler), model, config.anomaly)
    row = result.where((F.col("key_kind") == CATEGORY) & (F.col("key") == category)).first()
    assert row is not None and row["is_anomaly"], row
    assert "views=400.00" in row["explanation"] and "visitors=" in row["explanation"], row["explanation"]


# -- the pure pieces, on tiny frames -------------------------------------------------------------------------------


def test_window_features_count_each_event_once_per_key_with_prices_and_bots(spark: SparkSession) -> None:
    config = AnomalyConfig()
    t = datetime(2026, 10, 4, 12, 1)
    silver = spark.createDataFrame([
        ("e1", t, None, "view_item", "a", None, None),
        ("e2", t + timedelta(minutes=1), False, "add_to_cart", "a", None, None),
        ("e3", t + timedelta(minutes=2), False, "purchase", "b", None, None),
        ("e4", t + timedelta(minutes=3), True, "view_item", "bot", None, None),
        ("e5", t + timedelta(minutes=20), False, "view_item", "a", None, None),
    ], "event_id string, event_time timestamp, is_bot boolean, event_name string, anonymous_id_hash string, "
       "device_id_hash string, user_id_hash string")
    items = spark.createDataFrame([
        ("e1", "P1", "shoes", 10.0, "USD", None, None, None, 0.0),  # paid in the base currency: 10 / 100
        ("e2", "P1", "shoes", 10.0, "USD", None, None, None, 0.0),
        # paid 1500 JPY, the list price (wrongly) 10 USD: paid / list 1.0, times list / base = 0.1
        ("e3", "P1", "shoes", 1500.0, "JPY", 10.0, "USD", 1.0, 20.0),  # two lines of one product: one event
        ("e3", "P1", "shoes", 1500.0, "JPY", 10.0, "USD", 1.0, 20.0),
        ("e4", "P2", "shoes", 50.0, "USD", 50.0, "USD", 1.0, 0.0),
        ("e5", "P2", "shoes", 5000.0, "JPY", None, None, None, 0.0),  # no list price, not the base currency
    ], "event_id string, product_id string, category string, unit_price double, currency string, "
       "list_price double, list_currency string, price_deviation double, revenue_reporting double")
    products = spark.createDataFrame([("P1", 100.0, "USD", True), ("P2", 50.0, "USD", True)],
                                     "product_id string, base_price double, base_currency string, is_current boolean")
    rows = {(r["key_kind"], r["key"], r["window_start"].minute): r.asDict() for r in
            window_features(key_events(silver, items, products, config), config).collect()}
    assert set(rows) == {(PRODUCT, "P1", 0), (PRODUCT, "P2", 0), (PRODUCT, "P2", 15), (CATEGORY, "shoes", 0),
                         (CATEGORY, "shoes", 15)}
    shoes = rows[(CATEGORY, "shoes", 0)]
    assert (shoes["events"], shoes["views"], shoes["add_to_carts"], shoes["purchases"]) == (4, 2, 1, 1)
    assert (shoes["conversion"], shoes["revenue"], shoes["price_deviation"]) == (0.5, 40.0, 1.0)
    assert (shoes["min_price_ratio"], shoes["visitors"], shoes["bot_share"]) == (0.1, 3.0, 0.25)
    assert rows[(PRODUCT, "P2", 15)]["min_price_ratio"] == 1.0


T0 = datetime(2026, 10, 4, 12, 0)


def _window(minute: int, anomalous: bool) -> dict[str, Any]:
    return {"key_kind": PRODUCT, "key": "P1", "window_start": T0 + timedelta(minutes=minute),
            "window_end": T0 + timedelta(minutes=minute + 15), "is_anomaly": anomalous,
            "severity": "high" if anomalous else None, "score": 2.0 if anomalous else 0.5, "distance": 1.0,
            "threshold": 0.5, "cluster": 0, "explanation": "x" if anomalous else None, "model_version": 1}


@pytest.mark.parametrize(("flags", "open_since", "expected"), [
    ([True, True, True, True, False], None, [(0, FIRING, False), (60, RESOLVED, False)]),
    ([True] * 6, None, [(0, FIRING, False), (60, FIRING, True)]),  # alerted again after the 1-hour repeat interval
    ([False, False], None, []),
    ([True, False, True], None, [(0, FIRING, False), (15, RESOLVED, False), (30, FIRING, False)]),
    ([True, False], -30, [(15, RESOLVED, False)]),  # still open from an earlier batch: suppressed, then recovers
    ([True], -60, [(0, FIRING, True)]),
])
def test_repeat_suppression_and_recovery(flags: list[bool], open_since: int | None,
                                         expected: list[tuple[int, str, bool]]) -> None:
    windows = [_window(15 * i, flag) for i, flag in enumerate(flags)]
    incidents = {} if open_since is None else {(PRODUCT, "P1"): OpenIncident(T0 + timedelta(minutes=open_since))}
    rows = fold_incidents(windows, incidents, timedelta(hours=1))
    assert [((r["window_start"] - T0).seconds // 60, r["state"], r["repeat"]) for r in rows] == expected
    assert len({r["alert_id"] for r in rows}) == len(rows)


def test_psi_is_zero_for_the_training_distribution_and_large_for_a_shift() -> None:
    expected = [proportions([10, 20, 40, 20, 10])]
    assert psi_by_feature(["views"], expected, [[10, 20, 40, 20, 10]]) == {"views": 0.0}
    assert psi_by_feature(["views"], expected, [[0, 0, 10, 20, 70]])["views"] > 0.25


def test_config_rejects_bad_anomaly_settings() -> None:
    with pytest.raises(ValueError, match="divide one day"):
        AnomalyConfig(window="7 minutes")
    with pytest.raises(ValueError, match="k_range"):
        AnomalyConfig(k_range=(5, 3))
    with pytest.raises(ValueError, match="severity_critical"):
        AnomalyConfig(severity_high=3.0, severity_critical=2.0)
