"""Bot-detection settings: the ``botdetect`` section of the root config.

``rules`` is keyed by rule name (see ``botdetect.rules.USER_AGENT_RULES``); a rule left out keeps
its default weight and stays enabled, an unknown name fails validation with the known names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from botdetect.rules import USER_AGENT_RULES


class RuleSettings(BaseModel):
    """Whether a rule counts towards the score, and its weight (its evidence alone, in [0, 1])."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    weight: float = Field(ge=0.0, le=1.0)


def _default_rules() -> dict[str, RuleSettings]:
    return {name: RuleSettings(weight=rule.default_weight) for name, rule in USER_AGENT_RULES.items()}


class BotDetectConfig(BaseModel):
    """Settings for bot detection.

    The score combines the weights ``w`` of the enabled rules that fire as a noisy-OR,
    ``1 - prod(1 - w)``: one rule alone scores its weight, agreeing rules push it towards 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(default=0.7, gt=0.0, le=1.0, description="is_bot when score >= threshold.")
    rules: dict[str, RuleSettings] = Field(
        default_factory=_default_rules, description="Per-rule enabled flag and weight, by rule name."
    )
    exclude_bots_from_metrics: bool = Field(
        default=True, description="Downstream metrics leave out events whose is_bot is true (rows are kept)."
    )

    @field_validator("rules", mode="before")
    @classmethod
    def _merge_with_defaults(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value  # pydantic reports the type error
        unknown = sorted(set(value) - set(USER_AGENT_RULES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; known rules: {sorted(USER_AGENT_RULES)}")
        merged: dict[str, Any] = {}
        for name, rule in USER_AGENT_RULES.items():
            given = value.get(name, {})
            if isinstance(given, RuleSettings):
                given = given.model_dump()
            merged[name] = {"weight": rule.default_weight, **given} if isinstance(given, Mapping) else given
        return merged

    def weight_of(self, rule_name: str) -> float | None:
        """The weight of an enabled rule, None when the rule is disabled."""
        settings = self.rules[rule_name]
        return settings.weight if settings.enabled else None
