"""Keyed hashing and normalizers: Python and Spark agree value for value."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from privacy import (
    keyed_hash,
    keyed_hash_column,
    normalize_email,
    normalize_email_column,
    normalize_phone,
    normalize_phone_column,
)

VALUES = [
    "",
    "a",
    "jane.doe@example.com",
    "  Jane.Doe@Example.COM ",
    "+14155550134",
    "ünïcödé-名前-😀",
    "x" * 63,
    "x" * 64,
    "x" * 65,
    "y" * 1000,
    "line\nbreak\ttab",
    *[f"user-{index}" for index in range(40)],
]
KEYS = [b"k", b"test-only-hash-key", b"\x00\xff" * 32, b"long-key-" * 20]


@pytest.mark.parametrize("key", KEYS, ids=["1-byte", "ascii", "64-bytes", "180-bytes"])
def test_python_and_spark_hmac_agree(spark: SparkSession, key: bytes) -> None:
    df = spark.createDataFrame([(value,) for value in VALUES] + [(None,)], "value string")
    rows = df.select("value", keyed_hash_column(F.col("value"), key).alias("hash")).collect()
    got = {row["value"]: row["hash"] for row in rows}
    assert got.pop(None) is None
    assert got == {value: keyed_hash(value, key) for value in VALUES}


def test_keyed_hash_is_rfc2104_hmac_sha256() -> None:
    key = b"long-key-" * 20
    assert keyed_hash("abc", key) == hmac.new(key, b"abc", hashlib.sha256).hexdigest()
    assert keyed_hash("abc", key) != keyed_hash("abc", b"other")


def test_empty_key_is_refused() -> None:
    with pytest.raises(ValueError, match="hash key"):
        keyed_hash("x", b"")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Jane.Doe@Example.COM\t", "jane.doe@example.com"),
        ("ÜSER@exämple.de", "üser@exämple.de"),
        ("no-at-sign", None),
        ("   ", None),
        (None, None),
    ],
)
def test_normalize_email_python_and_spark(spark: SparkSession, raw: str | None, expected: str | None) -> None:
    assert normalize_email(raw) == expected
    df = spark.createDataFrame([(raw,)], "raw string")
    assert df.select(normalize_email_column(F.col("raw"))).collect()[0][0] == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("(415) 555-0134", "US", "+14155550134"),
        ("415.555.0134", "US", "+14155550134"),
        ("+1 415 555 0134", "GB", "+14155550134"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("+44 20 7946 0958", "US", "+442079460958"),
        ("12345", "US", None),
        ("not a phone", "US", None),
        ("", "US", None),
        (None, "US", None),
    ],
)
def test_normalize_phone_python_and_spark(
    spark: SparkSession, raw: str | None, region: str, expected: str | None
) -> None:
    assert normalize_phone(raw, region) == expected
    df = spark.createDataFrame([(raw,), (raw,)], "raw string")
    assert [row[0] for row in df.select(normalize_phone_column(F.col("raw"), region)).collect()] == [
        expected,
        expected,
    ]
