"""Names found by where they stand, not by a names list: after a person cue, before a person verb.

spaCy's small English model misses many names that are not English (it labels "Adaeze Okeke" ORG,
"Ó Tuairisg" nothing) and it labels Title-Case product names PERSON ("Teal Cashmere" Fleece Gilet). This
module holds both sides:

* ``PersonContextRecognizer`` (registry name ``person_context``): two to four capitalised words (Irish
  "Ó"/"Ní"/"Mac" and lower-case particles "de", "van der", "da" between them; apostrophes, hyphens and
  any script's letters inside) where a page or message puts a person: after "of/for/by/to/from" and
  person nouns ("Orders of ...", "Returns for ...", "signed for by ..."), after "contact", "behalf of",
  "the name", "recipient is", "welcome back,", "overview:"; before "'s", "here", "ordered", "called" and
  the like at the start of a sentence; before "– My account"; after a dash ending the message
  ("— Curtis Walker"). The cue is the evidence; the name must pass the PERSON validation (no shop, stop
  or relation word, not a brand, a proper-noun tag) and NER may call it a name-like type or nothing, not
  a date, product, event or work of art.
* ``privacy.name_shapes.ner_person_in_product_text``: the filter the NER recognizer applies to its own
  PERSON guesses: a span inside a longer run of capitalised words on its line ("Crew <Neck Jumper>"), or
  a whole segment of a text with no lower-case word (a product title), is not a person.

No names list is used, so the evaluation corpus (Faker's names, ``tests/pii_corpus.py``) cannot have been
learnt; the cue lists were written from a tuning set of other templates (docs/privacy.md).
"""

from __future__ import annotations

import regex
from presidio_analyzer import EntityRecognizer, Pattern, PatternRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from spacy.lang.en.stop_words import STOP_WORDS

from privacy.recognizers import (
    _ADDRESSEE_WORDS,
    _CAPITALISED,
    _PARTICLE,
    _PROPER_NOUN_TAGS,
    _RELATION_WORDS,
    _SIGN_OFF_WORDS,
    NAME_PARTICLES,
    SHOP_WORDS,
    _english_words,
    _entity_labels,
    _span_tags,
    brand_with_word_before,
    normalize_name,
)

# Irish surname prefixes written as their own capitalised word ("Ó Tuairisg", "Ní Bhriain", "Mac Goill").
IRISH_PREFIXES = frozenset(["Ó", "Ní", "Nic", "Uí", "Ua", "Mhic", "Mac", "Mag", "Mc", "O"])
_IRISH = "(?:" + "|".join(sorted(IRISH_PREFIXES, key=len, reverse=True)) + ")"
# After an Irish prefix the surname may carry an initial mutation: "Ó hÉalaí", "Mac mBriartaigh", "de hÓra".
_MUTATED = rf"(?:bh|dt|gc|ng|[hmnbdgt]|[nt]-)?{_CAPITALISED}"
_LINK = (
    rf"(?:(?:[ \t]+(?:{_PARTICLE}|an|na)){{0,2}}[ \t]+{_CAPITALISED}"
    rf"|[ \t]+(?:{_IRISH}|de)[ \t]+(?:(?:an|na)[ \t]+)?{_MUTATED})"
)
# Two to four capitalised words, particles and Irish prefixes between them.
NAME = rf"{_CAPITALISED}{_LINK}{{1,3}}"

_BEFORE_CUES = (
    r"of|for|by|to|from|with|contact|contacted|call|ask|behalf of|the name|name is|name|recipient is|recipient|"
    r"neighbour|neighbor|welcome back|welcome|overview|profile|account|addressed to|attention|attn|"
    r"signed by|collected by|on behalf of|care of|c/o|this is|i am|i'm|my name is|it's|gift card|"
    r"could|can|would|will|did|should|does|let|tell"
)
_PERSON_VERBS = (
    r"here|ordered|placed|called|bought|asked|wrote|emailed|phoned|says|said|has|had|is|was|will|would|"
    r"wants|needs|received|returned|paid|signed|picked"
)
# NER labels that rule a cued span out. PRODUCT and WORK_OF_ART are not among them: the small model gives
# them to names it does not know ("contact Ghufran Taanish": PRODUCT, "Yagnesh Bumb": WORK_OF_ART).
_NOT_A_NAME_LABELS = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "CARDINAL", "ORDINAL", "PERCENT", "EVENT", "LAW"})


