"""Sessions and windowed category metrics: exact against a recomputation from silver and event_items.

One small generated backfill (module fixture) is checked window by window against a plain-Python
recomputation; the stagger example of the seed and the late-event rule run on tiny frames.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import EVENTS_SILVER, open_lakehouse
from clickstitch.config import ClickstitchConfig
from enrich import EVENT_ITEMS
from lakehouse import EVENTS_BRONZE, INGEST_BATCHES, Lakehouse
from metrics import (
    CATEGORY_METRICS,
    NO_CATEGORY,
    SESSIONS,
    MetricsConfig,
    build_sessions,
    final_window_records,
    stagger_windows,
    window_metrics,
    window_rows,
)
from metrics.tables import CATEGORY_METRICS_SCHEMA
from publish import open_publisher, topic_table
from sql import register_views
from tests.conftest import EXPORT_FIRST_DAY
from tests.frames import assert_same_rows

FIRST = EXPORT_FIRST_DAY
CONFIG = MetricsConfig()
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEASURES = ("events", "page_views", "product_views", "add_to_carts", "purchases", "units", "revenue_reporting",
            "avg_price_paid", "avg_price_deviation", "conversion_rate", "bot_events", "late_events")
WINDOW_KEY = ("window_kind", "window_start", "window_end", "stagger_minute", "category")


@pytest.fixture
def lake(backfilled: Lakehouse) -> Lakehouse:
    """The shared backfill of the generated exports (tests/conftest.py): read only."""
    return backfilled


# -- the oracle: the same definitions in plain Python over collected rows ---------------------------------


def _seconds(t: datetime) -> float:
    return (t.replace(tzinfo=UTC) - EPOCH).total_seconds()


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _category_rows(lake: Lakehouse) -> list[dict[str, Any]]:
    """One dict per (event, category), as docs/metrics.md defines them."""
    arrival = {r["event_id"]: r["received_time"] for r in lake.read(EVENTS_BRONZE).collect()}
    lines: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for item in lake.read(EVENT_ITEMS).collect():
        lines[item["event_id"]][item["category"] or NO_CATEGORY].append(item)
    rows = []
    for event in lake.read(EVENTS_SILVER).collect():
        purchase = event["event_name"] in CONFIG.purchase_events
        categories = lines.get(event["event_id"]) or {NO_CATEGORY: []}
        for category, items in categories.items():
            paid = [i for i in items if purchase and i["line_amount_reporting"] is not None]
            deviations = [i["price_deviation"] for i in items if purchase and i["price_deviation"] is not None]
            revenues = [i["revenue_reporting"] for i in items if purchase and i["revenue_reporting"] is not None]
            rows.append({
                "event_time": event["event_time"], "arrival": arrival[event["event_id"]] or event["event_time"],
                "category": category, "bot": bool(event["is_bot"]),
                "visitor": event["anonymous_id_hash"] or event["device_id_hash"] or event["user_id_hash"],
                "person": event["person_id"],
                "page": event["event_type"] in CONFIG.page_types,
                "view": event["event_name"] in CONFIG.product_view_events,
                "cart": event["event_name"] in CONFIG.add_to_cart_events, "purchase": purchase,
                "units": sum(i["quantity"] for i in items if purchase),
                "revenue": sum(revenues) if revenues else None,
                "paid": sum(i["line_amount_reporting"] for i in paid) if paid else None,
                "paid_units": sum(i["quantity"] for i in paid) if paid else None,
                "deviations": deviations,
            })
    return rows


def _windows(row: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(kind, start, end) in epoch seconds of the tumbling and sliding windows holding the row."""
    t = _seconds(row["event_time"])
    found = []
    for kind, size in CONFIG.tumbling_kinds():
        start = math.floor(t / size) * size
        found.append((kind, start, start + size))
    size, slide = 3600, 300
    start = math.floor(t / slide) * slide
    while start > t - size:
        found.append((CONFIG.sliding.kind, start, start + size))
        start -= slide
    return found


