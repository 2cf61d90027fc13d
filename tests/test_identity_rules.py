"""Identity stitching on small hand-made graphs: identifiers, merge protection, components, replay."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import identity_args, open_lakehouse
from clickstitch.config import ClickstitchConfig
from identity import (
    IDENTITY_CONFLICTS,
    IDENTITY_EDGES,
    IDENTITY_MAP,
    IDENTITY_MERGES,
    connected_components,
    current_map,
    event_identifiers,
    stitch_batch,
)
from lakehouse.schemas import EVENT_SCHEMA
from privacy.hashing import keyed_hash
from tests.frames import assert_same_rows

KEY = b"test-only-hash-key"
DAY = date(2026, 10, 1)


def event(n: int, anonymous_id: str | None = None, user_id: str | None = None, device_id: str | None = None,
          traits: dict[str, str] | None = None, properties: dict[str, str] | None = None,
          country: str = "United States") -> dict:
    row = {name: None for name in EVENT_SCHEMA.fieldNames()}
    row.update(event_id=f"e{n}", source="segment", event_type="track", event_name="x",
               event_time=datetime(2026, 10, 1, 10, n % 60, tzinfo=UTC), anonymous_id=anonymous_id,
               user_id=user_id, device_id=device_id, traits=traits, properties=properties, country=country,
               session_id=f"s{n}", event_date=DAY)
    return row


def frame(spark: SparkSession, rows: list[dict]):
    return spark.createDataFrame([tuple(r[f] for f in EVENT_SCHEMA.fieldNames()) for r in rows], EVENT_SCHEMA)


@pytest.fixture
def config(test_config: ClickstitchConfig, lake_root: Path) -> ClickstitchConfig:
    return test_config.with_overrides({"lake.root": str(lake_root)})


def test_identifiers_are_normalized_and_hashed(spark: SparkSession, test_config: ClickstitchConfig) -> None:
    rows = [
        event(1, anonymous_id="a1", traits={"email": " Ann@Example.COM ", "phone": "(206) 555-3887"}),
        event(2, anonymous_id="a2", properties={"email": "ann@example.com", "phone": "030 58915113"},
              country="Germany"),
        event(3, anonymous_id="a3", traits={"customer_email": "no-at-sign"}),
    ]
    got = {
        (r.event_id, r.identifier_type, r.identifier_hash)
        for r in event_identifiers(frame(spark, rows), KEY, test_config.identity).collect()
    }
    h = lambda v: keyed_hash(v, KEY)  # noqa: E731
    assert got == {
        ("e1", "anonymous_id", h("a1")), ("e1", "email", h("ann@example.com")), ("e1", "phone", h("+12065553887")),
        ("e2", "anonymous_id", h("a2")), ("e2", "email", h("ann@example.com")), ("e2", "phone", h("+493058915113")),
        ("e3", "anonymous_id", h("a3")),
    }


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ([("b", "a"), ("c", "b"), ("e", "d")], {"a": "a", "b": "a", "c": "a", "d": "d", "e": "d", "f": "f"}),
        ([("a", "f"), ("f", "e"), ("e", "d"), ("d", "c"), ("c", "b")], {n: "a" for n in "abcdef"}),
        ([], {n: n for n in "abcdef"}),
    ],
)
def test_connected_components_label_with_smallest_node(spark: SparkSession, edges, expected) -> None:
    nodes = spark.createDataFrame([(n,) for n in "abcdef"], "node string")
    links = spark.createDataFrame(edges, "src string, dst string")
    labels = connected_components(nodes, links).labels
    assert {r.node: r.component for r in labels.collect()} == expected


def test_edges_are_filed_under_both_ends_and_read_once(spark: SparkSession, config: ClickstitchConfig) -> None:
    from identity.store import compact_identity_edges, edge_copies, edge_log, edges_touching

    lake = open_lakehouse(spark, config)
    t = datetime(2026, 10, 1, tzinfo=UTC)
    observations = [  # (src hash, dst hash, count): one pair in one bucket, one across two, a self edge
        ("aa01", "aa02", 1), ("aa01", "bb03", 2), ("aa01", "bb03", 3), ("bb03", "bb03", 4),
    ]
    rows = [("anonymous_id", s, "user_id", d, "segment", t, t, n, DAY) for s, d, n in observations]
    edges = spark.createDataFrame(rows, "src_type string, src_hash string, dst_type string, dst_hash string, "
                                  "source string, first_seen timestamp, last_seen timestamp, event_count long, "
                                  "event_date date")
    lake.append(IDENTITY_EDGES, edge_copies(edges), "w", 1)
    assert {r.bucket: r["count"] for r in lake.read(IDENTITY_EDGES).groupBy("bucket").count().collect()} == {
        "a": 3, "b": 3
    }

    def counts(*nodes: str) -> list[int]:
        wanted = spark.createDataFrame([(n,) for n in nodes], "node string")
        return sorted(r.event_count for r in edges_touching(lake, wanted).collect())

    assert counts("anonymous_id:aa01") == [1, 2, 3]
    assert counts("user_id:bb03") == [2, 3, 4]
    assert counts("user_id:aa02", "user_id:bb03") == [1, 2, 3, 4]
    assert counts("anonymous_id:aa01", "user_id:bb03", "user_id:aa02") == [1, 2, 3, 4]
    assert sorted(r.event_count for r in edge_log(lake).collect()) == [1, 2, 3, 4]
    compact_identity_edges(lake)
    assert sorted(r.event_count for r in edge_log(lake).collect()) == [1, 4, 5]


def tangled_events(seed: int) -> list[dict]:
    """Persons with cookies, logins, devices and emails, plus every kind of tangle merge protection handles:
    shared computers, a device with too many cookies, a login with two emails, an email typed on another
    person's cookie (joins two logins through an email), and ties in first-seen times."""
    rng = random.Random(seed)
    rows: list[dict] = []

    def add(**ids: str | None) -> None:
        email = ids.pop("email", None)
        rows.append(event(len(rows), **ids, traits={"email": email} if email else None))

    for p in range(40):
        cookies = [f"c{p}-{k}" for k in range(rng.randint(1, 3))]
        login = f"u{p}" if rng.random() < 0.7 else None
        device = f"d{p}" if rng.random() < 0.5 else None
        emails = [f"p{p}@example.com"] + ([f"p{p}.alt@example.com"] if rng.random() < 0.2 else [])
        for cookie in cookies:
            for _ in range(rng.randint(1, 3)):
                add(anonymous_id=cookie, user_id=login if rng.random() < 0.6 else None, device_id=device,
                    email=rng.choice(emails) if rng.random() < 0.4 else None)
    for k in range(3):  # shared computers: one cookie, two logins
        add(anonymous_id=f"kiosk{k}", user_id=f"u{2 * k}")
        add(anonymous_id=f"kiosk{k}", user_id=f"u{2 * k + 1}")
    for k in range(4):  # a device behind more cookies than allowed
        add(anonymous_id=f"tablet-cookie{k}", device_id="family-tablet")
    for k in range(3):  # an email typed on someone else's cookie: the component holds two logins
        add(anonymous_id=f"c{10 + k}-0", email=f"p{20 + k}@example.com")
    return rows


