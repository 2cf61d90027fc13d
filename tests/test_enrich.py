"""Enrichment on generator data: list price, category and FX as of each event, checked against dims/."""

from __future__ import annotations

import bisect
import csv
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import CATALOG
from clickstitch.config import ClickstitchConfig
from enrich import (
    DIM_FX_RATES,
    DIM_PRICES,
    DIM_PRODUCTS,
    DIMENSIONS,
    EVENT_ITEMS,
    DayRange,
    EnrichConfig,
    EnrichError,
    enrich_events,
    enrich_items,
    load_dimension,
    read_dimensions,
    reenrich_days,
    revenue_by_event,
)
from generator import DIMS_FILES, generate
from ingest import BatchContext, dedupe_events, parse_events, read_lines, to_landing_files, valid_events
from ingest.landing import file_listing
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, Lakehouse
from lakehouse.deltars import DeltaRsBackend
from lakehouse.schemas import EVENT_SCHEMA, ITEM_SCHEMA
from tests.frames import assert_same_rows

NOW = datetime(2026, 10, 10, tzinfo=UTC)
CONFIG = EnrichConfig()


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class DimsTruth:
    """dims/ read with the csv module: the oracle the Spark results are checked against."""

    spans: dict[str, list[tuple[datetime, datetime | None, float, str]]]
    products: dict[str, dict[str, str]]
    fx: dict[tuple[date, str], float]

    @classmethod
    def read(cls, dims: Path) -> DimsTruth:
        spans: dict[str, list] = {}
        with open(dims / "price_history.csv", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                end = parse_time(row["valid_to"]) if row["valid_to"] else None
                spans.setdefault(row["product_id"], []).append(
                    (parse_time(row["valid_from"]), end, float(row["price"]), row["currency"]))
        with open(dims / "products.csv", encoding="utf-8") as fh:
            products = {row["product_id"]: row for row in csv.DictReader(fh)}
        with open(dims / "fx_rates.csv", encoding="utf-8") as fh:
            fx = {(date.fromisoformat(r["date"]), r["currency"]): float(r["rate_to_usd"]) for r in csv.DictReader(fh)}
        return cls({k: sorted(v) for k, v in spans.items()}, products, fx)

    def price_at(self, product_id: str, at: datetime) -> tuple[float, str]:
        spans = self.spans[product_id]
        index = bisect.bisect_right([s[0] for s in spans], at) - 1
        start, end, price, currency = spans[index]
        assert start <= at and (end is None or at < end)
        return price, currency

    def usd_rate(self, currency: str, day: date) -> float:
        while (day, currency) not in self.fx:  # the last published day on or before
            day -= timedelta(days=1)
        return self.fx[(day, currency)]


@pytest.fixture(scope="module")
def world(spark: SparkSession, test_config: ClickstitchConfig, tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("enrich_gen")
    generate(out, persons=30, days=2, seed=7)
    landing = out / "landing"
    files = to_landing_files([(r["path"], r["length"]) for r in file_listing(spark, landing).collect()], landing)
    parsed = parse_events(read_lines(spark, files, test_config.ingest), test_config.ingest, BatchContext("b-0", NOW))
    events = dedupe_events(valid_events(parsed)).select(*EVENT_SCHEMA.fieldNames()).cache()
    return out, events, DimsTruth.read(out / "dims")


def new_lake(spark: SparkSession, root: Path) -> Lakehouse:
    return Lakehouse(spark, DeltaRsBackend(spark, root), CATALOG)


def load_generator_dims(lake: Lakehouse, dims: Path) -> list:
    return [load_dimension(lake, DIMENSIONS[name], dims / file) for name, file in DIMS_FILES.items()]


@pytest.fixture(scope="module")
def loaded(spark: SparkSession, world, tmp_path_factory: pytest.TempPathFactory):
    out, events, _ = world
    lake = new_lake(spark, tmp_path_factory.mktemp("enrich_lake"))
    reports = load_generator_dims(lake, out / "dims")
    items = enrich_events(lake, events, CONFIG).cache()
    return lake, reports, items


def test_every_item_has_the_list_price_and_category_of_its_event_time(world, loaded) -> None:
    _, events, truth = world
    _, _, items = loaded
    rows = items.select("event_id", "item_index", "product_id", "event_time", "list_price", "list_currency",
                        "category", "product_name", "unknown_product", "no_list_price").collect()
    expected_items = events.select(F.explode("items")).count()
    assert len(rows) == expected_items > 100
    in_window = 0
    anomaly = json.loads((world[0] / "truth" / "anomaly.json").read_text())
    window = (parse_time(anomaly["window_start"]), parse_time(anomaly["window_end"]))
    for row in rows:
        at = row["event_time"].replace(tzinfo=UTC)
        price, currency = truth.price_at(row["product_id"], at)
        assert (row["list_price"], row["list_currency"]) == (price, currency), row
        assert row["category"] == truth.products[row["product_id"]]["category"]
        assert row["product_name"] == truth.products[row["product_id"]]["name"]
        assert not row["unknown_product"] and not row["no_list_price"]
        if row["product_id"] == anomaly["product_id"] and window[0] <= at < window[1]:
            in_window += 1
            assert price == anomaly["wrong_price"]
    assert in_window >= anomaly["purchases_in_window"]


def test_reporting_amounts_equal_the_truth_conversion(world, loaded) -> None:
    _, _, truth = world
    _, _, items = loaded
    rows = items.select("currency", "event_time", "unit_price", "quantity", "fx_rate", "unit_price_reporting",
                        "line_amount_reporting", "revenue_reporting", "event_name", "no_fx_rate", "fx_stale",
                        "price_deviation").collect()
    currencies = {r["currency"] for r in rows}
    assert len(currencies) >= 3
    for row in rows:
        rate = truth.usd_rate(row["currency"], row["event_time"].date())
        expected_unit = row["unit_price"] * rate
        assert row["unit_price_reporting"] == pytest.approx(expected_unit, rel=1e-9)
        assert row["line_amount_reporting"] == pytest.approx(expected_unit * row["quantity"], rel=1e-9)
        purchase = row["event_name"] in CONFIG.purchase_events
        assert row["revenue_reporting"] == pytest.approx(expected_unit * row["quantity"] if purchase else 0.0,
                                                         rel=1e-9)
        assert not row["no_fx_rate"] and not row["fx_stale"]
        # Event prices are the list price converted and rounded to the shopper's currency.
        assert row["price_deviation"] == pytest.approx(1.0, abs=0.02)
    assert any(r["revenue_reporting"] > 0 for r in rows)


def test_both_as_of_strategies_give_the_same_rows(world, loaded) -> None:
    _, events, _ = world
    lake, _, items = loaded
    dims = read_dimensions(lake)
    for strategy in ("broadcast", "bucketed"):
        config = EnrichConfig(asof_join=strategy)
        assert_same_rows(enrich_items(events, dims.products, dims.prices, dims.fx, config), items)


@pytest.mark.parametrize("strategy, loops", [("broadcast", 0), ("bucketed", 2)])
def test_the_as_of_join_never_builds_a_cartesian_product(world, loaded, strategy: str, loops: int) -> None:
    _, events, _ = world
    lake, _, _ = loaded
    dims = read_dimensions(lake)
    items = enrich_items(events, dims.products, dims.prices, dims.fx, EnrichConfig(asof_join=strategy))
    plan = items._jdf.queryExecution().executedPlan().toString()
    assert "CartesianProduct" not in plan
    # Versions meet items in hash joins keyed by product (and day); the only nested loops a bucketed
    # plan has pair each version with the one-row (first day, last day) bounds of the batch.
    assert plan.count("BroadcastNestedLoopJoin") == loops, plan
    assert plan.count("HashJoin") + plan.count("SortMergeJoin") >= 4


def test_revenue_by_event_sums_the_purchase_lines(world, loaded) -> None:
    _, events, _ = world
    _, _, items = loaded
    revenue = revenue_by_event(items)
    purchases = events.filter(F.col("event_name").isin(*CONFIG.purchase_events)).select("event_id", "revenue",
                                                                                        "currency")
    joined = purchases.join(revenue, "event_id").join(
        items.select("event_id", "fx_rate").distinct(), "event_id").collect()
    assert joined
    for row in joined:  # the event's own revenue is the rounded sum of its lines
        assert row["revenue_reporting"] == pytest.approx(row["revenue"] * row["fx_rate"], rel=1e-6)


def test_loading_the_same_files_again_changes_nothing(world, loaded) -> None:
    out, _, _ = world
    lake, first, _ = loaded
    assert [r.written for r in first] == [120, first[1].rows_read, first[2].rows_read]
    versions = {spec.name: lake.info(spec).version for spec in (DIM_PRODUCTS, DIM_PRICES, DIM_FX_RATES)}
    again = load_generator_dims(lake, out / "dims")
    assert [r.written for r in again] == [0, 0, 0]
    assert [r.affected_days for r in again] == [None, None, None]
    assert {spec.name: lake.info(spec).version for spec in (DIM_PRODUCTS, DIM_PRICES, DIM_FX_RATES)} == versions


def test_a_changed_price_closes_the_old_version_and_opens_a_new_one(spark, world, tmp_path) -> None:
    out, _, _ = world
    lake = new_lake(spark, tmp_path / "lake")
    load_dimension(lake, DIM_PRICES, out / "dims" / "price_history.csv")
    lines = (out / "dims" / "price_history.csv").read_text().splitlines()
    # P0002 has one open version in this data set; a new price from 2026-10-02 06:00 joins it.
    assert sum(line.startswith("P0002,") for line in lines) == 1
    changed = tmp_path / "prices_update.csv"
    changed.write_text("\n".join([lines[0], "P0002,2026-10-02T06:00:00Z,,24.99,USD"]) + "\n")
    report = load_dimension(lake, DIM_PRICES, changed)
    assert (report.new_versions, report.changed_versions, report.changed_keys) == (1, 1, 1)
    assert report.affected_days == DayRange(date(2026, 10, 2), date(9999, 12, 31))
    rows = lake.read(DIM_PRICES).filter(F.col("product_id") == "P0002")
    assert_same_rows(rows, [
        {"product_id": "P0002", "price": 28.99, "currency": "USD", "valid_from": datetime(2026, 8, 2),
         "valid_to": datetime(2026, 10, 2, 6), "is_current": False},
        {"product_id": "P0002", "price": 24.99, "currency": "USD", "valid_from": datetime(2026, 10, 2, 6),
         "valid_to": None, "is_current": True},
    ], ignore=("loaded_at",))
    # Loading the update again changes nothing.
    assert load_dimension(lake, DIM_PRICES, changed).written == 0


def test_a_changed_product_snapshot_opens_a_version_from_its_effective_time(spark, world, tmp_path) -> None:
    out, _, _ = world
    lake = new_lake(spark, tmp_path / "lake")
    load_dimension(lake, DIM_PRODUCTS, out / "dims" / "products.csv")
    lines = (out / "dims" / "products.csv").read_text().splitlines()
    row = lines[3].split(",")  # P0003
    row[3] = "clearance"
    (tmp_path / "products.csv").write_text("\n".join([lines[0], ",".join(row), *lines[4:]]) + "\n")
    effective = datetime(2026, 10, 2, 8, tzinfo=UTC)
    report = load_dimension(lake, DIM_PRODUCTS, tmp_path / "products.csv", effective_at=effective)
    assert (report.new_versions, report.changed_versions, report.changed_keys) == (1, 1, 1)
    assert report.affected_days == DayRange(date(2026, 10, 2), date(9999, 12, 31))
    versions = lake.read(DIM_PRODUCTS).filter(F.col("product_id") == "P0003").orderBy("valid_from").collect()
    assert [(v["category"], v["valid_from"], v["valid_to"], v["is_current"]) for v in versions] == [
        (lines[3].split(",")[3], datetime(1900, 1, 1), datetime(2026, 10, 2, 8), False),
        ("clearance", datetime(2026, 10, 2, 8), None, True),
    ]
    events = events_frame(spark, [_event("before", datetime(2026, 10, 2, 7, 59), "P0003", 1.0, "USD"),
                                  _event("after", datetime(2026, 10, 2, 8), "P0003", 1.0, "USD")])
    got = {r["event_id"]: r["category"] for r in enrich_events(lake, events, CONFIG).collect()}
    assert got == {"before": lines[3].split(",")[3], "after": "clearance"}


def _event(event_id: str, at: datetime, product_id: str, price: float, currency: str,
           name: str = "purchase") -> dict:
    return {"event_id": event_id, "event_name": name, "event_time": at, "event_date": at.date(),
            "currency": currency, "revenue": price, "order_id": f"o-{event_id}",
            "items": [{"product_id": product_id, "product_name": "sent name", "category": "sent category",
                       "quantity": 2, "price": price, "currency": currency}]}


def events_frame(spark: SparkSession, rows: list[dict]) -> DataFrame:
    full = [{name: row.get(name) for name in EVENT_SCHEMA.fieldNames()} for row in rows]
    assert ITEM_SCHEMA is EVENT_SCHEMA["items"].dataType.elementType
    return spark.createDataFrame(full, EVENT_SCHEMA)


def test_an_unknown_product_keeps_its_row_and_is_filled_after_its_load(spark, world, tmp_path) -> None:
    out, _, _ = world
    lake = new_lake(spark, tmp_path / "lake")
    load_generator_dims(lake, out / "dims")
    at = datetime(2026, 10, 1, 15, 30)
    events = events_frame(spark, [_event("late-1", at, "P9999", 10.0, "EUR"), _event("ok-1", at, "P0002", 28.99,
                                                                                    "USD")])
    lake.backend.ensure(EVENTS_BRONZE)
    lake.append(EVENTS_BRONZE, events, "test", 0)
    days = DayRange(date(2026, 10, 1), date(2026, 10, 1))
    reenrich_days(lake, EVENTS_BRONZE, days, CONFIG, "enrich-test", 0)
    before = {r["event_id"]: r for r in lake.read(EVENT_ITEMS).collect()}
    assert set(before) == {"late-1", "ok-1"}
    late = before["late-1"]
    assert late["unknown_product"] and late["no_list_price"] and not late["no_fx_rate"]
    assert (late["product_name"], late["category"]) == ("sent name", "sent category")
    assert late["unit_price_reporting"] == pytest.approx(10.0 * 1.091658, rel=1e-9)
    assert not before["ok-1"]["unknown_product"]

    (tmp_path / "p.csv").write_text("product_id,sku,name,category,base_price,base_currency\n"
                                    "P9999,SKU-1-1,Late Lamp,home,9.50,EUR\n")
    (tmp_path / "h.csv").write_text("product_id,valid_from,valid_to,price,currency\n"
                                    "P9999,2026-09-01T00:00:00Z,,9.50,EUR\n")
    product = load_dimension(lake, DIM_PRODUCTS, tmp_path / "p.csv")
    price = load_dimension(lake, DIM_PRICES, tmp_path / "h.csv")
    assert product.affected_days is not None and days.intersect(product.affected_days) == days
    assert price.affected_days is not None and days.intersect(price.affected_days) == days
    reenrich_days(lake, EVENTS_BRONZE, days, CONFIG, "enrich-test", 1)
    after = {r["event_id"]: r for r in lake.read(EVENT_ITEMS).collect()}
    late = after["late-1"]
    assert not late["unknown_product"] and not late["no_list_price"]
    assert (late["product_name"], late["category"], late["list_price"]) == ("Late Lamp", "home", 9.5)
    assert late["price_deviation"] == pytest.approx(10.0 / 9.5, rel=1e-12)
    # Same as enriching with the product there from the start.
    assert_same_rows(lake.read(EVENT_ITEMS), enrich_events(lake, events, CONFIG))


ECB = """Date,USD,JPY,GBP,CAD,
2026-10-05,1.1000,160.00,0.8500,1.5000,
2026-10-02,1.0800,158.00,0.8400,N/A,
2026-10-01,1.0900,159.00,0.8450,1.4800,
"""


def test_ecb_rates_load_and_weekends_use_fridays_rate(spark, tmp_path) -> None:
    lake = new_lake(spark, tmp_path / "lake")
    (tmp_path / "eurofxref-hist.csv").write_text(ECB)
    report = load_dimension(lake, "fx", tmp_path / "eurofxref-hist.csv")
    assert report.dead_letters == 0
    rates = {(r["rate_date"], r["currency"]): r["rate"] for r in lake.read(DIM_FX_RATES).collect()}
    assert rates[(date(2026, 10, 2), "EUR")] == pytest.approx(1.08, rel=1e-12)
    assert rates[(date(2026, 10, 2), "JPY")] == pytest.approx(1.08 / 158.0, rel=1e-12)
    assert rates[(date(2026, 10, 5), "USD")] == 1.0
    assert (date(2026, 10, 2), "CAD") not in rates  # N/A: no quote that day
    sat, sun, mon = (datetime(2026, 10, d, 12) for d in (3, 4, 5))
    events = events_frame(spark, [
        _event("sat", sat, "P1", 100.0, "JPY"), _event("sun", sun, "P1", 100.0, "JPY"),
        _event("mon", mon, "P1", 100.0, "JPY"), _event("cad", sat, "P1", 10.0, "CAD"),
    ])
    dims = read_dimensions(lake)
    items = enrich_items(events, dims.products, dims.prices, dims.fx, EnrichConfig(max_fx_age_days=1))
    got = {r["event_id"]: r for r in items.collect()}
    assert got["sat"]["fx_date"] == got["sun"]["fx_date"] == date(2026, 10, 2)
    assert got["sat"]["unit_price_reporting"] == pytest.approx(100.0 * 1.08 / 158.0, rel=1e-12)
    assert (got["sat"]["fx_stale"], got["sun"]["fx_stale"], got["mon"]["fx_stale"]) == (False, True, False)
    assert got["mon"]["fx_date"] == date(2026, 10, 5)
    assert got["cad"]["fx_date"] == date(2026, 10, 1) and got["cad"]["fx_stale"]  # Friday was N/A
    assert all(r["unknown_product"] and not r["no_fx_rate"] for r in got.values())
    default = enrich_items(events, dims.products, dims.prices, dims.fx, CONFIG)
    assert default.filter("fx_stale").count() == 0  # 4 days covers the weekend and the N/A Friday


BAD_PRICES = [
    ("missing product id", ",2026-10-01T00:00:00Z,,1.00,USD", "missing_field"),
    ("price not a number", "P1,2026-10-01T00:00:00Z,,abc,USD", "wrong_type"),
    ("bad time", "P2,yesterday,,1.00,USD", "invalid_timestamp"),
    ("end before start", "P3,2026-10-02T00:00:00Z,2026-10-01T00:00:00Z,1.00,USD", "invalid_range"),
    ("bad currency", "P4,2026-10-01T00:00:00Z,,1.00,dollars", "invalid_currency"),
    ("negative price", "P5,2026-10-01T00:00:00Z,,-1.00,USD", "invalid_value"),
    ("repeated key", "P6,2026-10-01T00:00:00Z,,2.00,USD", "duplicate_key"),
]


def test_bad_dimension_rows_become_dead_letters(spark, tmp_path) -> None:
    lake = new_lake(spark, tmp_path / "lake")
    path = tmp_path / "prices.csv"
    good = "P6,2026-10-01T00:00:00Z,,1.00,USD"
    path.write_text("\n".join(["product_id,valid_from,valid_to,price,currency", good,
                               *[line for _, line, _ in BAD_PRICES]]) + "\n")
    report = load_dimension(lake, DIM_PRICES, path)
    assert (report.rows_read, report.new_versions, report.dead_letters) == (1, 1, len(BAD_PRICES))
    dead = lake.read(DEAD_LETTER).select("source", "source_file", "source_line", "stage", "reason", "raw_text")
    assert_same_rows(dead, [
        {"source": "dim_prices", "source_file": str(path), "source_line": 3 + i, "stage": "dims", "reason": reason,
         "raw_text": line} for i, (_, line, reason) in enumerate(BAD_PRICES)
    ])
    load_dimension(lake, DIM_PRICES, path)  # again: no second copy
    assert lake.read(DEAD_LETTER).count() == len(BAD_PRICES)


def test_an_undecodable_file_is_one_dead_letter_and_missing_columns_fail(spark, tmp_path) -> None:
    lake = new_lake(spark, tmp_path / "lake")
    (tmp_path / "broken.jsonl").write_text('{"product_id": "P1", "price": 1.0, "currency": "USD"}\n{"product_')
    report = load_dimension(lake, DIM_PRICES, tmp_path / "broken.jsonl")
    assert (report.dead_letters, report.written) == (1, 0)
    assert lake.read(DEAD_LETTER).first()["reason"] == "unreadable_file"
    (tmp_path / "odd.csv").write_text("sku,amount\nA,1\n")
    with pytest.raises(EnrichError, match="lacks column"):
        load_dimension(lake, DIM_PRICES, tmp_path / "odd.csv")


def test_jsonl_and_parquet_load_the_same_versions_as_csv(spark, world, tmp_path) -> None:
    out, _, _ = world
    source = out / "dims" / "price_history.csv"
    table = pa_csv.read_csv(source)
    pq.write_table(table, tmp_path / "prices.parquet")
    with open(tmp_path / "prices.jsonl", "w", encoding="utf-8") as fh:
        for row in table.to_pylist():
            fh.write(json.dumps({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}) + "\n")
    results = []
    for path in (source, tmp_path / "prices.parquet", tmp_path / "prices.jsonl"):
        lake = new_lake(spark, tmp_path / f"lake_{path.suffix[1:]}")
        report = load_dimension(lake, DIM_PRICES, path)
        assert report.dead_letters == 0, path
        results.append(lake.read(DIM_PRICES).drop("loaded_at"))
    assert_same_rows(results[1], results[0])
    assert_same_rows(results[2], results[0])


@pytest.mark.slow
def test_late_fx_rates_re_enrich_items_silver_revenue_and_profiles(spark, test_config, tmp_path) -> None:
    """A backfill without FX rates, then `clickstitch dims load --fx` in a fresh process (as users run it):
    event_items, silver's revenue_reporting and the profiles' lifetime revenue become what they would
    have been with the rates there from the start."""
    import os
    import subprocess
    import sys

    from clickstitch.catalog import EVENTS_SILVER, open_lakehouse
    from clickstitch.drivers import run_backfill
    from identity import CUSTOMER_PROFILES, refresh_profiles
    from metrics import SESSIONS
    from tests.backends import TEST_BACKEND

    out = tmp_path / "gen"
    generate(out, persons=25, days=1, seed=3)
    config = test_config.with_overrides({"lake.root": str(tmp_path / "lake"), "landing": str(out / "landing")})
    lake = open_lakehouse(spark, config)
    for name in ("products", "prices"):  # the FX rates come late
        load_dimension(lake, DIMENSIONS[name], out / "dims" / DIMS_FILES[name])
    day = date(2026, 10, 1)
    run_backfill(spark, lake, config, day - timedelta(days=1), day + timedelta(days=1))
    # Purchase lines in other currencies have no reporting revenue without rates, nor have their events.
    unconverted = lake.read(EVENT_ITEMS).where("revenue_reporting IS NULL").select("event_id").distinct()
    unconverted = unconverted.localCheckpoint(eager=True)
    assert unconverted.count() > 0
    silver_revenue = lake.read(EVENTS_SILVER).join(unconverted, "event_id").select("revenue_reporting")
    assert silver_revenue.where("revenue_reporting IS NULL").count() == unconverted.count()
    sessions_revenue = lake.read(SESSIONS).agg(F.sum("revenue_reporting")).first()[0]

    env = {**os.environ, "CLICKSTITCH_HASH_KEY": "test-only-hash-key", "CLICKSTITCH__SPARK__MASTER": "local[2]",
           "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2", "CLICKSTITCH__LAKE__BACKEND": TEST_BACKEND,
           "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower()}
    loaded = subprocess.run([sys.executable, "-m", "clickstitch.cli", "dims", "load", "--lake", str(tmp_path / "lake"),
                             "--fx", str(out / "dims" / DIMS_FILES["fx"])], env=env, capture_output=True, text=True,
                            timeout=600, check=False)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert "events_silver" in loaded.stdout and "customer_profiles" in loaded.stdout, loaded.stdout

    bronze = lake.read(EVENTS_BRONZE)
    assert_same_rows(lake.read(EVENT_ITEMS), enrich_events(lake, bronze, CONFIG))
    assert lake.read(EVENTS_SILVER).join(unconverted, "event_id").where("revenue_reporting IS NULL").count() == 0
    # The metrics step re-ran for the day: sessions now hold the converted revenue too.
    silver_total = lake.read(EVENTS_SILVER).agg(F.sum("revenue_reporting")).first()[0]
    sessions_total = lake.read(SESSIONS).agg(F.sum("revenue_reporting")).first()[0]
    assert sessions_total > sessions_revenue and sessions_total == pytest.approx(silver_total, rel=1e-9)
    expected_revenue = bronze.select("event_id").join(revenue_by_event(lake.read(EVENT_ITEMS)), "event_id", "left")
    assert_same_rows(lake.read(EVENTS_SILVER).select("event_id", "revenue_reporting"), expected_revenue)
    # The refreshed profiles equal a rebuild of every profile from the lake as it is now.
    refreshed = lake.read(CUSTOMER_PROFILES)
    assert refreshed.where("revenue_reporting_currency > 0").count() > 0
    kept = refreshed.localCheckpoint(eager=True)
    refresh_profiles(spark, lake, config.identity, config.secrets.hash_key_bytes(), None,
                     exclude_bots=config.botdetect.exclude_bots_from_metrics)
    assert_same_rows(kept, lake.read(CUSTOMER_PROFILES), ignore=["updated_at"])