class PersonContextRecognizer(PatternRecognizer):
    """Capitalised multi-word names after a person cue or before a person verb (module docstring)."""

    PATTERNS = [
        Pattern("name after cue", rf"(?i:\b(?:{_BEFORE_CUES}))[ \t]*[:,–—-]?[ \t]+\K{NAME}", 0.6),
        Pattern("name before possessive", rf"(?<![\p{{L}}'’-]){NAME}(?=['’]s\b)", 0.6),
        Pattern(
            "name before verb",
            rf"(?:^|(?<=[.!?\n][ \t]{{0,3}}))[ \t]*\K{NAME}(?=[ \t]*,?[ \t]+(?:{_PERSON_VERBS})\b)",
            0.6,
        ),
        Pattern(
            "name before account", rf"^[ \t]*\K{NAME}(?=[ \t]*[–—|:-][ \t]*(?i:my\b|account|orders?\b|profile))", 0.6
        ),
        Pattern(
            "name before order", rf"^[ \t]*\K{NAME}(?=[ \t]+(?i:order|orders|parcel|delivery|account)[ \t]*$)", 0.6
        ),
        # A whole title segment after a page that belongs to a person ("Order history – Nicola Clarke |").
        Pattern(
            "name after account page",
            r"(?i:\b(?:history|orders|account|profile|wishlist|addresses|returns|messages|invoices?|settings|"
            rf"details|overview|basket|subscriptions?))[ \t]*[–—:|-][ \t]*\K{NAME}(?=[ \t]*(?:[|–—(]|$))",
            0.6,
        ),
        Pattern(
            "name after sign-off",
            rf"(?i:\b(?:{_SIGN_OFF_WORDS}|best|love|yours))[ \t]*[,!.:;–—-]?\s+\K{NAME}(?=[ \t]*[.!]?[ \t]*$)",
            0.6,
        ),
        # The last line of a message, alone under a line ending a sentence: a signature.
        Pattern("name on the last line", rf"[.!?,][ \t]*\n[ \t\n]*\K{NAME}(?=[ \t]*\Z)", 0.6),
        # A lone given name signing a message after a dash ("Great, that works for me. — Aadil").
        Pattern("given name after closing dash", rf"[.!?][ \t]*[–—-][ \t]*\K{_CAPITALISED}(?=[ \t]*\Z)", 0.6),
        Pattern("name after closing dash", rf"[–—-][ \t]*\K{NAME}(?=[ \t]*[.!]?[ \t]*\Z)", 0.6),
    ]

    def __init__(self, allow_list: frozenset[str], supported_language: str = "en") -> None:
        self.allow_list = allow_list
        super().__init__(
            supported_entity="PERSON",
            name="PersonContextRecognizer",
            supported_language=supported_language,
            patterns=self.PATTERNS,
            # Case matters for the name: no IGNORECASE; the cue words are wrapped in (?i:...).
            global_regex_flags=regex.DOTALL | regex.MULTILINE,
        )

    def analyze(self, text, entities, nlp_artifacts=None, regex_flags=None):  # type: ignore[no-untyped-def]
        return [
            result
            for result in super().analyze(text, entities, nlp_artifacts, regex_flags)
            if context_name_valid(text, result.start, result.end, self.allow_list, min_words=_min_words(result))
            and not _entity_labels(nlp_artifacts, result.start, result.end) & _NOT_A_NAME_LABELS
            and (
                _min_words(result) == 1  # a lone word after a closing dash: the position is the evidence
                or _has_proper_noun(nlp_artifacts, result.start, result.end)
                or "PERSON" in _entity_labels(nlp_artifacts, result.start, result.end)
            )
        ]


def _min_words(result: RecognizerResult) -> int:
    explanation = result.analysis_explanation
    return 1 if explanation is not None and explanation.pattern_name == "given name after closing dash" else 2


