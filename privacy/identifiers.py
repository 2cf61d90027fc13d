"""Structured identifiers validated by their checksums: IBAN (ISO 13616 mod-97) and card numbers (Luhn).

Shared by the text recognizers (``privacy.recognizers``) and the URL rules (``privacy.urls``), so a
value is judged the same way in a sentence, a path segment or a decoded query value.

Printed forms found: IBAN compact or in groups (of four, as banks print them, or any grouping by single
spaces), upper or lower case; card numbers as 12-19 digits, compact or in groups separated by one kind
of separator (space or dash). Validation, not the shape, keeps order numbers and SKUs out: an IBAN needs a
known country code, its length range and the mod-97 checksum; a card needs a network's leading digit
(2-6), 12-19 digits and the Luhn checksum (a random digit run passes Luhn one time in ten, so a number
after an id label such as "order" or "SKU", or glued to letters, is still not a card).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

# ISO 13616 registry countries (plus the partial-IBAN ones banks print) and their IBAN lengths.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
# Length is checked against the registry only loosely (within 2 characters): national formats drift
# and test-data libraries print some countries one character short; the checksum is what decides.
_IBAN_LENGTH_SLACK = 2
# Country code + check digits, then 11-30 letters/digits, compact or split by single spaces.
IBAN_CANDIDATE = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2}(?: ?[A-Za-z0-9]){11,30}(?![\w])")
# 12-19 digits, compact or grouped by one kind of separator.
# 12-19 digits, compact or printed in groups with one kind of separator: 4-4-4-4, 4-6-5 (Amex), 4-4-4-4-3,
# 4-4-4-1; the first group has 4-6 digits, the middle ones 3-7, a short last group 1-3.
CARD_CANDIDATE = re.compile(r"(?<![\w+])\d{4,6}(?:([ -])\d{3,7}(?:\1\d{3,7}){0,3}(?:\1\d{1,3})?|\d{8,15})(?![\w])")


# A number glued to letters by '-', '_', '/', '#' or '.' is part of an identifier (SKU-4471-2209,
# ORD-2026-118273, /p/4471220933), not a phone or card number.
_IDENTIFIER_JOINERS = "-_/#."
# "order 4155550134", "SKU #4155550134", "tracking no. 4155550134": an id, whatever its digits say, when it
# is written compact (``compact_after_id_label``). Not "ref"/"reference": people write a payment reference
# and then their card or phone number.
_ID_LABEL_BEFORE = re.compile(
    r"\b(order|ord|sku|item|article|art|invoice|inv|tracking|confirmation|conf|booking|"
    r"product|prod|model|part|style|upc|ean|gtin|isbn|asin|id)\b\W{0,2}(no|nr|num|number|id|#)?\W{0,3}$",
    re.IGNORECASE,
)


def glued_to_identifier(text: str, start: int, end: int) -> bool:
    """True when text[start:end] continues a word or code on either side."""
    before = text[start - 1] if start > 0 else " "
    if before.isalnum():
        return True
    if before in _IDENTIFIER_JOINERS and start > 1 and text[start - 2].isalnum():
        return True
    after = text[end] if end < len(text) else " "
    if after.isalnum():
        return True
    return after in "-_/#" and end + 1 < len(text) and text[end + 1].isalnum()


def compact_after_id_label(text: str, start: int, end: int) -> bool:
    """A compact digit run (no '+', no separators) right after an id label ("order", "SKU #", "tracking
    no."). A number printed in groups ("4111 1111 1111 1111", "+44 20 7946 0958") is still PII there."""
    if not text[start:end].isdigit():
        return False
    return _ID_LABEL_BEFORE.search(text[max(0, start - 24) : start]) is not None


def iban_valid(candidate: str) -> bool:
    """Country code of the registry, plausible length, and ISO 7064 mod-97 remainder 1."""
    compact = candidate.replace(" ", "").upper()
    expected = IBAN_LENGTHS.get(compact[:2])
    if expected is None or abs(len(compact) - expected) > _IBAN_LENGTH_SLACK or not compact.isalnum():
        return False
    if not compact[2:4].isdigit():
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def iban_spans(text: str) -> Iterator[tuple[int, int]]:
    """Valid IBANs in ``text``: each candidate shortened group by group until the checksum holds
    ("DE89 3704 0044 0532 0130 00 ABCD" gives up the trailing word)."""
    for match in IBAN_CANDIDATE.finditer(text):
        start, end = match.span()
        while end - start >= 15:
            if iban_valid(text[start:end]):
                yield start, end
                break
            cut = text.rfind(" ", start, end)
            if cut <= start:
                break
            end = cut


def luhn_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def is_card_number(digits: str) -> bool:
    """12-19 digits, a card network's leading digit (2 Mastercard/Mir, 3 Amex/Diners/JCB, 4 Visa,
    5 Mastercard/Maestro, 6 Discover/UnionPay/Maestro; Maestro's 0604 too), and the Luhn checksum."""
    network = digits[0] in "23456" or digits.startswith("0604")  # 0604: a Maestro range
    return digits.isdigit() and 12 <= len(digits) <= 19 and network and luhn_valid(digits)


_IBAN_HEAD_BEFORE = re.compile(r"(?<![\w])[A-Za-z]{2}\d{2} $")


def card_spans(text: str) -> Iterator[tuple[int, int]]:
    """Luhn-valid card numbers; not the digit groups of an IBAN-shaped string ("DE89 3704 ...")."""
    for match in CARD_CANDIDATE.finditer(text):
        if is_card_number(re.sub(r"[ -]", "", match.group())) and not _IBAN_HEAD_BEFORE.search(
            text[max(0, match.start() - 5) : match.start()]
        ):
            yield match.span()


class IbanChecksumRecognizer(EntityRecognizer):
    """IBAN_CODE in any printed form, validated by country code, length and mod-97."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["IBAN_CODE"], name="IbanChecksumRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [RecognizerResult("IBAN_CODE", start, end, 1.0) for start, end in iban_spans(text)]


class LuhnCardRecognizer(EntityRecognizer):
    """CREDIT_CARD: 12-19 digits in groups (one separator kind) or compact, network digit + Luhn;
    not after an id label ("order 4111...") and not glued to an identifier ("SKU-4111...")."""

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["CREDIT_CARD"], name="LuhnCardRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            RecognizerResult("CREDIT_CARD", start, end, 1.0)
            for start, end in card_spans(text)
            if not glued_to_identifier(text, start, end) and not compact_after_id_label(text, start, end)
        ]
