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
from functools import lru_cache
from typing import TYPE_CHECKING

import regex
import tldextract
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    EmailRecognizer,
    EsNifRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    PlPeselRecognizer,
    SpacyRecognizer,
    UkNinoRecognizer,
    UsSsnRecognizer,
)
from spacy.lang.en.stop_words import STOP_WORDS

from privacy.identifiers import (
    IbanChecksumRecognizer,
    LuhnCardRecognizer,
    compact_after_id_label,
    glued_to_identifier,
    is_card_number,
)
from privacy.name_shapes import ner_person_in_product_text

if TYPE_CHECKING:
    from presidio_analyzer.nlp_engine import NlpArtifacts
    from spacy.language import Language

    from privacy.config import PrivacyConfig

# National ids beyond US_SSN: registered, found only when the config's ``entities`` lists them.
NATIONAL_ID_ENTITIES = frozenset({"UK_NINO", "ES_NIF", "PL_PESEL"})
SUPPORTED_ENTITIES = frozenset(
    {"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "IP_ADDRESS"}
    | {"PERSON", "LOCATION"}
    | NATIONAL_ID_ENTITIES
)

# Public-suffix data from the snapshot bundled with tldextract: no suffix-list download, no disk cache.
OFFLINE_TLD_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True)


class OfflineEmailRecognizer(EmailRecognizer):
    """Presidio's e-mail pattern; the domain is checked against the bundled public-suffix snapshot."""

    def validate_result(self, pattern_text: str) -> bool:
        return OFFLINE_TLD_EXTRACT(pattern_text).fqdn != ""


_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_MIN_PHONE_DIGITS = 8
_DATE = re.compile(r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})\s*$")


class ClickstreamPhoneRecognizer(PhoneRecognizer):
    """python-phonenumbers matcher (valid numbers only) without identifier fragments and dates."""

    CONTEXT = [*PhoneRecognizer.CONTEXT, "tel", "phone", "whatsapp", "sms", "contact", "text"]

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        # validate_span wants 8 digits: with fewer in the whole text, skip phonenumbers' matcher (one
        # pass per region, a third of the analysis time of a short text).
        if sum(char.isdigit() for char in text) < _MIN_PHONE_DIGITS:
            return []
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts)  # type: ignore[arg-type]
            if self.validate_span(text, result.start, result.end)
        ]

    @staticmethod
    def validate_span(text: str, start: int, end: int) -> bool:
        span = text[start:end]
        digits = sum(char.isdigit() for char in span)
        if digits < _MIN_PHONE_DIGITS or _DATE.match(span) or _IPV4.match(span):
            return False
        # A card is never written with '+' (a Luhn-valid +CC number is still a phone number).
        card = not span.startswith("+") and is_card_number(re.sub(r"\D", "", span))
        if card or compact_after_id_label(text, start, end):
            return False
        return not glued_to_identifier(text, start, end)


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
        "goods", "stock", "limited", "classic", "eau", "parfum", "toilette",
        "slip", "loafer", "runner", "runners", "trail", "daypack", "tote", "mug", "candle", "pole", "bottle",
        "headlamp", "pan", "canvas", "leather", "linen", "denim", "wool", "chino", "ceramic", "trekking",
        "bank", "scented", "bluetooth", "delivery", "review", "reviews", "moisturizer", "moisturiser",
    ]
)  # fmt: skip
_POSSESSIVE = re.compile(r"['’]s\b")
_NON_WORD = re.compile(r"[^\w]+")
_WORD_RUN = re.compile(r"[^\W\d_]+")
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
        "team",
        "staff",
        "support",
        "customer",
        "service",
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


_NEVER_IN_A_NAME = SHOP_WORDS | STOP_WORDS | _RELATION_WORDS
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def could_hold_a_name(text: str) -> bool:
    """False when no word of ``text`` can be part of a PERSON finding that ``plausible_person`` (which
    every PERSON recognizer applies) would accept: all shop, stop or relation words, or digits."""
    return any(word not in _NEVER_IN_A_NAME for word in _LETTER_RUN.findall(text.lower()))


