"""Spark stages: same output as the Python functions, counts without values."""

from __future__ import annotations

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from privacy import PII_COUNTS_COLUMN, pii_audit_counts, scrub_free_text, scrub_text, scrub_url
from privacy.stages import PII_COUNTS_TYPE

SEARCHES = [
    "red shoes size 10",
    "gift for maria gonzalez",
    "contact jane.doe@example.com",
    "contact jane.doe@example.com",  # duplicate in the batch: analyzed once, same output
    "Call John Smith at 415-555-0134",
    "SKU-4471-2209",
    "card 4111 1111 1111 1111",
    "",
    None,
]
URLS = [
    "https://shop.example.com/account?email=john%40example.com&utm_source=mail",
    "https://shop.example.com/search?q=red+shoes&utm_source=google",
    "https://shop.example.com/account?email=john%40example.com&utm_source=mail",
    "https://shop.example.com/p/SKU-4471-2209",
    "https://shop.example.com/u/a@b.com?phone=%2B14155550134",
    None,
    "https://shop.example.com/",
    None,
    "https://shop.example.com/x?c=+1+415+555+0134",
]


@pytest.fixture(scope="module")
def events(spark: SparkSession):  # type: ignore[no-untyped-def]
    rows = [(index, search, url) for index, (search, url) in enumerate(zip(SEARCHES, URLS, strict=True))]
    return spark.createDataFrame(rows, "event_id int, search_term string, page_url string").repartition(2)


def test_scrub_free_text_matches_python_row_by_row(events) -> None:  # type: ignore[no-untyped-def]
    scrubbed = events.transform(scrub_free_text, ["search_term", "page_url"])
    got = {row["event_id"]: (row["search_term"], row["page_url"]) for row in scrubbed.collect()}
    expected = {
        index: (None if search is None else scrub_text(search), None if url is None else scrub_url(url))
        for index, (search, url) in enumerate(zip(SEARCHES, URLS, strict=True))
    }
    assert got == expected
    assert scrubbed.columns == ["event_id", "search_term", "page_url", PII_COUNTS_COLUMN]
    assert scrubbed.schema[PII_COUNTS_COLUMN].dataType.simpleString() == PII_COUNTS_TYPE


def test_counts_per_row_field_and_type(events) -> None:  # type: ignore[no-untyped-def]
    scrubbed = events.transform(scrub_free_text, ["search_term", "page_url"])
    counts = {
        row["event_id"]: sorted((c["field"], c["entity_type"], c["count"]) for c in row[PII_COUNTS_COLUMN])
        for row in scrubbed.collect()
    }
    assert counts[0] == [("page_url", "EMAIL_ADDRESS", 1)]
    assert counts[1] == [("search_term", "PERSON", 1)]
    assert counts[5] == []
    assert counts[4] == [
        ("page_url", "EMAIL_ADDRESS", 1),
        ("page_url", "PHONE_NUMBER", 1),
        ("search_term", "PERSON", 1),
        ("search_term", "PHONE_NUMBER", 1),
    ]
    assert counts[8] == [("page_url", "PHONE_NUMBER", 1)]


def test_stage_composes_and_audit_counts_hold_no_values(events) -> None:  # type: ignore[no-untyped-def]
    scrubbed = events.transform(scrub_free_text, ["search_term"]).transform(scrub_free_text, ["page_url"])
    audit = {
        (row["field"], row["entity_type"]): (row["entities"], row["rows"])
        for row in pii_audit_counts(scrubbed).collect()
    }
    assert audit == {
        ("search_term", "EMAIL_ADDRESS"): (2, 2),
        ("search_term", "PERSON"): (2, 2),
        ("search_term", "PHONE_NUMBER"): (1, 1),
        ("search_term", "CREDIT_CARD"): (1, 1),
        ("page_url", "EMAIL_ADDRESS"): (3, 3),
        ("page_url", "PHONE_NUMBER"): (2, 2),
    }
    assert pii_audit_counts(scrubbed).columns == ["field", "entity_type", "entities", "rows"]


def test_each_distinct_value_is_analyzed_once(events) -> None:  # type: ignore[no-untyped-def]
    # The same strings in two text columns, over two partitions: one analysis per kind (text, URL), the
    # distinct-values exchange reused by every column's join.
    two_text_columns = events.withColumn("page_title", F.col("search_term"))
    scrubbed = scrub_free_text(two_text_columns, ["search_term", "page_title", "page_url"])
    plan = scrubbed._jdf.queryExecution().executedPlan().toString()
    assert plan.count("ArrowEvalPython") == 2, plan
    rows = scrubbed.collect()
    assert len(rows) == len(SEARCHES)
    assert all(row["search_term"] == row["page_title"] for row in rows)


def test_unknown_column_fails_with_its_name(events) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="page_title"):
        scrub_free_text(events, ["page_title"])
