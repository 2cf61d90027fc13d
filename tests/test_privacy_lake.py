"""End to end on a small generated dataset: bronze -> to_silver -> lake; no seeded PII leaks; forget.

One generated dataset (300 persons, 1 day) and one scrubbed silver batch per module.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from clickstitch.catalog import CATALOG, EVENTS_SILVER, SILVER_CARRIED_FIELDS
from clickstitch.config import ClickstitchConfig
from generator import generate
from ingest import BatchContext, dedupe_events, file_listing, parse_events, read_lines, to_landing_files, valid_events
from lakehouse import EVENTS_BRONZE, Lakehouse
from lakehouse.deltars import DeltaRsBackend
from privacy import (
    FORGET_RECEIPTS,
    PRIVACY_AUDIT,
    InvalidIdentifierError,
    PrivacyConfig,
    audit_rows,
    find_leaks,
    forget,
    get_engine,
    keyed_hash,
    to_silver,
)

pytestmark = pytest.mark.slow

HASH_KEY = b"test-only-hash-key"
@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(out, persons=300, days=1, seed=7)
    return out


@pytest.fixture(scope="module")
def bronze(spark: SparkSession, test_config: ClickstitchConfig, synth: Path) -> DataFrame:
    landing = synth / "landing"
    rows = [(r["path"], r["length"]) for r in file_listing(spark, landing).collect()]
    files = to_landing_files(rows, landing)
    batch = BatchContext("privacy-test-0", datetime(2026, 10, 5, tzinfo=UTC))
    parsed = parse_events(read_lines(spark, files, test_config.ingest), test_config.ingest, batch)
    events = parsed.transform(valid_events).transform(dedupe_events).persist(StorageLevel.MEMORY_AND_DISK)
    events.count()
    yield events
    events.unpersist()


@pytest.fixture(scope="module")
def silver(bronze: DataFrame) -> DataFrame:
    scrubbed = to_silver(bronze, PrivacyConfig(), HASH_KEY, SILVER_CARRIED_FIELDS).persist(StorageLevel.MEMORY_AND_DISK)
    scrubbed.count()
    yield scrubbed
    scrubbed.unpersist()


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _lake(spark: SparkSession, root: Path) -> Lakehouse:
    return Lakehouse(spark, DeltaRsBackend(spark, root), CATALOG)


def test_silver_in_the_lake_leaks_no_seeded_pii(
    spark: SparkSession, synth: Path, silver: DataFrame, lake_root: Path
) -> None:
    lake = _lake(spark, lake_root)
    lake.append(EVENTS_SILVER, silver.drop("pii_entity_counts"), "privacy-test", 0)
    lake.append(PRIVACY_AUDIT, audit_rows(silver, "privacy-test-0"), "privacy-test", 0)
    kinds = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IP_ADDRESS")
    leaks = find_leaks(spark, lake, synth / "truth", layers=("silver", "gold", "audit"), pii_types=kinds)
    assert leaks == [], "\n".join(map(str, leaks))
    audit = {(r["field"], r["entity_type"]): r["found"] for r in lake.read(PRIVACY_AUDIT).collect()}
    assert audit[("ip", "IP_ADDRESS")] > 0 and audit[("traits", "TRAIT")] > 0
    assert audit[("search_term", "PERSON")] > 0 and audit[("page_url", "EMAIL_ADDRESS")] > 0


def test_silver_leaks_no_typed_names(spark: SparkSession, synth: Path, silver: DataFrame, lake_root: Path) -> None:
    lake = _lake(spark, lake_root)
    lake.append(EVENTS_SILVER, silver.drop("pii_entity_counts"), "privacy-test", 0)
    leaks = find_leaks(spark, lake, synth / "truth", pii_types=("PERSON",))
    print("\nname leaks:", len(leaks), sorted({(leak.column, leak.masked) for leak in leaks}))
    assert leaks == []


def test_find_leaks_finds_a_planted_leak(spark: SparkSession, synth: Path, silver: DataFrame, lake_root: Path) -> None:
    pii = _csv(synth / "truth" / "pii.csv")
    email = next(r["value"] for r in pii if r["pii_type"] == "EMAIL_ADDRESS")
    ip = next(r["value"] for r in pii if r["pii_type"] == "IP_ADDRESS")
    name = next(r["value"] for r in pii if r["pii_type"] == "PERSON" and " " in r["value"])
    planted = (
        silver.drop("pii_entity_counts")
        .limit(3)
        .withColumn("page_url", F.lit(f"https://shop.example.com/?e={email.upper().replace('@', '%40')}"))
        .withColumn("properties", F.create_map(F.lit("note"), F.lit(f"hi {name}")))
        .withColumn("page_title", F.lit(f"from {ip}0"))  # a longer number: not this IP
        .withColumn("search_term", F.lit(f"host {ip}"))
    )
    lake = _lake(spark, lake_root)
    lake.append(EVENTS_SILVER, planted, "privacy-test", 0)
    found = {(leak.column, leak.pii_type, leak.rows) for leak in find_leaks(spark, lake, synth / "truth")}
    assert {
        ("page_url", "EMAIL_ADDRESS", 3),
        ("properties", "PERSON", 3),
        ("search_term", "IP_ADDRESS", 3),
    } <= found
    assert not [f for f in found if f[0] == "page_title"]  # the longer number is not the IP


def test_name_recall_and_precision_on_generated_texts(synth: Path) -> None:
    texts = _csv(synth / "truth" / "texts.csv")
    engine = get_engine(PrivacyConfig())
    results = engine.scrub_batch([t["text"] for t in texts])
    with_names = [(t, r) for t, r in zip(texts, results, strict=True) if t["person_names"]]
    names = [(name, r) for t, r in with_names for name in t["person_names"].split(";")]
    recalled = sum(1 for name, r in names if name.lower() not in r.text.lower())
    clean = [(t, r) for t, r in zip(texts, results, strict=True) if t["has_pii"] != "true"]
    false_positive_texts = sum(1 for _, r in clean if r.entity_counts)
    # PERSON precision per text: a text given a <PERSON> must hold a typed name.
    person_texts = [t for t, r in zip(texts, results, strict=True) if "PERSON" in r.entity_counts]
    person_precision = sum(1 for t in person_texts if t["person_names"]) / len(person_texts)
    recall = recalled / len(names)
    print(
        f"\nPERSON recall {recalled}/{len(names)} = {recall:.3f}; PERSON precision (texts) "
        f"{person_precision:.3f} of {len(person_texts)}; texts without PII left untouched "
        f"{len(clean) - false_positive_texts}/{len(clean)} = {1 - false_positive_texts / len(clean):.3f}"
    )
    assert recall >= 0.9
    assert person_precision == 1.0
    assert false_positive_texts == 0


def _parquet_text(table_dir: Path) -> str:
    """Every string value of every parquet file left in a table folder (all versions' files)."""
    values: list[str] = []
    for path in table_dir.rglob("*.parquet"):
        for column in pq.read_table(path).to_pylist():
            values.append(json.dumps(column, default=str, ensure_ascii=False))
    return "\n".join(values).lower()


def test_forget_removes_the_person_from_every_table_and_old_version(
    spark: SparkSession, synth: Path, bronze: DataFrame, silver: DataFrame, lake_root: Path
) -> None:
    persons = _csv(synth / "truth" / "persons.csv")
    identifiers = _csv(synth / "truth" / "identifiers.csv")
    ids_of: dict[str, list[tuple[str, str]]] = {}
    for row in identifiers:
        ids_of.setdefault(row["person_id"], []).append((row["identifier_type"], row["identifier_value"]))
    # An account holder who typed their e-mail somewhere: found by e-mail, with logins and cookies.
    person = next(
        p for p in persons
        if p["has_account"] == "true" and any(t == "email" for t, _ in ids_of.get(p["person_id"], []))
        and sum(t == "anonymous_id" for t, _ in ids_of[p["person_id"]]) >= 1
    )
    raw_ids = [v for t, v in ids_of[person["person_id"]] if t in ("anonymous_id", "user_id", "device_id")]
    hashes = [keyed_hash(v.strip(), HASH_KEY) for v in raw_ids]
    lake = _lake(spark, lake_root)
    lake.append(EVENTS_BRONZE, bronze, "privacy-test", 0)
    lake.append(EVENTS_SILVER, silver.drop("pii_entity_counts"), "privacy-test", 0)
    before = lake.read(EVENTS_BRONZE).where(F.col("anonymous_id").isin(raw_ids) | F.col("user_id").isin(raw_ids))
    before_rows = before.count()
    assert before_rows > 0

    receipt = forget(spark, lake, f"email:  {person['email'].upper()} ", PrivacyConfig(), HASH_KEY)

    assert receipt.rows_removed[EVENTS_BRONZE.name] >= before_rows
    assert receipt.rows_removed[EVENTS_SILVER.name] == receipt.rows_removed[EVENTS_BRONZE.name]
    for raw in raw_ids:
        assert lake.read(EVENTS_BRONZE).where((F.col("anonymous_id") == raw) | (F.col("user_id") == raw)
                                              | (F.col("device_id") == raw)).count() == 0
    silver_left = lake.read(EVENTS_SILVER)
    for column in ("anonymous_id_hash", "user_id_hash", "device_id_hash"):
        assert silver_left.where(F.col(column).isin(hashes)).count() == 0
    # Earlier versions: no file left in any table folder holds the person's ids or hashes.
    for table in (EVENTS_BRONZE, EVENTS_SILVER):
        text = _parquet_text(lake_root / table.name)
        assert not [v for v in raw_ids + hashes if v.lower() in text], table.name
        assert lake.info(table).rows > 0  # everybody else is still there
    stored = lake.read(FORGET_RECEIPTS).collect()
    assert len(stored) == 1 and stored[0]["total_rows_removed"] == receipt.total_rows_removed
    assert person["email"].lower() not in json.dumps(stored[0].asDict(), default=str).lower()

    again = forget(spark, lake, f"email:{person['email']}", PrivacyConfig(), HASH_KEY)
    assert again.total_rows_removed == 0 and again.request_hash == receipt.request_hash
    assert again.rows_removed == {k: 0 for k in receipt.rows_removed}
    assert lake.read(FORGET_RECEIPTS).count() == 2


@pytest.mark.parametrize("identifier", ["jane@example.com", "fax:123", "email:not-an-email", "phone:12", "user_id:  "])
def test_malformed_identifier_is_a_clear_error(spark: SparkSession, lake_root: Path, identifier: str) -> None:
    with pytest.raises(InvalidIdentifierError, match="identifier"):
        forget(spark, _lake(spark, lake_root), identifier, PrivacyConfig(), HASH_KEY)