def context_name_valid(text: str, start: int, end: int, allow_list: frozenset[str], min_words: int = 2) -> bool:
    """The PERSON validation for names found by context: no shop, relation or addressee word; no stop
    word first ("The Orders"), none of four letters or more anywhere ("Please Contact Us" has "us" first;
    a short capitalised surname such as "He" or "Du" is kept); not a brand."""
    words = [normalize_name(word) for word in text[start:end].split() if word not in NAME_PARTICLES]
    words = [word for word in words if word and word not in {w.lower() for w in IRISH_PREFIXES}]
    if len(words) < min_words or words[0] in STOP_WORDS:
        return False
    if any(w in SHOP_WORDS or w in _RELATION_WORDS or w in _ADDRESSEE_WORDS for w in words):
        return False
    if any(w in STOP_WORDS and len(w) >= 4 for w in words):
        return False
    span = normalize_name(text[start:end])
    return span not in allow_list and not brand_with_word_before(text, start, end, allow_list)


def _has_proper_noun(nlp_artifacts: object, start: int, end: int) -> bool:
    tags = _span_tags(nlp_artifacts, start, end, skip=NAME_PARTICLES)  # type: ignore[arg-type]
    return tags is None or any(tag in _PROPER_NOUN_TAGS for tag in tags)


_RUN = regex.compile(rf"(?<![\p{{L}}'’-]){NAME}(?![\p{{L}}'’-])")
_CAPITALISED_WORD = regex.compile(r"\p{Lu}[\p{L}'’-]*")
_SENTENCE_START = regex.compile(r"(?:^|[.!?:;(\n\"“])[ \t]*$")
_LOWER_CASE_WORD = regex.compile(r"(?<![\p{L}\p{N}'’-])\p{Ll}{2,}(?![\p{L}'’-])")
_FUNCTION_WORDS = frozenset(["of", "for", "and", "the", "with", "by", "to", "in", "on", "at", "an", "or"])


class CapitalisedNameRecognizer(EntityRecognizer):
    """Two to four capitalised words standing alone in text that has lower-case words: a proper name.

    No cue needed: in a sentence or a search ("track parcel Ifeoma Iroha", "Shipping label: Núria Torres",
    "The courier said Pavani Toor signed for it") a maximal run of two to four capitalised words is a
    name, a place, a brand or a product. Dates and events go by their NER label, brands by the allow list,
    products by the shop words; a run of ordinary English words (the lemmatizer's index: "Royal Mail",
    "Lovely Quality", "United States") needs a PERSON label. Places are not ruled out by NER: the small
    model calls half the names it does not know GPE/FAC/LOC ("François Klein", "Fábio Pinheiro"), so a
    multi-word place name that is not English words ("Hong Kong") in a sentence is replaced too
    (over-scrubbing, measured as such on the texts without PII). No proper-noun tag is needed either
    ("Oluwasegun"/NN, "Kolade"/RB). A text without a lower-case
    word is a title: nothing is taken there (the NER filter in ``privacy.name_shapes`` is the same rule).
    A sentence-opening cue word is not part of the name ("Thanks Ana Walker", "Dear Chloe Nguyen").
    """

    def __init__(self, allow_list: frozenset[str], supported_language: str = "en") -> None:
        self.allow_list = allow_list
        super().__init__(
            supported_entities=["PERSON"], name="CapitalisedNameRecognizer", supported_language=supported_language
        )

    def load(self) -> None:
        return None

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        if nlp_artifacts is None:
            return []
        if not _LOWER_CASE_WORD_OUTSIDE(text):
            return self._title_names(text)
        english = _english_words(nlp_artifacts)
        results = []
        for match in _RUN.finditer(text):
            start, end = match.span()
            if _capitalised_neighbour(text, start, end) or _product_noun_after(text, end):
                continue
            if _SENTENCE_START.search(text[:start]):
                start = _skip_opening_words(text, start, end)
            if start is None or not context_name_valid(text, start, end, self.allow_list):
                continue
            labels = _entity_labels(nlp_artifacts, start, end)
            if labels & _NOT_A_NAME_LABELS:
                continue
            if "PERSON" not in labels and (
                not english or all(_is_english(w, english) for w in _words(text[start:end]))
            ):
                continue
            results.append(RecognizerResult("PERSON", start, end, 0.6))
        return results

    def _title_names(self, text: str) -> list[RecognizerResult]:
        """In a title (no lower-case word), a segment that is only a name, beside a segment naming a
        person's page ("Dashboard | Paul Woods", "Loyalty Points – Ada Obi"); a product page has none."""
        segments = [(m.start(), m.end()) for m in regex.finditer(r"[^|–—:()\n]+", text)]
        if not any(_ACCOUNT_PAGE_WORDS & set(_words(text[a:b])) for a, b in segments):
            return []
        results = []
        for a, b in segments:
            segment = text[a:b]
            start, end = a + len(segment) - len(segment.lstrip()), a + len(segment.rstrip())
            if (
                start < end
                and regex.fullmatch(NAME, text[start:end])
                and context_name_valid(text, start, end, self.allow_list)
                and not (_ACCOUNT_PAGE_WORDS & set(_words(text[start:end])))
            ):
                results.append(RecognizerResult("PERSON", start, end, 0.6))
        return results


