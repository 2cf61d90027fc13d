"""PII recognizers tuned for clickstream text, behind one registry.

A recognizer is patterns + context words + a ``validate_result`` hook that weeds out false positives.
Each has a stable name; ``PrivacyConfig.recognizers`` selects by name; ``BUILTIN_RECOGNIZERS`` is the
explicit list. Presidio's predefined set is never loaded wholesale: recognizers that fire on
clickstream numbers and have no use here (UK_NHS, DATE_TIME, US_BANK_NUMBER, ...) are simply not listed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UsSsnRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts

    from privacy.config import PrivacyConfig

SUPPORTED_ENTITIES = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"}
    | {"PERSON", "LOCATION"}
)

# Public-suffix data from the snapshot bundled with tldextract: no suffix-list download, no disk cache.
OFFLINE_TLD_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern; the domain is checked against the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return OFFLINE_TLD_EXTRACT(pattern_text).fqdn != ""


# A number glued to letters by '-', '_', '/', '#' or '.' is part of an identifier (SKU-4471-2209,
# ORD-2026-118273, /p/4471220933), not a phone number.
_IDENTIFIER_JOINERS = "-_/#."
# "order 4155550134", "SKU #4155550134", "tracking no. 4155550134": an id, whatever phonenumbers says.
_ID_LABEL_BEFORE = re.compile(
    r"\b(order|ord|sku|item|article|art|invoice|inv|ref|reference|tracking|confirmation|conf|booking|"
    r"product|prod|model|part|style|upc|ean|gtin|isbn|asin|id)\b\W{0,2}(no|nr|num|number|id|#)?\W{0,3}$",
    re.IGNORECASE,
)
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$")


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


class ClickstreamPhoneRecognizer(PhoneRecognizer):
    """python-phonenumbers matcher (valid numbers only) without identifier fragments and dates."""

    CONTEXT = [*PhoneRecognizer.CONTEXT, "tel", "phone", "whatsapp", "sms", "contact", "text"]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
            if self.validate_span(text, result.start, result.end)
        ]

    @staticmethod
    def validate_span(text: str, start: int, end: int) -> bool:
        span = text[start:end]
        digits = sum(char.isdigit() for char in span)
        if digits < 8 or _DATE.match(span) or _IPV4.match(span):
            return False
        if is_card_number(re.sub(r"\D", "", span)) or _ID_LABEL_BEFORE.search(
            text[max(0, start - 24) : start]
        ):
            return False
        return not glued_to_identifier(text, start, end)


# Issuer prefixes and lengths of the card networks; any other Luhn-valid digit run is not a card.
_CARD_RULES: tuple[tuple[re.Pattern[str], frozenset[int]], ...] = (
    (re.compile(r"^4"), frozenset({13, 16, 19})),  # Visa
    (re.compile(r"^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)"), frozenset({16})),  # Mastercard
    (re.compile(r"^3[47]"), frozenset({15})),  # Amex
    (re.compile(r"^(6011|65|64[4-9]|622)"), frozenset({16, 19})),  # Discover / UnionPay co-brand
    (re.compile(r"^35(2[89]|[3-8]\d)"), frozenset({16, 19})),  # JCB
    (re.compile(r"^3(0[0-5]|[689])"), frozenset({14, 16})),  # Diners
    (re.compile(r"^(5018|5020|5038|5893|6304|6759|676[1-3])"), frozenset({12, 13, 16, 19})),  # Maestro
)


def is_card_number(digits: str) -> bool:
    """Issuer prefix + length of a known network, and the Luhn checksum."""
    if not digits.isdigit():
        return False
    if not any(prefix.match(digits) and len(digits) in lengths for prefix, lengths in _CARD_RULES):
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


class ClickstreamCreditCardRecognizer(CreditCardRecognizer):
    """Presidio's card pattern; valid only with a known issuer prefix/length and the Luhn checksum."""

    def validate_result(self, pattern_text: str) -> bool:
        digits = re.sub(r"[ -]", "", pattern_text)
        return is_card_number(digits)

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if not glued_to_identifier(text, result.start, result.end)
        ]


# Eponymous brands and characters that spaCy's small model labels PERSON in product searches.
BRAND_NAMES = frozenset(
    name.strip()
    for name in """
    calvin klein|tommy hilfiger|ralph lauren|polo ralph lauren|kate spade|michael kors|levi|levi strauss
    hugo boss|giorgio armani|armani|tory burch|marc jacobs|vera wang|stella mccartney|alexander mcqueen
    john deere|ben sherman|ted baker|paul smith|karl lagerfeld|christian louboutin|jimmy choo|steve madden
    sam edelman|vince camuto|kenneth cole|tom ford|oscar de la renta|carolina herrera|jordan|air jordan
    coco chanel|yves saint laurent|betsey johnson|anne klein|dr martens|tommy bahama|ann taylor|bobbi brown
    mary kay|estee lauder|elizabeth arden|charlotte tilbury|laura mercier|jo malone|jack daniels
    johnnie walker|jim beam|captain morgan|martha stewart|george foreman|betty crocker|sara lee
    eddie bauer|ll bean|harry potter|hello kitty|peppa pig|mickey mouse|minnie mouse|winnie the pooh
    spider man|spiderman|barbie|lego|nike|adidas|puma|reebok|vans|converse|samsung|iphone|galaxy
    chuck taylor|stan smith|ray ban|oakley|fila|hoka|brooks|dyson|bose|sony|ugg|crocs|kylie jenner
    canon|canon eos|nikon|fujifilm|leica|garmin|fitbit|philips|braun|bosch|miele|kitchenaid|le creuset
    """.replace("\n", "|").split("|")
    if name.strip()
)