def _stagger(rows: list[dict[str, Any]], size: float = 60) -> list[tuple[dict[str, Any], float, datetime]]:
    """(row, window start, key minute) per row: a key's window opens with its first arrival, lasts ``size``."""
    by_key: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        minute = row["event_time"].replace(second=0, microsecond=0)
        by_key[(row["category"], minute)].append(row)
    placed = []
    for (_, minute), members in by_key.items():
        opened: float | None = None
        for row in sorted(members, key=lambda r: r["arrival"]):
            arrival = _seconds(row["arrival"])
            if opened is None or arrival >= opened + size:
                opened = arrival
            placed.append((row, opened, minute))
    return placed


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def expected_metrics(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, dict[tuple, set]]]:
    """Every window's measures, and the exact distinct visitors and persons per window key."""
    members: dict[tuple, list[tuple[dict[str, Any], bool]]] = defaultdict(list)
    for row in rows:
        for kind, start, end in _windows(row):
            members[(kind, _time(start), _time(end), None, row["category"])].append(
                (row, _seconds(row["arrival"]) > end))
    for row, start, minute in _stagger(rows):
        late = _seconds(row["arrival"]) > _seconds(minute) + 60
        members[("stagger", _time(start), _time(start + 60), minute, row["category"])].append((row, late))
    expected: list[dict[str, Any]] = []
    distinct: dict[str, dict[tuple, set]] = {"visitors": {}, "persons": {}}
    for key, placed in members.items():
        human = [(r, late) for r, late in placed if not r["bot"]]
        hs = [r for r, _ in human]
        revenue = [r["revenue"] for r in hs if r["revenue"] is not None]
        paid = [r for r in hs if r["paid"] is not None]
        deviations = [d for r in hs for d in r["deviations"]]
        events, purchases = len(hs), sum(r["purchase"] for r in hs)
        expected.append({
            **dict(zip(WINDOW_KEY, key, strict=True)),
            "events": events, "page_views": sum(r["page"] for r in hs), "product_views": sum(r["view"] for r in hs),
            "add_to_carts": sum(r["cart"] for r in hs), "purchases": purchases, "units": sum(r["units"] for r in hs),
            "revenue_reporting": _r(sum(revenue)) if revenue else None,
            "avg_price_paid": _r(sum(r["paid"] for r in paid) / sum(r["paid_units"] for r in paid))
            if paid and sum(r["paid_units"] for r in paid) else None,
            "avg_price_deviation": _r(sum(deviations) / len(deviations)) if deviations else None,
            "conversion_rate": _r(purchases / events) if events else None,
            "bot_events": len(placed) - len(human), "late_events": sum(late for _, late in human),
        })
        distinct["visitors"][key] = {r["visitor"] for r in hs if r["visitor"] is not None}
        distinct["persons"][key] = {r["person"] for r in hs if r["person"] is not None}
    return expected, distinct


# -- tests on the backfilled lake --------------------------------------------------------------------------


def test_every_window_equals_an_exact_recomputation_from_silver_and_event_items(lake: Lakehouse) -> None:
    table = lake.read(CATEGORY_METRICS)
    expected, _ = expected_metrics(_category_rows(lake))
    assert {r["window_kind"] for r in expected} == {"tumbling_5m", "tumbling_1h", "tumbling_1d", "sliding_1h_5m",
                                                    "stagger"}
    assert any(r["category"] != NO_CATEGORY and r["purchases"] for r in expected), "the batch must have purchases"
    assert any(r["late_events"] for r in expected) and any(r["bot_events"] for r in expected)
    assert_close(table.select(*WINDOW_KEY, *MEASURES).collect(), expected)


def assert_close(rows: list, expected: list[dict[str, Any]]) -> None:
    """Same windows, equal counts, amounts and averages within 2e-6 (the table rounds to 6 decimals)."""
    got = {tuple(r[c] for c in WINDOW_KEY): r.asDict() for r in rows}
    want = {tuple(r[c] for c in WINDOW_KEY): r for r in expected}
    assert len(got) == len(rows)
    assert sorted(got, key=repr) == sorted(want, key=repr)
    for key, row in want.items():
        for column in MEASURES:
            value, exact = got[key][column], row[column]
            if isinstance(exact, float) and value is not None:
                assert abs(value - exact) <= 2e-6, (key, column, value, exact)
            else:
                assert value == exact, (key, column, value, exact)


