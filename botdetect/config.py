"""Bot-detection settings: the ``botdetect`` section of the root config.

``rules`` is keyed by user-agent rule name (``botdetect.rules.USER_AGENT_RULES``), ``behaviour``
by behavioural rule name (``botdetect.behaviour_rules.BEHAVIOUR_RULES``). A rule left out keeps
its defaults and stays enabled; an unknown rule or threshold name fails validation with the known
names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from botdetect.behaviour_rules import BEHAVIOUR_RULES
from botdetect.rules import USER_AGENT_RULES
from lakehouse.days import duration_seconds


class RuleSettings(BaseModel):
    """Whether a rule counts towards the score, and its weight (its evidence alone, in [0, 1])."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    weight: float = Field(ge=0.0, le=1.0)


class BehaviourRuleSettings(BaseModel):
    """A behavioural rule's enabled flag, weight and thresholds (all of them, defaults merged in)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    weight: float = Field(ge=0.0, le=1.0)
    thresholds: dict[str, float]

    @field_validator("thresholds")
    @classmethod
    def _non_negative(cls, value: dict[str, float]) -> dict[str, float]:
        negative = sorted(k for k, v in value.items() if v < 0)
        if negative:
            raise ValueError(f"thresholds must be >= 0: {negative}")
        return value


def _default_behaviour() -> dict[str, BehaviourRuleSettings]:
    return {
        name: BehaviourRuleSettings(weight=rule.default_weight, thresholds=dict(rule.default_thresholds))
        for name, rule in BEHAVIOUR_RULES.items()
    }


def _default_rules() -> dict[str, RuleSettings]:
    return {name: RuleSettings(weight=rule.default_weight) for name, rule in USER_AGENT_RULES.items()}


class BotDetectConfig(BaseModel):
    """Settings for bot detection.

    The score combines the weights ``w`` of the enabled rules that fire as a noisy-OR,
    ``1 - prod(1 - w)``: one rule alone scores its weight, agreeing rules push it towards 1.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True, description="Judge sessions in the pipeline; off leaves silver's bot columns null."
    )
    threshold: float = Field(default=0.7, gt=0.0, le=1.0, description="is_bot when score >= threshold.")
    rules: dict[str, RuleSettings] = Field(
        default_factory=_default_rules, description="Per-rule enabled flag and weight, by rule name."
    )
    behaviour: dict[str, BehaviourRuleSettings] = Field(
        default_factory=_default_behaviour,
        description="Per behavioural rule: enabled flag, weight and thresholds, by rule name.",
    )
    exclude_bots_from_metrics: bool = Field(
        default=True, description="Downstream metrics leave out events whose is_bot is true (rows are kept)."
    )
    session_gap: str = Field(
        default="30 minutes",
        description="Inactivity that ends a session of events without a session id (botdetect.gap_sessions); "
        "the root config requires metrics.session_gap to be the same, so verdicts judge the sessions metrics counts.",
    )

    @field_validator("session_gap")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration_seconds(value)
        return value

    @property
    def session_gap_seconds(self) -> int:
        return duration_seconds(self.session_gap)

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

    @field_validator("behaviour", mode="before")
    @classmethod
    def _merge_behaviour_with_defaults(cls, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        unknown = sorted(set(value) - set(BEHAVIOUR_RULES))
        if unknown:
            raise ValueError(f"unknown behaviour rule(s) {unknown}; known rules: {sorted(BEHAVIOUR_RULES)}")
        merged: dict[str, Any] = {}
        for name, rule in BEHAVIOUR_RULES.items():
            given = value.get(name, {})
            if isinstance(given, BehaviourRuleSettings):
                given = given.model_dump()
            if not isinstance(given, Mapping):
                merged[name] = given
                continue
            thresholds = given.get("thresholds", {})
            if isinstance(thresholds, Mapping):
                extra = sorted(set(thresholds) - set(rule.default_thresholds))
                if extra:
                    raise ValueError(
                        f"behaviour rule {name}: unknown threshold(s) {extra}; known: {sorted(rule.default_thresholds)}"
                    )
                thresholds = {**rule.default_thresholds, **thresholds}
            merged[name] = {"weight": rule.default_weight, **given, "thresholds": thresholds}
        return merged

    def weight_of(self, rule_name: str) -> float | None:
        """The weight of an enabled user-agent or behavioural rule, None when it is disabled."""
        settings = self.rules[rule_name] if rule_name in self.rules else self.behaviour[rule_name]
        return settings.weight if settings.enabled else None