# Shop and product words: a "name" holding one of them is a product or a page title ("Gift Guide",
# "Dyson Hoodie", "tommy hilfiger hoodie").
SHOP_WORDS = frozenset(
    [
        "gift", "gifts", "guide", "sale", "shop", "shopping", "store", "size", "sizes", "new", "buy", "cart",
        "checkout", "order", "home", "men", "mens", "women", "womens", "kids", "baby", "account", "search",
        "results", "page", "deals", "deal", "free", "shipping", "returns", "return", "help", "contact",
        "login", "sign", "best", "top", "color", "colour", "red", "blue", "pink", "navy", "beige", "gold",
        "silver", "running", "xs", "xl", "xxl", "gb", "tb", "inch", "cm", "mm", "oz", "ml", "kg", "lb",
        "shoes", "shoe", "sneakers", "sneaker",
        "boots", "boot", "sandals", "heels", "loafers", "jeans", "pants", "trousers", "shorts", "shirt",
        "tshirt", "tee", "polo", "hoodie", "sweater", "sweatshirt", "cardigan", "jacket", "coat", "parka",
        "vest", "dress", "skirt", "blouse", "suit", "blazer", "socks", "underwear", "bra", "lingerie",
        "pajamas", "swimsuit", "bikini", "hat", "cap", "beanie", "scarf", "gloves", "belt", "bag", "bags",
        "handbag", "purse", "wallet", "backpack", "luggage", "suitcase", "watch", "watches", "jewelry",
        "necklace", "ring", "earrings", "bracelet", "sunglasses", "glasses", "perfume", "cologne",
        "fragrance", "lipstick", "mascara", "makeup", "skincare", "serum", "cream", "lotion", "shampoo",
        "phone", "case", "charger", "cable", "headphones", "earbuds", "speaker", "laptop", "tablet", "tv",
        "camera", "lens", "console", "controller", "keyboard", "mouse", "monitor", "printer", "vacuum",
        "blender", "mixer", "toaster", "kettle", "lamp", "sofa", "chair", "table", "bed", "mattress",
        "pillow", "blanket", "towel", "rug", "curtains", "toy", "toys", "game", "games", "book", "books",
        "puzzle", "doll", "bike", "helmet", "tent", "wireless", "waterproof", "slim", "fit", "pro", "max",
        "mini", "ultra", "plus", "air", "lite", "edition", "pack", "set", "bundle", "kit", "refurbished",
        "cheap", "discount", "coupon", "promo", "code", "outlet", "clearance", "collection", "series",
    ]
)  # fmt: skip
_POSSESSIVE = re.compile(r"['’]s\b")
_NON_WORD = re.compile(r"[^\w]+")
_PROPER_NOUN_TAGS = frozenset({"NNP", "NNPS"})
_RELATION_WORDS = frozenset(
    [
        "mom",
        "mum",
        "dad",
        "mother",
        "father",
        "wife",
        "husband",
        "boyfriend",
        "girlfriend",
        "son",
        "daughter",
        "sister",
        "brother",
        "grandma",
        "grandpa",
        "friend",
        "friends",
        "teacher",
        "boss",
        "coworker",
        "him",
        "her",
        "them",
        "boys",
        "girls",
        "teens",
        "christmas",
        "birthday",
        "anniversary",
        "wedding",
        "valentines",
    ]
)


def normalize_name(text: str) -> str:
    return _NON_WORD.sub(" ", _POSSESSIVE.sub("", text.lower())).strip()


def plausible_person(span_text: str, allow_list: frozenset[str], tags: list[str] | None = None) -> bool:
    """The validate_result hook of PERSON findings, measured on clickstream text (docs/privacy.md).

    Rejects: spans with digits; brand names; spans holding a shop/product word or an English stop
    word ("mom and dad"); a single lower-case word ("kate", "hoodie", "ssn": the small model's
    guesses in lower-case searches); and, when tags are given, spans with a token that is not a
    proper noun ("kate"/VB, "hoodie"/NN).
    """
    if any(char.isdigit() for char in span_text):
        return False
    name = normalize_name(span_text)
    words = name.split()
    if not words or name in allow_list:
        return False
    if any(word in SHOP_WORDS or word in STOP_WORDS or word in _RELATION_WORDS for word in words):
        return False
    if len(words) == 1 and span_text.strip().islower():
        return False
    return tags is None or all(tag in _PROPER_NOUN_TAGS for tag in tags)