def test_hll_estimates_are_within_three_standard_errors_and_roll_ups_are_unions(lake: Lakehouse) -> None:
    _, distinct = expected_metrics(_category_rows(lake))
    table = lake.read(CATEGORY_METRICS)
    error = 1.04 / math.sqrt(2 ** CONFIG.hll_lg_config_k)
    for measure, exact_sets in distinct.items():
        got = {tuple(r[c] for c in WINDOW_KEY): r[measure] for r in table.select(*WINDOW_KEY, measure).collect()}
        worst = 0.0
        for key, exact in exact_sets.items():
            estimate = got[key]
            if len(exact) <= 100:  # still in the sketch's exact (coupon) modes
                assert estimate == len(exact), (measure, key, estimate, len(exact))
            else:
                assert abs(estimate - len(exact)) <= 3 * error * len(exact), (measure, key, estimate, len(exact))
            if exact:
                worst = max(worst, abs(estimate - len(exact)) / len(exact))
        print(f"worst HLL relative error of {measure}: {worst:.4%} over {len(exact_sets)} windows")
    # Roll-ups are unions of the stored sketches: an hour's 5-minute sketches give the hour's, a day's hours
    # give the day's (tumbling_1d), each per category, for visitors and persons alike.
    for measure in distinct:
        sketch = f"{measure}_sketch"
        for part, whole, unit in (("tumbling_5m", "tumbling_1h", "hour"), ("tumbling_1h", "tumbling_1d", "day")):
            union = table.where(F.col("window_kind") == part).groupBy(
                F.date_trunc(unit, "window_start").alias("window_start"), "category").agg(
                F.hll_sketch_estimate(F.hll_union_agg(sketch)).alias("union"))
            stored = table.where(F.col("window_kind") == whole).select("window_start", "category", measure)
            differ = union.join(stored, ["window_start", "category"], "full").where(
                ~F.col("union").eqNullSafe(F.col(measure)))
            assert differ.count() == 0, (measure, part, whole, differ.limit(5).collect())
    day = table.where(F.col("window_kind") == "tumbling_1h").agg(
        F.hll_sketch_estimate(F.hll_union_agg("visitors_sketch"))).first()[0]
    assert day == len(set().union(*[v for k, v in distinct["visitors"].items() if k[0] == "tumbling_1h"]))


def test_sessions_are_one_row_per_session_with_the_totals_of_silver(lake: Lakehouse) -> None:
    sessions, silver = lake.read(SESSIONS), lake.read(EVENTS_SILVER)
    assert sessions.count() == sessions.select("source", "session_id").distinct().count() > 0
    with_id = silver.where(F.col("session_id_hash").isNotNull())
    assert sessions.where(F.col("session_cut") == "source").count() == with_id.select(
        "source", "session_id_hash").distinct().count()
    totals = sessions.agg(F.sum("event_count"), F.sum("purchases"), F.count_if("is_bot")).first()
    purchases = silver.where(F.col("event_name").isin(*CONFIG.purchase_events)).count()
    assert (totals[0], totals[1]) == (silver.count(), purchases)
    assert totals[2] > 0, "the generator's bots have sessions"
    assert sessions.where("session_end < session_start or duration_seconds < 0 or page_views > event_count "
                          "or converted != (purchases > 0)").count() == 0


def test_the_metrics_views_answer_on_the_lake(spark: SparkSession, lake: Lakehouse) -> None:
    names = register_views(spark, lake)
    views = ("metrics_daily", "metrics_funnel", "metrics_revenue_by_category", "metrics_top_products",
             "metrics_bot_share", "metrics_latest_windows")
    assert set(views) <= set(names), names
    for view in views:
        assert spark.table(view).count() > 0, view
    # The materialized daily funnel is the sum of the day's hourly windows (and its sketch their union).
    hourly = lake.read(CATEGORY_METRICS).where(F.col("window_kind") == "tumbling_1h").groupBy(
        "window_date", "category").agg(F.sum("events").alias("events"), F.sum("purchases").alias("purchases"),
                                       F.hll_sketch_estimate(F.hll_union_agg("visitors_sketch")).alias("visitors"))
    daily = spark.table("metrics_daily").select(F.col("event_date").alias("window_date"), "category", "events",
                                                "purchases", "visitors")
    assert_same_rows(daily, hourly)
    top = spark.sql("SELECT * FROM metrics_top_products ORDER BY revenue_reporting DESC LIMIT 1").first()
    assert top["revenue_reporting"] > 0 and top["purchases"] >= 1


def test_the_step_reports_its_time_and_jobs(lake: Lakehouse) -> None:
    steps = lake.read("ingest_batch_steps").where(F.col("step") == "metrics").collect()
    assert len(steps) == 1 and steps[0]["rows"] > 0
    print(f"metrics step: {steps[0]['seconds']} s, {steps[0]['spark_jobs']} Spark jobs")
    assert lake.read(INGEST_BATCHES).count() == 1


# -- tiny frames ------------------------------------------------------------------------------------------


def _at(text: str) -> datetime:
    return datetime.fromisoformat(f"2026-10-01T{text}")