def test_driver_and_distributed_clustering_agree(spark: SparkSession, test_config: ClickstitchConfig) -> None:
    from identity.cluster import cluster_identities, cluster_in_driver
    from identity.identifiers import graph_edges, observed_edges

    config = test_config.identity.model_copy(update={"max_anonymous_ids_per_device": 3})
    identifiers = event_identifiers(frame(spark, tangled_events(seed=3)), KEY, config)
    graph = graph_edges(observed_edges(identifiers)).localCheckpoint(eager=True)
    scope = graph.select(F.explode(F.array("src", "dst")).alias("node")).distinct()
    distributed = cluster_identities(graph, config, scope)
    driver = cluster_in_driver(graph, config, scope)
    assert_same_rows(driver.assignments, distributed.assignments)
    assert_same_rows(driver.conflicts, distributed.conflicts)
    assert_same_rows(driver.applied_edges, distributed.applied_edges)
    assert {r.rule for r in driver.conflicts.select("rule").distinct().collect()} == {
        "shared_identifier", "shared_device", "max_emails_per_user_id", "max_user_ids_per_person"
    }
    assert driver.assignments.select("person_id").distinct().count() > 40


def persons(lake, config, **identifiers: str) -> dict[str, str]:
    mapping = {(r.identifier_type, r.identifier_hash): r.person_id for r in current_map(lake).collect()}
    return {name: mapping.get((name.rstrip("0123456789"), keyed_hash(v, KEY))) for name, v in identifiers.items()}


@pytest.mark.slow  # each stitched batch runs a dozen Spark jobs: 5-15 s on 2 cores
def test_shared_computer_stays_separate_persons(spark: SparkSession, config: ClickstitchConfig) -> None:
    lake = open_lakehouse(spark, config)
    rows = [
        event(1, anonymous_id="shared-cookie"),
        event(2, anonymous_id="shared-cookie", user_id="u1"),
        event(3, anonymous_id="shared-cookie", user_id="u2"),
        event(4, anonymous_id="home-of-u1", user_id="u1"),
        event(5, anonymous_id="home-of-u2", user_id="u2"),
    ]
    out = stitch_batch(spark, lake, frame(spark, rows), *identity_args(config), "w", 1)
    p = persons(lake, config, user_id1="u1", user_id2="u2", anonymous_id1="home-of-u1",
                anonymous_id2="home-of-u2", anonymous_id3="shared-cookie")
    assert p["user_id1"] == p["anonymous_id1"] and p["user_id2"] == p["anonymous_id2"]
    assert len({p["user_id1"], p["user_id2"], p["anonymous_id3"]}) == 3
    by_event = {r.event_id: r.person_id for r in out.collect()}
    assert by_event["e2"] == p["user_id1"] and by_event["e3"] == p["user_id2"] and by_event["e1"] == p["anonymous_id3"]
    conflicts = lake.read(IDENTITY_CONFLICTS).where(F.col("src_hash") == keyed_hash("shared-cookie", KEY))
    conflicts = conflicts.unionByName(
        lake.read(IDENTITY_CONFLICTS).where(F.col("dst_hash") == keyed_hash("shared-cookie", KEY))
    )
    assert {r.rule for r in conflicts.collect()} == {"shared_identifier"}
    assert "anonymous_id seen with 2 user ids" in conflicts.first().reason


