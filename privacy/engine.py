"""Presidio analyzer + anonymizer, built once per Python process and config, run on batches of texts.

The spaCy model is loaded from its installed package (``spacy.load``); Presidio's own loader is
bypassed because it downloads a missing model. When the model is not installed, the engine keeps
only the pattern recognizers and warns once per process and model name.

Each distinct text takes one of three routes (the pre-filter, see ``route``):

* ``skip``: nothing a recognizer could match (no digit, '@' or ':' and no name-like words);
* ``patterns``: digits/'@'/':' but no word a name could be made of (only shop, stop and relation words,
  which the PERSON validation rejects; "call me 212.555.7630"): tokenizer only, no NER;
* ``ner``: the full spaCy pipeline (``nlp.pipe`` in batches) and every recognizer.
"""

from __future__ import annotations

import logging
import re
import threading
import warnings
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult
from presidio_analyzer.nlp_engine import NerModelConfiguration, NlpArtifacts, SpacyNlpEngine
from presidio_anonymizer import AnonymizerEngine
from presidio_anonymizer.entities import OperatorConfig
from spacy.language import Language

from privacy.config import PrivacyConfig
from privacy.recognizers import SUPPORTED_ENTITIES, build_recognizers, could_hold_a_name

logger = logging.getLogger(__name__)

Route = Literal["skip", "patterns", "ner"]