def _rows(spark: SparkSession, events: list[tuple[str, str, str]], category: str = "shoes") -> DataFrame:
    """category_events rows from (event time, arrival time, event id)."""
    return spark.createDataFrame(
        [(event_id, _at(t), _at(a), category, False, f"v{n}", f"p{n}", False, True, False, False, 0, None, None,
          None, None, 0) for n, (t, a, event_id) in enumerate(events)],
        "event_id string, event_time timestamp, arrival_time timestamp, category string, is_bot boolean, "
        "visitor string, person_id string, is_page_view boolean, is_product_view boolean, is_add_to_cart boolean, "
        "is_purchase boolean, units long, revenue double, paid_amount double, paid_units long, "
        "deviation_sum double, deviation_lines long")


def test_the_seeds_stagger_example_gives_counts_3_and_1(spark: SparkSession) -> None:
    rows = _rows(spark, [("11:00:10", "11:00:20", "a"), ("11:00:20", "11:00:30", "b"),
                         ("11:00:55", "11:01:05", "c"), ("11:01:05", "11:01:15", "d")])
    counted = stagger_windows(rows, 60).groupBy("window_start", "window_end").count()
    assert_same_rows(counted, [
        {"window_start": _at("11:00:20"), "window_end": _at("11:01:20"), "count": 3},
        {"window_start": _at("11:01:15"), "window_end": _at("11:02:15"), "count": 1},
    ])


def test_a_late_event_updates_its_window_and_its_late_count(spark: SparkSession) -> None:
    on_time = [("11:00:10", "11:00:20", "a"), ("11:01:30", "11:01:31", "b")]
    late = ("11:02:00", "13:00:00", "c")  # arrives two hours after its 5-minute window closed

    def window_of_11(events: list[tuple[str, str, str]]) -> dict[str, Any]:
        metrics = window_metrics(window_rows(_rows(spark, events), CONFIG), CONFIG)
        return metrics.where((F.col("window_kind") == "tumbling_5m") & (F.col("window_start") == _at("11:00:00"))
                             ).select("events", "product_views", "visitors", "late_events").first().asDict()

    assert window_of_11(on_time) == {"events": 2, "product_views": 2, "visitors": 2, "late_events": 0}
    assert window_of_11([*on_time, late]) == {"events": 3, "product_views": 3, "visitors": 3, "late_events": 1}


def test_hll_in_estimation_mode_is_within_three_standard_errors(spark: SparkSession) -> None:
    k = CONFIG.hll_lg_config_k
    error = 1.04 / math.sqrt(2 ** k)
    values = spark.range(50_000).select((F.col("id") % 20_000).cast("string").alias("visitor"),
                                        (F.col("id") % 4).alias("part"))
    parts = values.groupBy("part").agg(F.hll_sketch_agg("visitor", k).alias("sketch"))
    row = parts.agg(F.hll_sketch_estimate(F.hll_union_agg("sketch")).alias("union")).first()
    whole = values.agg(F.hll_sketch_estimate(F.hll_sketch_agg("visitor", k))).first()[0]
    assert abs(whole - 20_000) <= 3 * error * 20_000, whole
    assert row["union"] == whole
    print(f"HLL at 20000 distinct: relative error {abs(whole - 20_000) / 20_000:.4%} (3 SE = {3 * error:.2%})")


def test_is_final_follows_the_watermark(spark: SparkSession) -> None:
    rows = _rows(spark, [("11:00:10", "11:00:20", "a")])
    config = CONFIG.model_copy(update={"allowed_lateness": "1 hour"})

    def final(watermark: str) -> set[tuple[str, bool]]:
        metrics = window_metrics(window_rows(rows, config), config, watermark=F.lit(_at(watermark)))
        return {(r["window_kind"], r["is_final"]) for r in metrics.where("window_kind like 'tumbling%'").collect()}

    assert final("12:05:00") == {("tumbling_5m", True), ("tumbling_1h", False), ("tumbling_1d", False)}
    assert final("13:00:00") == {("tumbling_5m", True), ("tumbling_1h", True), ("tumbling_1d", False)}


