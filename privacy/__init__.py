"""PII detection, scrubbing and keyed hashing for clickstream events.

Detection (``find_pii``) and replacement (``scrub_text``) share one Presidio analyzer per process and
config; URLs get cheap deterministic rules (``scrub_url``); Spark stages run both on Arrow batches.
"""

from privacy.config import PrivacyConfig
from privacy.engine import PiiFinding, find_pii, get_engine, scrub_text
from privacy.forget import ForgetReceipt, InvalidIdentifierError, forget, parse_identifier
from privacy.hashing import (
    IDENTIFIER_TYPES,
    keyed_hash,
    keyed_hash_column,
    normalize_email,
    normalize_email_column,
    normalize_identifier,
    normalize_identifier_column,
    normalize_phone,
    normalize_phone_column,
)
from privacy.kanon import daily_events_k_anon, k_anonymous
from privacy.leaks import Leak, find_leaks
from privacy.recognizers import BUILTIN_RECOGNIZERS
from privacy.silver import ip_prefix_column, to_silver
from privacy.stages import PII_COUNTS_COLUMN, pii_audit_counts, scrub_free_text
from privacy.tables import EVENTS_DAILY_K_ANON, FORGET_RECEIPTS, PRIVACY_AUDIT, audit_rows
from privacy.urls import scrub_url

__all__ = [
    "BUILTIN_RECOGNIZERS",
    "EVENTS_DAILY_K_ANON",
    "FORGET_RECEIPTS",
    "IDENTIFIER_TYPES",
    "PRIVACY_AUDIT",
    "ForgetReceipt",
    "InvalidIdentifierError",
    "Leak",
    "audit_rows",
    "daily_events_k_anon",
    "find_leaks",
    "forget",
    "ip_prefix_column",
    "k_anonymous",
    "normalize_identifier",
    "normalize_identifier_column",
    "parse_identifier",
    "to_silver",
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
