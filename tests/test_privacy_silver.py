"""to_silver building blocks: IP prefixes, k-anonymity, audit rows, identifiers, policies."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from pyspark.sql import Observation, SparkSession
from pyspark.sql import functions as F

from privacy import (
    InvalidIdentifierError,
    PrivacyConfig,
    audit_rows,
    ip_prefix_column,
    k_anonymous,
    parse_identifier,
)


@pytest.mark.parametrize(
    ("ip", "prefix"),
    [
        ("203.0.113.77", "203.0.113.0/24"),
        (" 10.1.2.3 ", "10.1.2.0/24"),
        ("::ffff:10.1.2.3", "10.1.2.0/24"),
        ("2001:DB8:85a3::8a2e:370:7334", "2001:db8:85a3::/48"),
        ("2001:db8::1", "2001:db8::/48"),
        ("[2001:0db8:0000:0042::1]", "2001:db8::/48"),
        ("fe80::1%eth0", "fe80::/48"),
        ("1:2:3:4:5:6:7:8", "1:2:3::/48"),
        ("::1", "::/48"),
        ("256.1.1.1", None),
        ("1.2.3", None),
        ("1::2::3", None),
        ("not an ip", None),
        (None, None),
    ],
)
def test_ip_prefix(spark: SparkSession, ip: str | None, prefix: str | None) -> None:
    df = spark.createDataFrame([(ip,)], "ip string")
    assert df.select(ip_prefix_column(F.col("ip"))).first()[0] == prefix  # type: ignore[index]


def test_k_anonymous_suppresses_small_cells_and_reports_them(spark: SparkSession) -> None:
    rows = [("US", f"p{i}") for i in range(5)] + [("US", "p0")] + [("LU", "p9"), ("LU", "p9")]
    df = spark.createDataFrame(rows, "country string, person string")
    seen = Observation("k")
    cells = k_anonymous(df, ["country"], "person", 3, seen)
    assert [tuple(r) for r in cells.collect()] == [("US", 5, 6)]
    assert seen.get == {"cells": 2, "suppressed_cells": 1, "suppressed_events": 2}


def test_audit_rows_are_counts_per_field_and_type(spark: SparkSession) -> None:
    counts = "array<struct<field:string,entity_type:string,count:int>>"
    df = spark.createDataFrame(
        [([("search_term", "PERSON", 2), ("ip", "IP_ADDRESS", 1)],), ([("ip", "IP_ADDRESS", 1)],)],
        f"pii_entity_counts {counts}",
    )
    got = {tuple(r) for r in audit_rows(df, "b1").collect()}
    assert got == {("b1", "search_term", "PERSON", 2, 2, 1), ("b1", "ip", "IP_ADDRESS", 2, 2, 2)}


@pytest.mark.parametrize(
    ("identifier", "parsed"),
    [
        ("email: Jane.Doe@Example.COM ", ("email", "jane.doe@example.com")),
        ("phone:+1 415 555 0134", ("phone", "+14155550134")),
        ("user_id:u_000441", ("user_id", "u_000441")),
        ("ANONYMOUS_ID: abc ", ("anonymous_id", "abc")),
    ],
)
def test_parse_identifier(identifier: str, parsed: tuple[str, str]) -> None:
    assert parse_identifier(identifier) == parsed


@pytest.mark.parametrize("identifier", ["jane@example.com", "fax:1", "email:nope", "phone:12", "device_id: "])
def test_parse_identifier_rejects(identifier: str) -> None:
    with pytest.raises(InvalidIdentifierError):
        parse_identifier(identifier)


@pytest.mark.parametrize(
    "policies", [{"user_id": "keep"}, {"ip": "scrub"}, {"traits": "keep"}, {"shoe_size": "drop"}]
)
def test_policies_not_applicable_fail_with_the_field(policies: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match=next(iter(policies))):
        PrivacyConfig(field_policies=policies)  # type: ignore[arg-type]