def test_final_windows_are_published_once_keyed(spark: SparkSession, test_config: ClickstitchConfig,
                                                lake_root: Path) -> None:
    rows = _rows(spark, [("11:00:10", "11:00:20", "a"), ("11:07:00", "11:07:01", "b")])
    config = CONFIG.model_copy(update={"allowed_lateness": "1 hour"})
    metrics = window_metrics(window_rows(rows, config), config, watermark=F.lit(_at("12:06:00")))
    records = final_window_records(metrics)
    # Final at 12:06 with 1 hour of lateness: the windows of event a that ended by 11:06 (not b's, nor the hour).
    assert sorted(r["key"] for r in records.collect()) == [
        "shoes|2026-10-01T10:05:00.000000Z|sliding_1h_5m", "shoes|2026-10-01T11:00:00.000000Z|tumbling_5m",
        "shoes|2026-10-01T11:00:20.000000Z|stagger|2026-10-01T11:00:00.000000Z"]
    lake = open_lakehouse(spark, test_config.with_overrides({"lake.root": str(lake_root)}))
    publisher = open_publisher(lake, config.topic)
    assert publisher.publish(records, "metrics-test", 0) == 3
    assert publisher.publish(records, "metrics-test", 0) == 0  # a replayed batch
    assert publisher.publish(records, "metrics-test", 1) == 0  # the same windows recomputed: same keys
    assert lake.read(topic_table(config.topic)).count() == 3


def test_sessions_without_a_session_id_are_cut_by_thirty_minutes_of_inactivity(spark: SparkSession) -> None:
    times = ["10:00:00", "10:20:00", "10:49:59", "11:20:00", "11:21:00"]
    events = spark.createDataFrame(
        [("firebase", None, "anon1", None, None, "p1", f"e{n}", _at(t), "page" if n != 4 else "track",
          "purchase" if n == 4 else "page_view", f"/page{n}", "google", "organic", "mobile", "US",
          12.5 if n == 4 else None, False, None) for n, t in enumerate(times)],
        "source string, session_id_hash string, anonymous_id_hash string, device_id_hash string, "
        "user_id_hash string, person_id string, event_id string, event_time timestamp, event_type string, "
        "event_name string, page_url string, traffic_source string, traffic_medium string, "
        "device_category string, country string, revenue_reporting double, is_bot boolean, bot_category string")
    got = build_sessions(events, 1800, CONFIG.page_types, CONFIG.purchase_events)
    assert_same_rows(got.drop("session_id"), [
        {"source": "firebase", "session_cut": "inactivity_gap", "person_id": "p1", "session_start": _at("10:00:00"),
         "session_end": _at("10:49:59"), "duration_seconds": 2999.0, "event_count": 3, "page_views": 3,
         "landing_page": "/page0", "exit_page": "/page2", "traffic_source": "google", "traffic_medium": "organic",
         "device_category": "mobile", "country": "US", "converted": False, "purchases": 0, "revenue_reporting": None,
         "is_bot": False, "bot_category": None, "session_date": FIRST},
        {"source": "firebase", "session_cut": "inactivity_gap", "person_id": "p1", "session_start": _at("11:20:00"),
         "session_end": _at("11:21:00"), "duration_seconds": 60.0, "event_count": 2, "page_views": 1,
         "landing_page": "/page3", "exit_page": "/page3", "traffic_source": "google", "traffic_medium": "organic",
         "device_category": "mobile", "country": "US", "converted": True, "purchases": 1, "revenue_reporting": 12.5,
         "is_bot": False, "bot_category": None, "session_date": FIRST},
    ])
    assert got.select("session_id").distinct().count() == 2


def test_the_table_schema_is_what_the_report_reads() -> None:
    from report.sources import CATEGORY_METRICS as REPORT_METRICS
    from report.sources import SESSIONS as REPORT_SESSIONS

    for source, spec in ((REPORT_METRICS, CATEGORY_METRICS), (REPORT_SESSIONS, SESSIONS)):
        fields = {f.name: f.dataType for f in spec.schema.fields}
        assert {n: fields.get(n) for n, _ in source.columns} == dict(source.columns), source.table
    assert CATEGORY_METRICS.schema == CATEGORY_METRICS_SCHEMA


def test_config_rejects_bad_windows() -> None:
    with pytest.raises(ValueError, match="duration"):
        MetricsConfig(tumbling=("5 fortnights",))
    with pytest.raises(ValueError, match="multiple of slide"):
        MetricsConfig(sliding={"size": "1 hour", "slide": "7 minutes"})
    assert [k for k, _ in MetricsConfig().tumbling_kinds()] == ["tumbling_5m", "tumbling_1h", "tumbling_1d"]
    assert [k for k, _ in MetricsConfig(daily=False).tumbling_kinds()] == ["tumbling_5m", "tumbling_1h"]