# Words of the pages that belong to a signed-in person (not product pages: "Delivery & Returns", "Reviews").
_ACCOUNT_PAGE_WORDS = frozenset(
    [
        "dashboard", "account", "accounts", "profile", "orders", "wishlist", "settings", "addresses", "messages",
        "inbox", "invoice", "invoices", "receipt", "receipts", "loyalty", "points", "rewards", "subscription",
        "subscriptions", "history", "overview", "my", "membership", "member", "preferences", "payments", "wallet",
        "registry",
    ]
)  # fmt: skip


def _is_english(word: str, english: frozenset[str]) -> bool:
    """In the lemmatizer's index as written or as a regular plural's singular ("States", "Goods")."""
    return word in english or (word.endswith("s") and (word[:-1] in english or word[:-2] in english))


def _LOWER_CASE_WORD_OUTSIDE(text: str) -> bool:  # noqa: N802
    return any(word not in _FUNCTION_WORDS for word in _LOWER_CASE_WORD.findall(text))


def _words(span: str) -> list[str]:
    return [
        w.lower()
        for w in regex.findall(r"\p{L}+", span)
        if w not in NAME_PARTICLES and w not in IRISH_PREFIXES and w not in ("an", "na")
    ]


# Shop words that name a product: a brand stands before them ("Van Cleef necklace"); a name stands before
# the others ("Ana Burgos order", "... invoice").
_PRODUCT_NOUNS = SHOP_WORDS - {
    "order", "delivery", "return", "returns", "help", "contact", "account", "home", "page", "search", "results",
    "sign", "login", "gift", "gifts", "review", "reviews", "cart", "checkout", "code", "new", "best", "top", "free",
}  # fmt: skip


def _product_noun_after(text: str, end: int) -> bool:
    after = regex.match(r"[ \t]+(\p{L}+)", text[end : end + 40])
    return bool(after) and after.group(1).lower() in _PRODUCT_NOUNS


def _capitalised_neighbour(text: str, start: int, end: int) -> bool:
    """The run goes on: a capitalised word right before or after it on the same line."""
    before = regex.search(r"(\p{L}[\p{L}'’-]*)[ \t]+$", text[max(0, start - 40) : start])
    after = regex.match(r"[ \t]+(\p{L}[\p{L}'’-]*)", text[end : end + 40])
    return bool(before and before.group(1)[0].isupper()) or bool(after and after.group(1)[0].isupper())


def _skip_opening_words(text: str, start: int, end: int) -> int | None:
    """At a sentence start, drop opening words that are cues or ordinary words ("Thanks", "The", "Dear");
    None when fewer than two words are left."""
    words = list(_CAPITALISED_WORD.finditer(text, start, end))
    index = 0
    while index < len(words) and normalize_name(words[index].group()) in _OPENING_WORDS:
        index += 1
    if len(words) - index < 2:
        return None
    return words[index].start()


_OPENING_WORDS = frozenset(STOP_WORDS | _ADDRESSEE_WORDS | {"ask", "call", "contact", "tell", "email", "attn"})
