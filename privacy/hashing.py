"""Keyed hashing and identifier normalizers, shared with identity stitching.

The same key gives the same hash in Python and in Spark, so hashed identifiers join across tables
and runs. ``keyed_hash_column`` is HMAC-SHA256 (RFC 2104) written with Spark's own ``sha2``, ``unhex``
and ``concat`` on binary: no Python UDF, so it runs in the JVM at full speed.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
import phonenumbers
from pyspark.sql import Column
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

_BLOCK_SIZE = 64  # SHA-256 block size in bytes
# Whitespace trimmed identically in Python and in Spark's (Java) regex.
_TRIM_CHARS = " \t\n\r\f\v"
_TRIM_REGEX = r"^[ \t\n\r\f\u000B]+|[ \t\n\r\f\u000B]+$"


def keyed_hash(value: str, key: bytes) -> str:
    """HMAC-SHA256 of the UTF-8 bytes of ``value``, as 64 lowercase hex characters."""
    _check_key(key)
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_hash_column(col: Column, key: bytes) -> Column:
    """Spark expression equal to ``keyed_hash`` row by row (null stays null).

    HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), K0 = K (hashed first when longer than the
    64-byte block) padded with zeros to 64 bytes.
    """
    _check_key(key)
    block_key = hashlib.sha256(key).digest() if len(key) > _BLOCK_SIZE else key
    block_key = block_key.ljust(_BLOCK_SIZE, b"\x00")
    inner_pad = bytes(byte ^ 0x36 for byte in block_key)
    outer_pad = bytes(byte ^ 0x5C for byte in block_key)
    message = col.cast("string").cast("binary")  # UTF-8 bytes
    inner = F.unhex(F.sha2(F.concat(F.lit(bytearray(inner_pad)), message), 256))
    return F.sha2(F.concat(F.lit(bytearray(outer_pad)), inner), 256)


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or not key:
        raise ValueError("hash key must be non-empty bytes")


def normalize_email(value: str | None) -> str | None:
    """Trimmed, lower-cased e-mail address; None when blank or without '@'."""
    if value is None:
        return None
    email = value.strip(_TRIM_CHARS).lower()
    return email if "@" in email else None


def normalize_email_column(col: Column) -> Column:
    """Spark expression equal to ``normalize_email``."""
    email = F.lower(F.regexp_replace(col, _TRIM_REGEX, ""))
    return F.when(F.instr(email, "@") > 0, email)


def normalize_phone(value: str | None, default_region: str = "US") -> str | None:
    """The number in E.164 (``+14155550134``), or None when it is not a valid number.

    Numbers without a ``+country`` prefix are read in ``default_region``.
    """
    if value is None or not value.strip():
        return None
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone_column(col: Column, default_region: str = "US") -> Column:
    """``normalize_phone`` on a string column: a pandas UDF that parses each distinct value once per batch."""

    @pandas_udf("string")  # type: ignore[call-overload]
    def normalize_phones(values: pd.Series) -> pd.Series:
        rows = values.tolist()
        normalized = {
            value: normalize_phone(value, default_region) for value in set(rows) if isinstance(value, str)
        }
        return pd.Series(
            [normalized.get(value) if isinstance(value, str) else None for value in rows], dtype=object
        )

    return normalize_phones(col)


# Identifier types a person can be looked up by (``forget``) and identity stores as identifier_type.
IDENTIFIER_TYPES = ("email", "phone", "user_id", "anonymous_id", "device_id")


def normalize_identifier(identifier_type: str, value: str | None, default_region: str = "US") -> str | None:
    """The form that is hashed for an identifier: e-mail lower-cased, phone E.164, ids trimmed.

    Identity (``identity_map.identifier_hash``), silver (``*_hash`` columns) and ``forget`` all hash
    this form with ``keyed_hash``, so the same identifier gives the same hash everywhere.
    """
    if identifier_type == "email":
        return normalize_email(value)
    if identifier_type == "phone":
        return normalize_phone(value, default_region)
    if identifier_type not in IDENTIFIER_TYPES and identifier_type != "session_id":
        raise ValueError(f"unknown identifier type {identifier_type!r}; known: {', '.join(IDENTIFIER_TYPES)}")
    if value is None:
        return None
    trimmed = value.strip(_TRIM_CHARS)
    return trimmed or None


def normalize_identifier_column(identifier_type: str, col: Column, default_region: str = "US") -> Column:
    """Spark expression equal to ``normalize_identifier`` (phone: a pandas UDF, the rest pure Spark)."""
    if identifier_type == "email":
        return normalize_email_column(col)
    if identifier_type == "phone":
        return normalize_phone_column(col, default_region)
    if identifier_type not in IDENTIFIER_TYPES and identifier_type != "session_id":
        raise ValueError(f"unknown identifier type {identifier_type!r}; known: {', '.join(IDENTIFIER_TYPES)}")
    trimmed = F.regexp_replace(col, _TRIM_REGEX, "")
    return F.when(trimmed != "", trimmed)