@pytest.mark.slow  # each stitched batch runs a dozen Spark jobs: 5-15 s on 2 cores
def test_second_email_of_a_login_is_refused(spark: SparkSession, config: ClickstitchConfig) -> None:
    lake = open_lakehouse(spark, config)
    rows = [
        event(1, anonymous_id="a", user_id="u", traits={"email": "main@example.com"}),
        event(2, anonymous_id="a", user_id="u", traits={"email": "main@example.com"}),
        event(3, anonymous_id="b", user_id="u", traits={"email": "other@example.com"}),
    ]
    stitch_batch(spark, lake, frame(spark, rows), *identity_args(config), "w", 1)
    p = persons(lake, config, user_id="u", email1="main@example.com", email2="other@example.com")
    assert p["user_id"] == p["email1"] != p["email2"]
    rules = {r.rule for r in lake.read(IDENTITY_CONFLICTS).collect()}
    assert "max_emails_per_user_id" in rules


@pytest.mark.slow  # each stitched batch runs a dozen Spark jobs: 5-15 s on 2 cores
def test_merge_keeps_the_oldest_id_and_replay_is_a_no_op(spark: SparkSession, config: ClickstitchConfig) -> None:
    lake = open_lakehouse(spark, config)
    first = [event(1, anonymous_id="phone-cookie"), event(2, anonymous_id="laptop-cookie")]
    stitch_batch(spark, lake, frame(spark, first), *identity_args(config), "w", 1)
    before = persons(lake, config, anonymous_id1="phone-cookie", anonymous_id2="laptop-cookie")
    login = [event(10, anonymous_id="phone-cookie", user_id="u"), event(11, anonymous_id="laptop-cookie", user_id="u")]
    stitch_batch(spark, lake, frame(spark, login), *identity_args(config), "w", 2)
    after = persons(lake, config, anonymous_id1="phone-cookie", anonymous_id2="laptop-cookie", user_id="u")
    assert after["anonymous_id1"] == after["anonymous_id2"] == after["user_id"] == before["anonymous_id1"]
    merges = lake.read(IDENTITY_MERGES).collect()
    assert [(m.old_person_id, m.new_person_id, m.kind) for m in merges] == [
        (before["anonymous_id2"], before["anonymous_id1"], "merge")
    ]
    assert merges[0].cause_src_type is not None
    versions = {t: lake.info(t).version for t in ("identity_edges", IDENTITY_MAP.name, IDENTITY_MERGES.name)}
    replayed = stitch_batch(spark, lake, frame(spark, login), *identity_args(config), "w", 2)
    assert {t: lake.info(t).version for t in versions} == versions
    assert {r.person_id for r in replayed.collect()} == {before["anonymous_id1"]}
    assert config.secrets.hash_key_bytes() == KEY


def test_events_stitched_view_follows_the_current_map(spark: SparkSession) -> None:
    from clickstitch.catalog import SILVER_EVENT_SCHEMA
    from identity.schemas import IDENTITY_MAP_SCHEMA

    t = datetime(2026, 10, 1, tzinfo=UTC)
    rows = [
        ("user_id", "hu", "per_new", t, "c", t, 2, "h"),
        ("user_id", "hu", "per_old", t, "c", t, 1, "h"),
        ("anonymous_id", "ha", "per_cookie", t, "c", t, 1, "h"),
    ]
    spark.createDataFrame(rows, IDENTITY_MAP_SCHEMA).createOrReplaceTempView("identity_map")
    silver = []
    for event_id, user, cookie in (("e1", "hu", "ha"), ("e2", None, "ha"), ("e3", None, "unknown")):
        row = {f: None for f in SILVER_EVENT_SCHEMA.fieldNames()}
        row.update(event_id=event_id, user_id_hash=user, anonymous_id_hash=cookie, person_id="per_at_ingest")
        silver.append(tuple(row[f] for f in SILVER_EVENT_SCHEMA.fieldNames()))
    spark.createDataFrame(silver, SILVER_EVENT_SCHEMA).createOrReplaceTempView("events_silver")
    spark.sql((Path(__file__).parents[1] / "sql" / "events_stitched.sql").read_text())
    got = {r.event_id: r.current_person_id for r in spark.table("events_stitched").collect()}
    assert got == {"e1": "per_new", "e2": "per_cookie", "e3": "per_at_ingest"}