def _span_tags(nlp_artifacts: NlpArtifacts | None, start: int, end: int) -> list[str] | None:
    doc = getattr(nlp_artifacts, "tokens", None)
    if doc is None or not doc.has_annotation("TAG"):
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    return None if span is None else [token.tag_ for token in span if not token.is_punct]


class ClickstreamSpacyRecognizer(SpacyRecognizer):
    """spaCy NER (PERSON, LOCATION) filtered by ``plausible_person``."""

    def __init__(self, allow_list: frozenset[str], **kwargs: object) -> None:
        self.allow_list = allow_list
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def analyze(self, text, entities, nlp_artifacts=None):  # type: ignore[no-untyped-def]
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts)
            if result.entity_type != "PERSON"
            or plausible_person(
                text[result.start : result.end],
                self.allow_list,
                _span_tags(nlp_artifacts, result.start, result.end),
            )
        ]


class PersonCueRecognizer(PatternRecognizer):
    """Two or three words after a cue ("my name is", "ship to", "gift for", "Dear"): a name the small
    NER model misses (it labels "Lucas Johnson" ORG, "chloe smith" nothing). Same validation as NER."""

    PATTERNS = [
        Pattern(
            "name after cue",
            r"(?i:\b(?:my name is|name:|i am|i'm|this is|dear|hi|hello|ship to|deliver to|send to|"
            r"gift for|present for|engraving for|attn:?|mr\.?|mrs\.?|ms\.?|miss)\s+)"
            r"\K[^\W\d_][\w'’-]+(?:\s+[^\W\d_][\w'’-]+){1,2}",
            0.6,
        )
    ]

    def __init__(self, allow_list: frozenset[str], supported_language: str = "en") -> None:
        self.allow_list = allow_list
        super().__init__(
            supported_entity="PERSON",
            name="PersonCueRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            end = _trim_trailing_lowercase(text, result.start, result.end)
            result.end = end
            # The cue is the evidence; POS tags of lower-case names are unreliable, so they are not used.
            if plausible_person(text[result.start : end], self.allow_list):
                results.append(result)
        return results


def _trim_trailing_lowercase(text: str, start: int, end: int) -> int:
    """In mixed-case text keep only the capitalized words ("Maria Gonzalez and" -> "Maria Gonzalez")."""
    span = text[start:end]
    if span.islower() or span.isupper():
        return end
    words = span.split()
    while len(words) > 1 and not words[-1][0].isupper():
        words.pop()
    return start + len(" ".join(words)) if span.startswith(words[0]) else end


@dataclass(frozen=True)
class RecognizerSpec:
    """A registered recognizer: stable name, entities it finds, how to build it from the config."""

    name: str
    entities: frozenset[str]
    build: Callable[[PrivacyConfig], EntityRecognizer]
    needs_ner: bool = False


def _person_allow_list(config: PrivacyConfig) -> frozenset[str]:
    return BRAND_NAMES | {normalize_name(name) for name in config.person_allow_list}


def _spacy_ner(config: PrivacyConfig) -> EntityRecognizer:
    entities = [entity for entity in ("PERSON", "LOCATION") if entity in config.entities]
    return ClickstreamSpacyRecognizer(
        allow_list=_person_allow_list(config), supported_language=config.language, supported_entities=entities
    )


BUILTIN_RECOGNIZERS: dict[str, RecognizerSpec] = {
    spec.name: spec
    for spec in (
        RecognizerSpec(
            "email",
            frozenset({"EMAIL_ADDRESS"}),
            lambda config: OfflineEmailRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "phone",
            frozenset({"PHONE_NUMBER"}),
            lambda config: ClickstreamPhoneRecognizer(
                supported_language=config.language,
                supported_regions=tuple(config.phone_regions),
                context=ClickstreamPhoneRecognizer.CONTEXT,
            ),
        ),
        RecognizerSpec(
            "credit_card",
            frozenset({"CREDIT_CARD"}),
            lambda config: ClickstreamCreditCardRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "iban",
            frozenset({"IBAN_CODE"}),
            lambda config: IbanRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "us_ssn",
            frozenset({"US_SSN"}),
            lambda config: UsSsnRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "ip_address",
            frozenset({"IP_ADDRESS"}),
            lambda config: IpRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "person_cue",
            frozenset({"PERSON"}),
            lambda config: PersonCueRecognizer(
                _person_allow_list(config), supported_language=config.language
            ),
        ),
        RecognizerSpec("spacy_ner", frozenset({"PERSON", "LOCATION"}), _spacy_ner, needs_ner=True),
    )
}


def build_recognizers(config: PrivacyConfig, with_ner: bool) -> list[EntityRecognizer]:
    """Recognizers selected by ``config.recognizers`` that find at least one configured entity."""
    wanted = set(config.entities)
    return [
        spec.build(config)
        for name in config.recognizers
        if (spec := BUILTIN_RECOGNIZERS[name]).entities & wanted and (with_ner or not spec.needs_ner)
    ]
