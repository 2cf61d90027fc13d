"""Data quality: the Spark drop predicates agree with GX's counts, config errors name their key, and warn /
drop / fail through the real pipeline (accounting balanced, nothing committed past a failing table, the
replay after a config fix exactly-once), quality_results, the CLI and Data Docs in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import EVENTS_SILVER, open_lakehouse
from clickstitch.cli import main
from clickstitch.config import ClickstitchConfig, ConfigError, load_config
from clickstitch.pipeline import FileSource, run_batch
from clickstitch.sinks import StreamSink
from ingest import to_landing_files
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, INGEST_BATCHES, Lakehouse
from quality import (
    BUILT_IN_EXPECTATIONS,
    QUALITY_RESULTS,
    Bounds,
    QualityConfig,
    build_docs,
    docs_index,
    quality_root,
    unexpected_rows,
    validate,
    validation_frame,
    with_derived,
)
from tests.backends import TEST_BACKEND
from tests.browser import render

BOUNDS = Bounds(datetime(2000, 1, 1), datetime(2026, 12, 1))
ITEM = "struct<product_id:string,product_name:string,category:string,quantity:bigint,price:double,currency:string>"


def _bronze_cases(spark: SparkSession) -> DataFrame:
    """Good, bad and null values for every events_bronze expectation (and its derived columns)."""
    rows = [
        ("e1", "track", datetime(2026, 10, 1, 10), "USD", 30.0, [("p1", None, None, 2, 10.0, None),
                                                                 ("p2", None, None, None, 10.0, None)]),
        (None, "page", datetime(2026, 10, 1, 11), None, None, None),
        ("e3", "bogus", datetime(1999, 1, 1), "XYZ", 5.0, [("p3", None, None, -2, -1.0, None)]),
        ("e4", None, datetime(2030, 1, 1), "usd", 10.0, [("p4", None, None, 1, None, None)]),
        ("e5", "identify", None, "EUR", None, []),
        ("e6", "screen", datetime(2026, 10, 1, 12), "JPY", 100.0, [("p6", None, None, 1, 99.995, None)]),
    ]
    schema = f"event_id string, event_type string, event_time timestamp, currency string, revenue double, " \
             f"items array<{ITEM}>"
    return spark.createDataFrame(rows, schema)


def _items_cases(spark: SparkSession) -> DataFrame:
    rows = [(10.0, 1, "USD"), (-0.01, 0, "EUR"), (None, -1, None), (0.0, None, "ABC"), (1e9, 5, "XTS")]
    return spark.createDataFrame(rows, "unit_price double, quantity bigint, currency string")


def _silver_cases(spark: SparkSession) -> DataFrame:
    rows = [
        ("a", 0.0, "https://shop.example.com/p/1", None, "Shoes", None),
        ("a", 1.0, None, None, "contact jane.doe@example.com today", None),
        (None, 1.5, None, None, None, "call +1 555 123 4567"),
        ("b", -0.1, "https://shop.example.com/?d=2026-10-01&order=1234567890", "https://ref.example", "Order 42", "x"),
        ("c", None, None, None, None, None),
        ("d", 0.5, "https://shop.example.com/c?ref=mail%40x", None, "(555) 123-4567", None),
    ]
    schema = "event_id string, bot_score double, page_url string, page_referrer string, page_title string, " \
             "search_term string"
    return spark.createDataFrame(rows, schema)


def _sessions_cases(spark: SparkSession) -> DataFrame:
    rows = [(1, 1, 0, 0.0), (0, 0, 0, 5.0), (2, 3, 0, 1.0), (1, 0, 1, -1.0), (4, 1, 1, None)]
    return spark.createDataFrame(rows, "event_count bigint, page_views bigint, purchases bigint, "
                                       "duration_seconds double")


def _category_metrics_cases(spark: SparkSession) -> DataFrame:
    rows = [(10, 2, 3, 1, 1, 0, 0.1, 5.0), (1, 0, 0, 0, 2, 0, 2.0, -1.0), (3, 0, 0, 0, 0, 4, 0.0, None),
            (0, 0, 0, 0, 0, 0, None, 0.0)]
    return spark.createDataFrame(rows, "events bigint, page_views bigint, product_views bigint, add_to_carts bigint, "
                                       "purchases bigint, late_events bigint, conversion_rate double, "
                                       "revenue_reporting double")


# Added through the config: the types and kwargs the built-ins do not use (strict bounds, match_regex).
EXTRA = {
    "events_silver": {
        "event_id_is_a_letter": {"type": "expect_column_values_to_match_regex",
                                 "kwargs": {"column": "event_id", "regex": "^[a-c]$"}},
        "bot_score_strictly_positive": {"type": "expect_column_values_to_be_between",
                                        "kwargs": {"column": "bot_score", "min_value": 0, "strict_min": True,
                                                   "max_value": 1, "strict_max": True}},
    },
    "event_items": {"quantity_in_set": {"type": "expect_column_values_to_be_in_set",
                                        "kwargs": {"column": "quantity", "value_set": [0, 1, 5]}}},
}


@pytest.mark.parametrize("table", ["events_bronze", "event_items", "events_silver", "sessions", "category_metrics"])
def test_drop_predicates_agree_with_gx_unexpected_counts(spark: SparkSession, tmp_path: Path, table: str) -> None:
    cases = {"events_bronze": _bronze_cases, "event_items": _items_cases, "events_silver": _silver_cases,
             "sessions": _sessions_cases, "category_metrics": _category_metrics_cases}[table](spark)
    suite = QualityConfig.model_validate({"suites": EXTRA}).suite(table)
    results = validate(tmp_path / "_quality", suite, validation_frame(cases, suite, BOUNDS), "agreement")
    gx_counts = {r.expectation.name: r.unexpected_count for r in results}
    derived = with_derived(cases, suite, BOUNDS)
    flags = derived.select(*[unexpected_rows(e).alias(e.name) for e in suite.enabled])  # windows before the count
    row = flags.agg(*[F.count_if(e.name).alias(e.name) for e in suite.enabled]).first()
    assert row is not None
    spark_counts = row.asDict()
    assert spark_counts == gx_counts
    # every expectation met a bad case: the table covers each one
    assert all(count and count > 0 for count in spark_counts.values()), spark_counts
    # GX's success agrees: an expectation with unexpected rows fails
    assert all(not r.success for r in results)


@pytest.mark.parametrize(
    ("yaml_text", "said"),
    [
        ("quality:\n  suites:\n    events_bronze:\n      curency_iso4217: {action: drop}\n",
         "quality.suites.events_bronze: Value error, unknown expectation 'curency_iso4217'"),
        ("quality:\n  suites:\n    events_bronze:\n      currency_iso4217: {action: quarantine}\n",
         "quality.suites.events_bronze.currency_iso4217.action: Input should be 'warn', 'drop' or 'fail'"),
        ("quality:\n  suites:\n    events_gold:\n      x: {action: warn}\n", "quality.suites.events_gold: unknown key"),
        ("quality:\n  suites:\n    events_silver:\n      mine: {type: expect_column_values_to_be_even, "
         "kwargs: {column: x}}\n", "quality.suites.events_silver.mine.type: Input should be"),
        ("quality:\n  docs_max_results: 0\n", "quality.docs_max_results: Input should be greater than or equal to 1"),
        ("quality:\n  suites:\n    category_metrics:\n      funnel_within_events: {action: drop}\n",
         "quality.suites.category_metrics: Value error, funnel_within_events: category_metrics holds aggregates"),
    ],
)
def test_bad_quality_config_is_one_line_naming_the_key(tmp_path: Path, yaml_text: str, said: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    message = str(error.value)
    assert said in message and "\n" not in message, message


def test_config_changes_adds_and_disables_by_name() -> None:
    config = QualityConfig.model_validate({"suites": {"events_bronze": {
        "currency_iso4217": {"action": "drop"}, "revenue_equals_items": {"enabled": False},
        "revenue_equals_items_loose": {"type": "expect_column_values_to_be_between",
                                       "kwargs": {"column": "revenue_items_gap", "max_value": 1.0}}}}})
    suite = config.suite("events_bronze")
    by_name = {e.name: e for e in suite.expectations}
    assert list(by_name)[: len(BUILT_IN_EXPECTATIONS["events_bronze"])] == list(BUILT_IN_EXPECTATIONS["events_bronze"])
    assert by_name["currency_iso4217"].action == "drop" and [e.name for e in suite.drops] == ["currency_iso4217"]
    assert not by_name["revenue_equals_items"].enabled
    assert "revenue_equals_items" not in {e.name for e in suite.enabled}
    assert by_name["revenue_equals_items_loose"].kwargs["max_value"] == 1.0


# --- through the real pipeline -------------------------------------------------------------------------------

DAY = date(2026, 10, 1)


def _segment(message_id: str, kind: str, at: str, **extra: object) -> str:
    record = {"type": kind, "messageId": message_id, "anonymousId": f"anon-{message_id}", "userId": None,
              "timestamp": at, "receivedAt": at, "context": {
                  "ip": "46.167.4.42", "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
                  "page": {"path": "/p/1", "title": extra.pop("title", "Shoes | Shop"),
                           "url": "https://shop.example.com/p/1"}}}
    record.update(extra)
    return json.dumps(record)


def _hostile_landing(root: Path) -> Path:
    """One good product view, a purchase with a negative price in an unknown currency, and a page view whose
    title carries an e-mail address (left in silver when page_title's policy is keep)."""
    landing = root / "landing"
    folder = landing / "segment" / DAY.isoformat()
    folder.mkdir(parents=True)
    lines = [
        _segment("m-good", "track", "2026-10-01T05:00:00.000Z", event="Product Viewed",
                 properties={"product_id": "P1", "price": 10.0, "currency": "EUR", "quantity": 1}),
        _segment("m-hostile", "track", "2026-10-01T06:00:00.000Z", event="Order Completed",
                 properties={"order_id": "O-1", "revenue": -5.0, "currency": "XYZ",
                             "products": [{"product_id": "P1", "price": -5.0, "quantity": 1}]}),
        _segment("m-email", "page", "2026-10-01T07:00:00.000Z", name="Contact",
                 title="Contact jane.doe@example.com"),
    ]
    (folder / "segment_20261001_000.jsonl").write_text("\n".join(lines) + "\n")
    return landing


def _lake(spark: SparkSession, test_config: ClickstitchConfig, tmp_path: Path,
          suites: dict) -> tuple[Lakehouse, ClickstitchConfig, FileSource]:
    landing = _hostile_landing(tmp_path)
    config = test_config.with_overrides({
        "lake.root": str(tmp_path / "lake"), "landing": str(landing),
        "privacy.field_policies": {"page_title": "keep"},  # the "custom field" that leaves the e-mail in silver
        "quality.suites": suites,
    })
    lake = open_lakehouse(spark, config)
    lake.ensure_all()
    files = [(str(p), p.stat().st_size) for p in sorted(landing.rglob("*.jsonl"))]
    return lake, config, FileSource(tuple(to_landing_files([(Path(f).as_uri(), n) for f, n in files], landing)))


def _results(lake: Lakehouse) -> dict[tuple[str, str], tuple]:
    return {(r["table"], r["expectation"]): (r["action"], r["success"], r["unexpected_count"])
            for r in lake.read(QUALITY_RESULTS).collect()}


def test_drop_quarantines_rows_with_reasons_and_keeps_the_accounting(spark, test_config, tmp_path) -> None:
    lake, config, source = _lake(spark, test_config, tmp_path, {
        "events_bronze": {"currency_iso4217": {"action": "drop"}, "item_price_non_negative": {"action": "drop"}},
        "events_silver": {"no_email_in_free_text": {"action": "drop"}},
    })
    report = run_batch(spark, lake, config, source, StreamSink("quality-test", 0))
    assert report.balanced() and report.input_records == 3
    assert (report.bronze_records, report.dead_letters) == (2, 1)
    dead = {(r["stage"], r["reason"]): r for r in lake.read(DEAD_LETTER).collect()}
    assert set(dead) == {("quality", "currency_iso4217"), ("quality", "no_email_in_free_text")}
    assert '"m-hostile"' in dead[("quality", "currency_iso4217")]["raw_text"], "bronze drops keep the raw line"
    silver_drop = dead[("quality", "no_email_in_free_text")]
    assert silver_drop["raw_text"] is None and "@" not in (silver_drop["detail"] or "")
    bronze_ids = {r["event_id"] for r in lake.read(EVENTS_BRONZE).collect()}
    silver_ids = {r["event_id"] for r in lake.read(EVENTS_SILVER).collect()}
    assert len(bronze_ids) == 2 and len(silver_ids) == 1 and silver_ids < bronze_ids
    batches = lake.read(INGEST_BATCHES).first()
    assert batches is not None and batches["dead_letters"] == 1 and batches["bronze_records"] == 2
    results = _results(lake)
    # the dropped rows were counted by GX (they failed), then left the batch
    assert results[("events_bronze", "currency_iso4217")] == ("drop", False, 1)
    assert results[("events_silver", "no_email_in_free_text")] == ("drop", False, 1)
    assert results[("events_bronze", "event_id_not_null")] == ("warn", True, 0)
    steps = {r["step"]: r for r in lake.read("ingest_batch_steps").collect()}
    assert "quality_events" in steps and "quality_results" in steps


def _stream_process(landing: Path, lake: Path, config_file: Path) -> subprocess.CompletedProcess:
    """``clickstitch stream --available-now`` in a fresh process, as a user starts it."""
    env = {**os.environ, "CLICKSTITCH__SPARK__MASTER": "local[2]", "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2",
           "CLICKSTITCH_HASH_KEY": "test-only-hash-key", "CLICKSTITCH__LAKE__BACKEND": TEST_BACKEND,
           "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower()}
    command = [sys.executable, "-m", "clickstitch.cli", "stream", "--available-now", "--config", str(config_file),
               "--input", str(landing), "--lake", str(lake), "-q"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)


def test_a_stream_stopped_by_fail_restarts_from_its_checkpoint_exactly_once_after_the_fix(
        spark, test_config, tmp_path, capsys) -> None:
    landing = _hostile_landing(tmp_path)
    settings = tmp_path / "clickstitch.yaml"
    common = ("stream:\n  writer_id: quality-test\n"
              "privacy:\n  field_policies:\n    page_title: keep\n")  # the "custom field" that keeps the e-mail
    settings.write_text(common + "quality:\n  suites:\n    events_silver:\n      no_email_in_free_text:\n"
                        "        action: fail\n")
    config = test_config.with_overrides({"lake.root": str(tmp_path / "lake"), "landing": str(landing)})
    lake = open_lakehouse(spark, config)

    failed = _stream_process(landing, tmp_path / "lake", settings)
    assert failed.returncode == 2, failed.stderr[-3000:]
    said = [line for line in failed.stderr.splitlines() if line.startswith("clickstitch:")]
    assert len(said) == 1 and "'no_email_in_free_text'" in said[0] and "events_silver" in said[0], failed.stderr
    assert "1 unexpected rows" in said[0] and "jane" not in failed.stderr and "Traceback" not in failed.stderr
    # committed before the failing table: bronze (and identity, event_items); nothing from silver on
    assert lake.read(EVENTS_BRONZE).count() == 3
    for table in (EVENTS_SILVER, QUALITY_RESULTS, INGEST_BATCHES):
        assert lake.read(table).count() == 0, table.name

    # The fix: the check warns. The restart replays the same micro-batch from the stream's checkpoint.
    settings.write_text(common + "quality:\n  suites:\n    events_silver:\n      no_email_in_free_text:\n"
                        "        action: warn\n")
    restarted = _stream_process(landing, tmp_path / "lake", settings)
    assert restarted.returncode == 0, restarted.stderr[-3000:]
    assert lake.read(EVENTS_BRONZE).count() == 3 and lake.read(EVENTS_SILVER).count() == 3
    assert lake.read(EVENTS_SILVER).select("event_id").distinct().count() == 3
    batches = lake.read(INGEST_BATCHES).collect()
    assert len(batches) == 1 and batches[0]["bronze_records"] == 3 and batches[0]["dead_letters"] == 0
    assert batches[0]["batch_id"].startswith("quality-test")
    results = _results(lake)
    assert results[("events_silver", "no_email_in_free_text")] == ("warn", False, 1)
    assert results[("events_bronze", "currency_iso4217")] == ("warn", False, 1)
    assert results[("events_bronze", "item_price_non_negative")] == ("warn", False, 1)
    assert {t for t, _ in results} == {"events_bronze", "event_items", "events_silver", "sessions", "category_metrics"}
    # the recomputed metrics add up (validated before their write)
    assert results[("category_metrics", "funnel_within_events")] == ("warn", True, 0)
    assert results[("sessions", "session_counts_within_events")] == ("warn", True, 0)
    assert lake.read(QUALITY_RESULTS).select("batch_id").distinct().count() == 1

    # the command line: latest results per table, Data Docs built and opened in headless Chromium
    capsys.readouterr()
    assert main(["quality", "--lake", str(config.lake.root), "-q"]) == 0
    shown = capsys.readouterr().out
    assert re.search(r"events_silver\s+no_email_in_free_text\s+warn\s+false\s+1", shown), shown
    assert main(["quality", "--lake", str(config.lake.root), "--build-docs", "-q"]) == 0
    assert main(["quality", "--lake", str(config.lake.root), "--docs", "-q"]) == 0
    index = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert index == docs_index(quality_root(config.lake.root)) and index.is_file()
    dom = render(index, wait_ms=4000)
    # GX's index is static HTML (its CDN scripts only style it): every suite's latest run is linked
    for table in ("events_bronze", "event_items", "events_silver", "sessions", "category_metrics"):
        assert f"validations/{table}/quality-test-0/" in dom, table


def test_quality_command_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "lake").mkdir()
    assert main(["quality", "--lake", str(tmp_path / "lake"), "--docs"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clickstitch: error: no Data Docs at") and err.count("\n") == 1
    assert main(["quality", "--lake", str(tmp_path / "lake"), "--build-docs"]) == 2
    assert "no quality results under" in capsys.readouterr().err


def test_data_docs_keep_at_most_the_configured_results(spark: SparkSession, tmp_path: Path) -> None:
    suite = QualityConfig().suite("event_items")
    cases = _items_cases(spark)
    root = tmp_path / "_quality"
    for run in range(3):
        validate(root, suite, validation_frame(cases, suite, BOUNDS), f"run-{run}")
    index, _ = build_docs(root, max_results=2)
    kept = list((root / "gx" / "uncommitted" / "validations").rglob("*.json"))
    assert len(kept) == 2 and index.is_file()
    assert "run-0" not in index.read_text() and len(list(index.parent.rglob("validations/**/*.html"))) == 2