# spaCy labels that become Presidio entities; everything else the model emits is ignored.
_NER_LABELS = {"PERSON": "PERSON", "PER": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
_IGNORED_LABELS = [
    "ORG", "NORP", "DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY",
    "PRODUCT", "EVENT", "LANGUAGE", "LAW", "WORK_OF_ART",
]  # fmt: skip
# Components the recognizers never read (the parser is a third of the small model's run time).
_UNUSED_COMPONENTS = ["parser", "senter"]
_NER_ENTITIES = frozenset({"PERSON", "LOCATION"})

_PATTERN_CHARS = re.compile(r"[0-9@:]")
# What a text must hold for a pattern entity to be found in it: the analyzer runs only the
# recognizers of entities a text can hold (page titles have no digit, so no phone/card/IBAN pass).
_ENTITY_NEEDS = {
    "EMAIL_ADDRESS": re.compile("@"),
    "PHONE_NUMBER": re.compile(r"\d"),
    "CREDIT_CARD": re.compile(r"\d"),
    "IBAN_CODE": re.compile(r"\d"),
    "US_SSN": re.compile(r"\d"),
    "UK_NINO": re.compile(r"\d"),
    "ES_NIF": re.compile(r"\d"),
    "PL_PESEL": re.compile(r"\d"),
    "IP_ADDRESS": re.compile(r"[\d:]"),
}
# Two letters in a row: the least a name (or a context word) can be made of.
_WORD = re.compile(r"[^\W\d_]{2,}")


@dataclass(frozen=True)
class PiiFinding:
    """Where an entity was found; the matched text itself is never kept."""

    entity_type: str
    start: int
    end: int
    score: float


# Results kept per Python worker across batches; about 100 MB of short clickstream texts at most.
SCRUB_CACHE_ENTRIES = 200_000


@dataclass(frozen=True)
class ScrubResult:
    text: str
    entity_counts: dict[str, int]


class PrivacyEngine:
    """Analyzer and anonymizer for one ``PrivacyConfig``; get it with ``get_engine``."""

    def __init__(self, config: PrivacyConfig) -> None:
        self.config = config
        self.nlp, self.has_ner = _load_spacy(config)
        nlp_engine = SpacyNlpEngine(
            models=[{"lang_code": config.language, "model_name": config.spacy_model}],
            ner_model_configuration=NerModelConfiguration(
                model_to_presidio_entity_mapping=_NER_LABELS, labels_to_ignore=_IGNORED_LABELS
            ),
        )
        # Loaded above: Presidio's own loader would download a missing model.
        nlp_engine.nlp = {config.language: self.nlp}  # type: ignore[assignment]
        recognizers = build_recognizers(config, with_ner=self.has_ner)
        registry = RecognizerRegistry(recognizers=recognizers, supported_languages=[config.language])
        self.analyzer = AnalyzerEngine(
            registry=registry, nlp_engine=nlp_engine, supported_languages=[config.language]
        )
        self.nlp_engine = nlp_engine
        self.anonymizer = AnonymizerEngine()
        supported = {entity for rec in recognizers for entity in rec.supported_entities}
        self.entities = [entity for entity in config.entities if entity in supported]
        self.ner_entities = {"PERSON", "LOCATION"} & set(self.entities)
        self._min_threshold = min(config.threshold_for(entity) for entity in SUPPORTED_ENTITIES)
        self.operators = {
            entity: OperatorConfig("replace", {"new_value": f"<{entity}>"}) for entity in SUPPORTED_ENTITIES
        }
        # Clickstream text repeats (titles, popular searches): remember results across batches.
        self._scrubbed: OrderedDict[str, ScrubResult] = OrderedDict()

    def route(self, text: str) -> Route:
        """The pre-filter: which part of the analysis a text needs."""
        # PERSON alone: NER only where a word could be part of an accepted name ("red shoes size 10" has none).
        could_find = could_hold_a_name(text) if self.ner_entities == {"PERSON"} else _WORD.search(text)
        if self.ner_entities and self.has_ner and could_find:
            return "ner"
        if _PATTERN_CHARS.search(text):
            return "patterns"
        return "skip"

    def analyze_batch(self, texts: Sequence[str]) -> list[list[RecognizerResult]]:
        """Findings per text, in input order; each distinct text is analyzed once."""
        distinct = list(dict.fromkeys(texts))
        routes = {text: self.route(text) for text in distinct}
        findings: dict[str, list[RecognizerResult]] = {
            text: [] for text, how in routes.items() if how == "skip"
        }
        pattern_texts = [text for text, how in routes.items() if how == "patterns"]
        for text in pattern_texts:
            findings[text] = self._analyze(text, self._token_artifacts(text), self._possible_entities(text))
        ner_texts = [text for text, how in routes.items() if how == "ner"]
        batches = self.nlp_engine.process_batch(
            ner_texts, self.config.language, batch_size=self.config.ner_batch_size
        )
        for text, processed in zip(ner_texts, batches, strict=True):
            findings[text] = self._analyze(text, processed[1], self._possible_entities(text))
        return [findings[text] for text in texts]

    def _possible_entities(self, text: str) -> list[str]:
        """The configured entities ``text`` can hold (NER entities always; patterns by _ENTITY_NEEDS)."""
        return [e for e in self.entities if (need := _ENTITY_NEEDS.get(e)) is None or need.search(text)]

    def scrub_batch(self, texts: Sequence[str]) -> list[ScrubResult]:
        """Texts with each entity replaced by ``<ENTITY_TYPE>``, plus replaced-entity counts per text."""
        known = self._scrubbed
        scrubbed = {text: known[text] for text in dict.fromkeys(texts) if text in known}
        missing = [text for text in dict.fromkeys(texts) if text not in scrubbed]
        for text, findings in zip(missing, self.analyze_batch(missing), strict=True):
            scrubbed[text] = self._anonymize(text, findings)
        for text, result in scrubbed.items():  # most recently used last; the oldest leave first
            known[text] = result
            known.move_to_end(text)
        while len(known) > SCRUB_CACHE_ENTRIES:
            known.popitem(last=False)
        return [scrubbed[text] for text in texts]

    def _analyze(
        self, text: str, artifacts: NlpArtifacts, entities: list[str] | None = None
    ) -> list[RecognizerResult]:
        entities = self.entities if entities is None else entities
        if not entities:
            return []
        results = self.analyzer.analyze(
            text=text,
            language=self.config.language,
            entities=entities,
            score_threshold=self._min_threshold,
            nlp_artifacts=artifacts,
        )
        kept = [r for r in results if r.score >= self.config.threshold_for(r.entity_type)]
        # A validated pattern match (e-mail, phone, card...) wins over an NER guess on the same
        # characters: the small model labels "kschmidt@company.co.uk" PERSON.
        patterned = [r for r in kept if r.entity_type not in _NER_ENTITIES]
        kept = [
            r
            for r in kept
            if r.entity_type not in _NER_ENTITIES
            or not any(r.start < p.end and p.start < r.end for p in patterned)
        ]
        return sorted(kept, key=lambda r: (r.start, r.end, r.entity_type))

    def _token_artifacts(self, text: str) -> NlpArtifacts:
        """Tokens without the statistical pipeline; lower-cased words stand in for lemmas."""
        doc = self.nlp.make_doc(text)
        return NlpArtifacts(
            entities=[],
            tokens=doc,
            tokens_indices=[token.idx for token in doc],
            lemmas=[token.lower_ for token in doc],
            nlp_engine=self.nlp_engine,
            language=self.config.language,
            scores=[],
        )

    def _anonymize(self, text: str, findings: list[RecognizerResult]) -> ScrubResult:
        if not findings:
            return ScrubResult(text, {})
        replaced = self.anonymizer.anonymize(
            text=text,
            analyzer_results=findings,  # type: ignore[arg-type]
            operators=self.operators,
        )
        return ScrubResult(replaced.text, dict(Counter(item.entity_type for item in replaced.items)))


_ENGINES: dict[str, PrivacyEngine] = {}
_ENGINES_LOCK = threading.Lock()
_WARNED_MODELS: set[str] = set()


def get_engine(config: PrivacyConfig | None = None) -> PrivacyEngine:
    """The engine for ``config``, built on first use in this process and reused afterwards."""
    config = config or PrivacyConfig()
    key = config.model_dump_json()
    engine = _ENGINES.get(key)
    if engine is None:
        with _ENGINES_LOCK:
            engine = _ENGINES.get(key)
            if engine is None:
                engine = PrivacyEngine(config)
                _ENGINES[key] = engine
    return engine


def _load_spacy(config: PrivacyConfig) -> tuple[Language, bool]:
    """The installed spaCy pipeline, or a tokenizer-only one (pattern recognizers only) with one warning."""
    try:
        return spacy.load(config.spacy_model, exclude=_UNUSED_COMPONENTS), True
    except OSError as exc:  # spaCy's "can't find model" (E050) and unreadable model folders
        if config.spacy_model not in _WARNED_MODELS:
            _WARNED_MODELS.add(config.spacy_model)
            message = (
                f"spaCy model {config.spacy_model!r} is not installed ({exc.__class__.__name__}); "
                "PII detection falls back to pattern recognizers only: names (PERSON) are not found"
            )
            logger.warning(message)
            warnings.warn(message, RuntimeWarning, stacklevel=3)
        return spacy.blank(config.language), False


def find_pii(text: str, config: PrivacyConfig | None = None) -> list[PiiFinding]:
    """Entities found in ``text``, ordered by position; offsets only, never the matched text."""
    results = get_engine(config).analyze_batch([text])[0]
    return [PiiFinding(r.entity_type, r.start, r.end, round(float(r.score), 4)) for r in results]


def scrub_text(text: str, config: PrivacyConfig | None = None) -> str:
    """``text`` with every entity found replaced by ``<ENTITY_TYPE>``."""
    return get_engine(config).scrub_batch([text])[0].text
