"""Scrub PII out of URLs while keeping what analytics needs (host, path, utm_*, product ids).

Rules, applied to the query, to a query-like fragment (``#access_token=...``) and to path segments:

* a query key that names PII (``email``, ``phone``, ``first_name``, ``token``, ``password``, ...)
  gets its value replaced by a typed placeholder, whatever the value;
* under any key, a value that holds PII after percent-decoding (``john%40example.com``,
  ``+1%20415%20555%200134``, a Luhn-valid card number, ``123-45-6789``) is replaced too;
* a path segment holding an e-mail, a card number or a formatted phone number is replaced;
* user:password in the authority is dropped.

Placeholders are percent-encoded (``%3CEMAIL_ADDRESS%3E``, which decodes to ``<EMAIL_ADDRESS>``) so the
result still parses as a URL (Spark's ``parse_url`` rejects a raw ``<``). Untouched parts keep their
exact original bytes. Bare digit runs (``/p/4155550134``, ``?id=4155550134``) are left alone: product
and order ids look the same, and a phone number without ``+`` or separators is rare in a URL.
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import SplitResult, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

import phonenumbers

from privacy.identifiers import card_spans, glued_to_identifier, iban_spans

# Key tokens (key split on non-letters and camelCase) that make a parameter sensitive, by entity type.
SENSITIVE_KEY_TOKENS: dict[str, str] = {
    **dict.fromkeys(["email", "mail", "emailaddress", "e-mail"], "EMAIL_ADDRESS"),
    **dict.fromkeys(["phone", "tel", "telephone", "mobile", "cell", "msisdn", "phonenumber"], "PHONE_NUMBER"),
    **dict.fromkeys(
        ["name", "fname", "lname", "firstname", "lastname", "fullname", "surname", "username", "login"],
        "PERSON",
    ),
    **dict.fromkeys(["address", "addr", "street", "address1", "address2"], "ADDRESS"),
    **dict.fromkeys(["zip", "zipcode", "postcode", "postal", "postalcode"], "POSTAL_CODE"),
    **dict.fromkeys(["dob", "birthdate", "birthday"], "DATE_OF_BIRTH"),
    **dict.fromkeys(["ssn", "sin", "nino"], "US_SSN"),
    **dict.fromkeys(["card", "cc", "ccnum", "cardnumber", "pan", "cvv", "cvc"], "CREDIT_CARD"),
    **dict.fromkeys(["ip", "ipaddress"], "IP_ADDRESS"),
    **dict.fromkeys(
        [
            "token", "accesstoken", "idtoken", "refreshtoken", "auth", "authorization", "password",
            "pwd", "passwd", "pass", "secret", "apikey", "session", "sessionid", "jsessionid", "sid",
            "signature", "sig", "otp",
        ],
        "SECRET",
    ),
}  # fmt: skip
_PERSON_QUALIFIERS = frozenset(
    ["first", "last", "full", "given", "family", "middle", "user", "customer", "contact", "billing",
     "shipping", "holder", "cardholder", "recipient", "sender"]
)  # fmt: skip
_LEADING_KEY_WORDS = frozenset(["email", "phone", "password", "token", "ssn"])
_KEY_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")
_PHONE_CANDIDATE = re.compile(r"(?<![\w])\+?\(?\d[\d ().-]{6,18}\d(?![\w])")
_SSN = re.compile(r"(?<!\d)\d{3}-\d{2}-\d{4}(?!\d)")
_DATE = re.compile(r"^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}$")
# Cheap test before any parsing: no '?', '#', '@', encoded '@' or run of digits -> nothing to do.
_PRECHECK = re.compile(r"[?#@]|%40|\d{3}", re.IGNORECASE)
# PrivacyConfig's default phone_regions (scrub_url takes no config).
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "CA", "ES", "JP")
# Regions whose national numbers start with a trunk 0: a bare "07439 57551" written without spaces in a
# URL is still a phone number there (a bare run without the 0, like /p/4155550134, is left: product ids).
_TRUNK_ZERO_REGIONS = ("GB", "DE", "FR", "ES", "JP")


def scrub_url(url: str) -> str:
    """``url`` with PII replaced by typed placeholders; everything else byte-for-byte the same."""
    return scrub_url_counted(url)[0]


def scrub_url_counted(url: str) -> tuple[str, Counter[str]]:
    """``scrub_url`` plus how many values of each entity type were replaced."""
    counts: Counter[str] = Counter()
    if not url or not _PRECHECK.search(url):
        return url, counts
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an invalid IPv6 host: treat the whole string as text
        entity = value_entity(unquote(url), nested=False)
        if entity is None:
            return url, counts
        counts[entity] += 1
        return _placeholder(entity), counts
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
        counts["SECRET"] += 1
    path = "/".join(_scrub_segment(segment, counts) for segment in parts.path.split("/"))
    query = _scrub_query(parts.query, counts)
    fragment = _scrub_query(parts.fragment, counts) if "=" in parts.fragment else parts.fragment
    if not counts:
        return url, counts
    return urlunsplit(SplitResult(parts.scheme, netloc, path, query, fragment)), counts


def _placeholder(entity: str) -> str:
    return f"%3C{entity}%3E"


def key_entity(key: str) -> str | None:
    """Entity type a query key names, or None (``userEmail`` -> EMAIL_ADDRESS, ``item_name`` -> None).

    The whole key (``first_name``, ``access_token``), else its last word (``billing_zip``), else a
    leading strong word (``email_sha``) decides. ``name`` alone as last word needs a person word
    before it, so ``item_name``/``page_name`` stay for analytics.
    """
    words = [word for word in _KEY_SPLIT.split(_CAMEL.sub("_", unquote_plus(key)).lower()) if word]
    if not words:
        return None
    whole = "".join(words)
    if whole in SENSITIVE_KEY_TOKENS:
        return SENSITIVE_KEY_TOKENS[whole]
    last = words[-1]
    if last == "name":
        return "PERSON" if len(words) > 1 and words[-2] in _PERSON_QUALIFIERS else None
    if last in SENSITIVE_KEY_TOKENS:
        return SENSITIVE_KEY_TOKENS[last]
    if words[0] in _LEADING_KEY_WORDS:
        return SENSITIVE_KEY_TOKENS[words[0]]
    return None


def _scrub_query(query: str, counts: Counter[str]) -> str:
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        entity = key_entity(key) if sep and value else None
        if entity is None and value:
            entity = value_entity(unquote_plus(value))
            if entity is None and "+" in value:  # a literal '+' (E.164) that was not encoded as %2B
                entity = value_entity(unquote(value))
        if entity is not None:
            counts[entity] += 1
            value = _placeholder(entity)
        pairs.append(f"{key}{sep}{value}")
    return "&".join(pairs)


def _scrub_segment(segment: str, counts: Counter[str]) -> str:
    if not segment:
        return segment
    entity = value_entity(unquote(segment))
    if entity is None:
        return segment
    counts[entity] += 1
    return _placeholder(entity)


def value_entity(value: str, nested: bool = True) -> str | None:
    """Entity type of PII inside a decoded URL value or path segment, or None.

    A value that is itself a URL (a ``redirect=`` target) is checked with the URL rules, one level deep.
    """
    if not any(char.isdigit() or char == "@" for char in value):
        return None
    if "@" in value and _EMAIL.search(value):
        return "EMAIL_ADDRESS"
    if nested and (entity := _nested_url_entity(value)):
        return entity
    if any(not glued_to_identifier(value, start, end) for start, end in card_spans(value)):
        return "CREDIT_CARD"
    if any(True for _ in iban_spans(value)):
        return "IBAN_CODE"
    if any(not _glued(value, match) for match in _SSN.finditer(value)):
        return "US_SSN"
    for match in _PHONE_CANDIDATE.finditer(value):
        if looks_like_phone(match.group()) and not _glued(value, match):
            return "PHONE_NUMBER"
    return None


def _glued(value: str, match: re.Match[str]) -> bool:
    return glued_to_identifier(value, match.start(), match.end())


def _nested_url_entity(value: str) -> str | None:
    if "?" not in value or not value.startswith(("http://", "https://", "/")):
        return None
    _, nested_counts = scrub_url_counted(value)
    return nested_counts.most_common(1)[0][0] if nested_counts else None


def looks_like_phone(candidate: str) -> bool:
    """A written phone number: '+', separators or a trunk 0, 8-15 digits, valid in a configured region."""
    digits = sum(char.isdigit() for char in candidate)
    formatted = candidate.startswith("+") or any(char in candidate for char in " ().-")
    trunk_zero = candidate.startswith("0") and not candidate.startswith("00")
    if not (formatted or trunk_zero) or not 8 <= digits <= 15 or _DATE.match(candidate):
        return False
    regions = (None,) if candidate.startswith("+") else _PHONE_REGIONS if formatted else _TRUNK_ZERO_REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return True
    return False


# Query keys whose values are typed by people (site search, feedback): their decoded text goes
# through the analyzer (names), not just the value rules. Matched on the whole key, lower-cased.
FREE_TEXT_KEYS = frozenset(
    {"q", "query", "search", "search_term", "searchterm", "term", "s", "k", "keyword", "keywords",
     "text", "message", "msg", "comment", "note", "notes", "wd"}
)  # fmt: skip


def free_text_values(url: str) -> list[str]:
    """Decoded values of the free-text query keys of ``url`` (what the analyzer should read)."""
    if not url or "?" not in url:
        return []
    query = url.split("?", 1)[1].split("#", 1)[0]
    values = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and value and key.lower() in FREE_TEXT_KEYS and "%3C" not in value:
            values.append(unquote_plus(value))
    return values


def replace_free_text_values(url: str, scrubbed: dict[str, str]) -> str:
    """``url`` with each free-text value whose scrubbed text differs re-encoded from ``scrubbed``."""
    base, _, rest = url.partition("?")
    query, hash_sign, fragment = rest.partition("#")
    pairs = []
    for pair in query.split("&"):
        key, sep, value = pair.partition("=")
        if sep and value and key.lower() in FREE_TEXT_KEYS:
            decoded = unquote_plus(value)
            new = scrubbed.get(decoded, decoded)
            if new != decoded:
                value = quote_plus(new, safe="")
        pairs.append(f"{key}{sep}{value}")
    return f"{base}?{'&'.join(pairs)}{hash_sign}{fragment}"
