"""PII detection, scrubbing and keyed hashing for clickstream events.

Detection (``find_pii``) and replacement (``scrub_text``) share one Presidio analyzer per process and
config; URLs get cheap deterministic rules (``scrub_url``); Spark stages run both on Arrow batches.
"""

from privacy.config import PrivacyConfig
from privacy.engine import PiiFinding, find_pii, get_engine, scrub_text
from privacy.hashing import (
    keyed_hash,
    keyed_hash_column,
    normalize_email,
    normalize_email_column,
    normalize_phone,
    normalize_phone_column,
)
from privacy.recognizers import BUILTIN_RECOGNIZERS
from privacy.stages import PII_COUNTS_COLUMN, pii_audit_counts, scrub_free_text
from privacy.urls import scrub_url

__all__ = [
    "BUILTIN_RECOGNIZERS",
    "PII_COUNTS_COLUMN",
    "PiiFinding",
    "PrivacyConfig",
    "find_pii",
    "get_engine",
    "keyed_hash",
    "keyed_hash_column",
    "normalize_email",
    "normalize_email_column",
    "normalize_phone",
    "normalize_phone_column",
    "pii_audit_counts",
    "scrub_free_text",
    "scrub_text",
    "scrub_url",
]
