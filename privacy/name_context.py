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
from presidio_analyzer import Pattern, PatternRecognizer
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
    _entity_labels,
    _span_tags,
    brand_with_word_before,
    normalize_name,
)

# Irish surname prefixes written as their own capitalised word ("Ó Tuairisg", "Ní Bhriain", "Mac Goill").
IRISH_PREFIXES = frozenset(["Ó", "Ní", "Nic", "Uí", "Ua", "Mhic", "Mac", "Mag", "Mc", "O"])
_IRISH = "(?:" + "|".join(sorted(IRISH_PREFIXES, key=len, reverse=True)) + ")"
_LINK = rf"[ \t]+(?:(?:{_PARTICLE}|{_IRISH}|an|na)[ \t]+){{0,2}}"
# Two to four capitalised words, particles and Irish prefixes between them.
NAME = rf"{_CAPITALISED}(?:{_LINK}{_CAPITALISED}){{1,3}}"

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
            if context_name_valid(text, result.start, result.end, self.allow_list)
            and not _entity_labels(nlp_artifacts, result.start, result.end) & _NOT_A_NAME_LABELS
            and _has_proper_noun(nlp_artifacts, result.start, result.end)
        ]


def context_name_valid(text: str, start: int, end: int, allow_list: frozenset[str]) -> bool:
    """The PERSON validation for names found by context: no shop, relation or addressee word; no stop
    word first ("The Orders"), none of four letters or more anywhere ("Please Contact Us" has "us" first;
    a short capitalised surname such as "He" or "Du" is kept); not a brand."""
    words = [normalize_name(word) for word in text[start:end].split() if word not in NAME_PARTICLES]
    words = [word for word in words if word and word not in {w.lower() for w in IRISH_PREFIXES}]
    if len(words) < 2 or words[0] in STOP_WORDS:
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
