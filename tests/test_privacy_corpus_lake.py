"""The corpus (tests/pii_corpus.py) typed into Segment events, through the real backfill, then a leak scan
of every silver and gold table: none of its identifiers may be there.

Each corpus text goes where a shop's events carry it: URLs as the page URL of a page event, titles as its
page title, searches as a "Products Searched" query, free text and sign-offs as a support message property.
"""

from __future__ import annotations

import csv
import json
from datetime import date
from urllib.parse import quote, quote_plus, urlsplit

import pytest
from pyspark.sql import SparkSession

from clickstitch.catalog import EVENTS_SILVER, open_lakehouse
from clickstitch.config import ClickstitchConfig
from clickstitch.drivers import run_backfill
from privacy import find_leaks
from tests.pii_corpus import LabelledText, build_corpus

pytestmark = pytest.mark.slow

DAY = date(2026, 10, 1)
STRUCTURED = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE")
USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def segment_event(index: int, item: LabelledText) -> dict[str, object]:
    stamp = f"2026-10-01T{8 + index // 3600 % 12:02d}:{index // 60 % 60:02d}:{index % 60:02d}.000Z"
    event: dict[str, object] = {
        "messageId": f"corpus-{index:05d}",
        "anonymousId": f"anon-{index // 5:05d}",
        "timestamp": stamp,
        "receivedAt": stamp,
        "context": {"ip": "203.0.113.7", "userAgent": USER_AGENT, "locale": "en-GB"},
    }
    if item.is_url:
        event |= {"type": "page", "properties": {"url": item.text, "path": urlsplit(item.text).path}}
    elif item.field == "title":
        event |= {"type": "page", "properties": {"url": "https://shop.example.com/account", "title": item.text}}
    elif item.field == "search":
        event |= {"type": "track", "event": "Products Searched", "properties": {"query": item.text}}
    else:
        event |= {"type": "track", "event": "Support Message Sent", "properties": {"message": item.text}}
    return event


def as_written(item: LabelledText, value: str) -> str:
    """The value as it stands in the text (raw, percent- or plus-encoded)."""
    forms = (value, quote(value, safe="@+"), quote_plus(value, safe="@"), quote(value, safe=""))
    return next((form for form in forms if form in item.text), value)


@pytest.fixture(scope="module")
def corpus_lake(spark: SparkSession, test_config: ClickstitchConfig, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("corpus")
    corpus = build_corpus()
    landing = root / "landing" / "segment" / DAY.isoformat()
    landing.mkdir(parents=True)
    with open(landing / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for index, item in enumerate(corpus):
            fh.write(json.dumps(segment_event(index, item), ensure_ascii=False) + "\n")
    (root / "truth").mkdir()
    with open(root / "truth" / "pii.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["pii_type", "value", "as_written"])
        for item in corpus:
            for entity, value in item.pii:
                if entity in STRUCTURED or (entity == "PERSON" and " " in value):  # full names only
                    writer.writerow([entity, value, as_written(item, value)])
    config = test_config.with_overrides({"lake.root": str(root / "lake"), "landing": str(root / "landing")})
    lake = open_lakehouse(spark, config)
    run_backfill(spark, lake, config, DAY, DAY)
    return lake, root / "truth", corpus


@pytest.fixture(scope="module")
def published_leaks(spark: SparkSession, corpus_lake) -> list:
    """One scan of every silver and gold table for every corpus identifier and full name."""
    lake, truth, _ = corpus_lake
    return find_leaks(spark, lake, truth, layers=("silver", "gold"), pii_types=(*STRUCTURED, "PERSON"))


def test_backfilled_silver_and_gold_hold_none_of_the_corpus_identifiers(corpus_lake, published_leaks) -> None:
    lake, _, corpus = corpus_lake
    assert lake.read(EVENTS_SILVER).count() == len(corpus)  # every text went through, none dead-lettered
    leaks = [leak for leak in published_leaks if leak.pii_type in STRUCTURED]
    assert leaks == [], "\n".join(map(str, leaks))


def test_the_scan_sees_the_identifiers_in_bronze(spark: SparkSession, corpus_lake) -> None:
    """The same scan on bronze (raw by design) finds them: the scan is not blind."""
    lake, truth, _ = corpus_lake
    found = {leak.pii_type for leak in find_leaks(spark, lake, truth, layers=("bronze",), pii_types=STRUCTURED)}
    assert found == set(STRUCTURED)


def test_names_left_in_silver_are_within_the_measured_recall(corpus_lake, published_leaks) -> None:
    _, _, corpus = corpus_lake
    names = {v for item in corpus for e, v in item.pii if e == "PERSON" and " " in v}
    leaked = {leak.masked for leak in published_leaks if leak.pii_type == "PERSON"}
    print(f"\nfull names in the corpus {len(names)}, found in silver/gold {len(leaked)}")
    assert len(leaked) <= 0.05 * len(names)