def _span_tags(
    nlp_artifacts: NlpArtifacts | None, start: int, end: int, skip: frozenset[str] = frozenset()
) -> list[str] | None:
    doc = getattr(nlp_artifacts, "tokens", None)
    if doc is None or not doc.has_annotation("TAG"):
        return None
    span = doc.char_span(start, end, alignment_mode="expand")
    return None if span is None else [t.tag_ for t in span if not t.is_punct and t.text not in skip]


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
            or (
                plausible_person(
                    text[result.start : result.end],
                    self.allow_list,
                    _span_tags(nlp_artifacts, result.start, result.end),
                )
                and not ner_person_in_product_text(text, result.start, result.end)
                and not lower_case_english_words(text[result.start : result.end], nlp_artifacts)
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
            if plausible_person(text[result.start : end], self.allow_list) and not brand_with_word_before(
                text, result.start, end, self.allow_list
            ):
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


# Surname particles (Dutch, German, French, Iberian, Italian, Arabic, Nordic): lower-case words between
# capitalised names ("Henrik de Vries", "Jan van der Berg", "Ana dos Santos").
NAME_PARTICLES = frozenset(
    [
        "de", "van", "von", "der", "den", "del", "della", "degli", "di", "da", "das", "dos", "do", "du",
        "la", "le", "ter", "ten", "bin", "ibn", "al", "el", "zu", "af",
    ]
)  # fmt: skip
# Case-sensitive building blocks: a capitalised word that is not all capitals ("Ana", "O'Brien",
# "Jean-Luc"; not "SKU"), and a full name of up to three such words with an optional particle surname.
_CAPITALISED = r"\p{Lu}[\p{L}'’-]*\p{Ll}"
_PARTICLE = "(?:" + "|".join(sorted(NAME_PARTICLES, key=len, reverse=True)) + ")"
_FULL_NAME = rf"{_CAPITALISED}(?:[ \t]+{_CAPITALISED}){{0,2}}(?:(?:[ \t]+{_PARTICLE}){{1,2}}[ \t]+{_CAPITALISED})?"
_SIGN_OFF_WORDS = (
    "many thanks|thanks again|thanks so much|thank you|thanks|thx|cheers|best regards|kind regards|"
    "warm regards|warmest regards|regards|best wishes|all the best|yours sincerely|yours truly|sincerely|"
    "take care"
)
_GREETING_WORDS = "hi|hello|hey|hiya|dear|good morning|good afternoon|good evening"
_RELATIONS = (
    "friend|wife|husband|partner|son|daughter|mother|father|mom|mum|dad|sister|brother|grandma|grandpa|"
    "grandmother|grandfather|grandson|granddaughter|aunt|uncle|cousin|niece|nephew|colleague|coworker|"
    "neighbour|neighbor|girlfriend|boyfriend|fiancee|fiancé|fiancée|fiance"
)
# Capitalised words that follow greetings and sign-offs without being anybody's name.
_ADDRESSEE_WORDS = frozenset(
    _SIGN_OFF_WORDS.replace(" ", "|").split("|")
    + _GREETING_WORDS.replace(" ", "|").split("|")
    + ["team", "support", "service", "customer", "customers", "staff", "sir", "madam", "folks", "guys"]
    + ["world", "admin", "love"]
)


class SignOffNameRecognizer(PatternRecognizer):
    """Capitalised names in the places messages put them: after a sign-off ending the line ("Thanks, Ana",
    "Cheers Tom"), after a greeting opening it ("Hi Tom,"), after a relation ("my friend Leila Evans"), or
    alone as a signature after the last sentence ("Can you help? Amelia Martin"); two or three after
    "order/package/delivery for" ("order for Maria Davies"; a proper-noun tag needed).

    The small NER model misses a lone first name after a sign-off (it says GPE or nothing). The cue is
    the evidence: the pattern is case-sensitive for the name, so "thanks for the help" never matches.
    A signature has no cue word, so it also needs a message above it, an NER entity and a proper-noun
    tag (``signs_a_message``).
    """

    PATTERNS = [
        Pattern(
            "name after sign-off",
            rf"(?i:\b(?:{_SIGN_OFF_WORDS}))[ \t]*[,!.:;–—-]?\s+\K{_FULL_NAME}(?=[ \t]*[.!]?[ \t]*$)",
            0.6,
        ),
        Pattern("name after comma sign-off", rf"(?i:\b(?:love|yours|best))[ \t]*,\s*\K{_FULL_NAME}(?=[ \t]*$)", 0.6),
        Pattern(
            "name after greeting",
            rf"(?:^|(?<=[.!?][ \t]{{1,3}}))[ \t]*(?i:{_GREETING_WORDS})[ \t]*,?[ \t]+\K{_FULL_NAME}"
            r"(?=[ \t]*(?:[,!:;]|$))",
            0.6,
        ),
        Pattern(
            "name after relation",
            rf"(?i:\b(?:my|our)[ \t]+(?:best[ \t]+)?(?:{_RELATIONS}))[ \t]*,?[ \t]+\K{_FULL_NAME}",
            0.6,
        ),
        Pattern(
            "name after order for",
            rf"(?i:\b(?:order|package|parcel|delivery|shipment)[ \t]+for)[ \t]+\K{_CAPITALISED}"
            rf"(?:[ \t]+{_CAPITALISED}){{1,2}}(?:(?:[ \t]+{_PARTICLE}){{1,2}}[ \t]+{_CAPITALISED})?",
            0.6,
        ),
        Pattern("signature", rf"(?:(?<=[.!?])[ \t]+|\n[ \t]*)\K{_FULL_NAME}(?=[ \t]*[.!]?\s*\Z)", 0.6),
    ]
    # No cue word a person writes only before a name: these also need a proper-noun tag.
    _TAGGED = frozenset({"name after order for", "signature"})

    def __init__(self, allow_list: frozenset[str], supported_language: str = "en") -> None:
        self.allow_list = allow_list
        super().__init__(
            supported_entity="PERSON",
            name="SignOffNameRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            # Case matters for the name: no IGNORECASE; the cue words are wrapped in (?i:...).
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        results = []
        for result in super().analyze(text, entities, nlp_artifacts, regex_flags):
            pattern = _pattern_name(result)
            if pattern not in self._TAGGED:
                if plausible_name_span(text, result.start, result.end, self.allow_list):
                    results.append(result)
            elif pattern == "name after order for":
                # NER must not call it something else ("order for Black Friday": DATE/EVENT).
                if _entity_labels(nlp_artifacts, result.start, result.end) <= _NAME_LIKE_LABELS | {""} and (
                    plausible_name_span(text, result.start, result.end, self.allow_list, nlp_artifacts)
                ):
                    results.append(result)
            elif signs_a_message(text, result.start, result.end, nlp_artifacts) and plausible_name_span(
                text, result.start, result.end, self.allow_list, nlp_artifacts
            ):
                results.append(result)
        return results


class ParticleSurnameRecognizer(PatternRecognizer):
    """Names with a surname particle ("Henrik de Vries", "Jan van der Berg") near a person context word.

    The small NER model labels them ORG. The shape alone also fits "Eau de Parfum" and "Tour de France",
    so the pattern scores below the PERSON threshold and only counts with a context word ("order for
    ...", "my friend ...", "Thanks, ...") among the five words before it (Presidio's context enhancer);
    it also needs a proper-noun tag and passes the PERSON validation.
    """

    PATTERNS = [
        Pattern(
            "particle surname",
            rf"\b{_CAPITALISED}(?:[ \t]+{_CAPITALISED})?(?:[ \t]+{_PARTICLE}){{1,2}}[ \t]+{_CAPITALISED}",
            0.3,
        )
    ]
    CONTEXT = [
        "name", "friend", "order", "gift", "present", "thank", "cheer", "regard", "help", "contact",
        "deliver", "recipient", "customer", "dear", "hello", "sincerely", "attn", "engraving",
    ]  # fmt: skip

    def __init__(self, allow_list: frozenset[str], supported_language: str = "en") -> None:
        self.allow_list = allow_list
        super().__init__(
            supported_entity="PERSON",
            name="ParticleSurnameRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if plausible_name_span(text, result.start, result.end, self.allow_list, nlp_artifacts)
        ]


# What the small NER model calls the names it does not label PERSON (signatures of generated names: ORG
# 28 of 600, FAC 4 ("Can you help? Lucas Sato"), GPE 1, none 8).
_NAME_LIKE_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC"})


def signs_a_message(text: str, start: int, end: int, nlp_artifacts: NlpArtifacts | None) -> bool:
    """A trailing name is a signature only under a message (three words or more, not a banner like
    "Hurry! Limited Stock"). NER must see a named entity there, or nothing at all on a name-shaped span:
    two words or more, every one tagged a proper noun, the first not an English verb (banners are calls
    to action: "Your order has shipped! Track Parcel"). Any other label ("Limited Edition": WORK_OF_ART,
    "Classic Trench": PRODUCT) is no name; no NER, no signature."""
    if len(_WORD_RUN.findall(text[:start])) < 3:
        return False
    labels = _entity_labels(nlp_artifacts, start, end)
    if labels & _NAME_LIKE_LABELS:
        return labels <= _NAME_LIKE_LABELS | {""}
    return labels == {""} and _unlabelled_name_shape(text, start, end, nlp_artifacts)


def _unlabelled_name_shape(text: str, start: int, end: int, nlp_artifacts: NlpArtifacts | None) -> bool:
    """Two or more proper nouns, the first not a verb in the lemmatizer's English word index."""
    words = [word for word in text[start:end].split() if word not in NAME_PARTICLES]
    tags = _span_tags(nlp_artifacts, start, end, skip=NAME_PARTICLES)
    verbs = _english_verbs(nlp_artifacts)
    if len(words) < 2 or not tags or not verbs:  # without the word index, no guess
        return False
    return all(tag in _PROPER_NOUN_TAGS for tag in tags) and words[0].lower() not in verbs


def _english_verbs(nlp_artifacts: NlpArtifacts | None) -> frozenset[str]:
    """The verbs of the spaCy pipeline's lemmatizer index (WordNet's), empty when it has none."""
    models = getattr(getattr(nlp_artifacts, "nlp_engine", None), "nlp", None) or {}
    return next((_verbs_of(nlp) for nlp in models.values()), frozenset())


@lru_cache(maxsize=4)
def _verbs_of(nlp: Language) -> frozenset[str]:
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    return frozenset(lookups.get_table("lemma_index").get("verb", []))


def lower_case_english_words(span_text: str, nlp_artifacts: NlpArtifacts | None) -> bool:
    """A lower-case NER PERSON guess made only of English words of the lemmatizer's index ("best rain
    <mac tall>"); "maria gonzalez" has a word outside it. Without the index, False."""
    if not span_text.islower():
        return False
    words = _english_words(nlp_artifacts)
    return bool(words) and all(word in words for word in _WORD_RUN.findall(span_text))


def _english_words(nlp_artifacts: NlpArtifacts | None) -> frozenset[str]:
    models = getattr(getattr(nlp_artifacts, "nlp_engine", None), "nlp", None) or {}
    return next((_words_of(nlp) for nlp in models.values()), frozenset())


@lru_cache(maxsize=4)
def _words_of(nlp: Language) -> frozenset[str]:
    """Every noun, verb, adjective and adverb of the lemmatizer's WordNet index, empty without one."""
    if "lemmatizer" not in nlp.pipe_names:
        return frozenset()
    lookups = getattr(nlp.get_pipe("lemmatizer"), "lookups", None)
    if lookups is None or not lookups.has_table("lemma_index"):
        return frozenset()
    index = lookups.get_table("lemma_index")
    return frozenset(word for pos in ("noun", "verb", "adj", "adv") for word in index.get(pos, []))


def _entity_labels(nlp_artifacts: NlpArtifacts | None, start: int, end: int) -> set[str]:
    """spaCy's entity labels on the span's tokens ("" for none); empty without NER."""
    doc = getattr(nlp_artifacts, "tokens", None)
    if doc is None or not doc.has_annotation("ENT_IOB"):
        return set()
    span = doc.char_span(start, end, alignment_mode="expand")
    return {token.ent_type_ for token in span} if span is not None else set()


def brand_with_word_before(text: str, start: int, end: int, allow_list: frozenset[str]) -> bool:
    """The span ends a brand that starts one word earlier, on the cue itself ("Hello Kitty", "Air Jordan")."""
    before = text[:start].split()[-1:]
    return normalize_name(" ".join([*before, text[start:end]])) in allow_list


def _pattern_name(result: RecognizerResult) -> str | None:
    explanation = result.analysis_explanation
    return None if explanation is None else explanation.pattern_name


def plausible_name_span(
    text: str,
    start: int,
    end: int,
    allow_list: frozenset[str],
    nlp_artifacts: NlpArtifacts | None = None,
) -> bool:
    """PERSON validation for capitalised names found by shape: particles are skipped, a brand is checked
    with the word before it too ("Hello Kitty", "Oscar de la Renta"), greeting and sign-off words are
    not names; with ``nlp_artifacts``, a token of the name must be tagged a proper noun."""
    span = text[start:end]
    words = [word for word in span.split() if word not in NAME_PARTICLES]
    if not words or any(normalize_name(word) in _ADDRESSEE_WORDS for word in words):
        return False
    if normalize_name(span) in allow_list or brand_with_word_before(text, start, end, allow_list):
        return False
    if not plausible_person(" ".join(words), allow_list):
        return False
    tags = None if nlp_artifacts is None else _span_tags(nlp_artifacts, start, end, skip=NAME_PARTICLES)
    return tags is None or any(tag in _PROPER_NOUN_TAGS for tag in tags)


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


def _person_context(config: PrivacyConfig) -> EntityRecognizer:
    from privacy.name_context import PersonContextRecognizer  # it builds on this module's validation

    return PersonContextRecognizer(_person_allow_list(config), supported_language=config.language)


def _person_shape(config: PrivacyConfig) -> EntityRecognizer:
    from privacy.name_context import CapitalisedNameRecognizer

    return CapitalisedNameRecognizer(_person_allow_list(config), supported_language=config.language)


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
                # STRICT_GROUPING: the digits must be grouped the way the region prints its numbers, so
                # "Confirmation 906-5939-761" (3-4-3) is no US number; compact runs still count.
                leniency=2,
                supported_regions=tuple(config.phone_regions),
                context=ClickstreamPhoneRecognizer.CONTEXT,
            ),
        ),
        RecognizerSpec(
            "credit_card",
            frozenset({"CREDIT_CARD"}),
            lambda config: LuhnCardRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "iban",
            frozenset({"IBAN_CODE"}),
            lambda config: IbanChecksumRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "us_ssn",
            frozenset({"US_SSN"}),
            lambda config: UsSsnRecognizer(supported_language=config.language),
        ),
        # Presidio's, with their checksums (NIF control letter, PESEL check digit); off until enabled.
        RecognizerSpec(
            "uk_nino", frozenset({"UK_NINO"}), lambda config: UkNinoRecognizer(supported_language=config.language)
        ),
        RecognizerSpec(
            "es_nif", frozenset({"ES_NIF"}), lambda config: EsNifRecognizer(supported_language=config.language)
        ),
        RecognizerSpec(
            "pl_pesel", frozenset({"PL_PESEL"}), lambda config: PlPeselRecognizer(supported_language=config.language)
        ),
        RecognizerSpec(
            "ip_address",
            frozenset({"IP_ADDRESS"}),
            lambda config: IpRecognizer(supported_language=config.language),
        ),
        RecognizerSpec(
            "person_cue",
            frozenset({"PERSON"}),
            lambda config: PersonCueRecognizer(_person_allow_list(config), supported_language=config.language),
        ),
        RecognizerSpec(
            "person_signoff",
            frozenset({"PERSON"}),
            lambda config: SignOffNameRecognizer(_person_allow_list(config), supported_language=config.language),
        ),
        RecognizerSpec(
            "person_particle",
            frozenset({"PERSON"}),
            lambda config: ParticleSurnameRecognizer(_person_allow_list(config), supported_language=config.language),
        ),
        RecognizerSpec("person_context", frozenset({"PERSON"}), _person_context),
        RecognizerSpec("person_shape", frozenset({"PERSON"}), _person_shape),
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
