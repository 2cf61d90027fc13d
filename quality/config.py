"""Quality settings: the ``quality`` section of the root config.

``suites`` is keyed by table, then by expectation name (``quality.expectations.BUILT_IN_EXPECTATIONS``).
An entry for a built-in name changes it (``action``, ``enabled``, ``kwargs`` merged over the
defaults); an entry with a new name adds an expectation and needs ``type`` and ``kwargs.column``.
A new name without ``type`` is taken for a typo and fails at start with its dotted key.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from quality.expectations import (
    AGGREGATE_TABLES,
    BUILT_IN_EXPECTATIONS,
    DERIVED_COLUMNS,
    SUITE_TABLES,
    Action,
    Expectation,
    ExpectationType,
    Suite,
)


class ExpectationSettings(BaseModel):
    """A change to a built-in expectation, or a new one (then ``type`` and ``kwargs.column`` are needed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool | None = None
    action: Action | None = None
    type: ExpectationType | None = Field(None, description="GX expectation type (snake_case), for a new one.")
    kwargs: dict[str, Any] | None = Field(None, description="GX kwargs; merged over a built-in's.")
    summary: str | None = None


Overrides = dict[str, ExpectationSettings]


class SuiteSettings(BaseModel):
    """Per table: expectation name -> settings. Only tables quality validates are accepted."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    events_bronze: Overrides = Field(default_factory=dict)
    event_items: Overrides = Field(default_factory=dict)
    events_silver: Overrides = Field(default_factory=dict)
    sessions: Overrides = Field(default_factory=dict)
    category_metrics: Overrides = Field(default_factory=dict)

    @field_validator("events_bronze", "event_items", "events_silver", "sessions", "category_metrics")
    @classmethod
    def _known_names(cls, value: Overrides, info: ValidationInfo) -> Overrides:
        table = str(info.field_name)
        built_in = BUILT_IN_EXPECTATIONS[table]
        for name, settings in value.items():
            if table in AGGREGATE_TABLES and settings.action == "drop":
                raise ValueError(f"{name}: {table} holds aggregates, nothing to quarantine: action warn or fail")
            if name in built_in:
                if settings.type is not None and settings.type != built_in[name].type:
                    raise ValueError(f"{name}: a built-in expectation keeps its type ({built_in[name].type})")
                continue
            if settings.type is None:
                raise ValueError(f"unknown expectation {name!r} (a new one needs `type`); built-in: "
                                 f"{', '.join(built_in)}")
            if not settings.kwargs or "column" not in settings.kwargs:
                raise ValueError(f"{name}: a new expectation needs kwargs.column")
        return value


class QualityConfig(BaseModel):
    """Data quality with Great Expectations (docs/quality.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        True, description="Validate bronze-bound events, event_items, silver, sessions and category_metrics."
    )
    suites: SuiteSettings = Field(default_factory=SuiteSettings, description="Changes and additions per table.")
    docs_max_results: int = Field(
        200, ge=1, description="Validation results kept for Data Docs (oldest pruned): bounds the site's build time."
    )

    def suite(self, table: str) -> Suite:
        """The table's expectations: built-ins in order with their changes, then the added ones."""
        if table not in SUITE_TABLES:
            raise KeyError(f"no quality suite for table {table!r}; known: {', '.join(SUITE_TABLES)}")
        overrides: Overrides = getattr(self.suites, table)
        result: list[Expectation] = []
        for name, built_in in BUILT_IN_EXPECTATIONS[table].items():
            result.append(_apply(built_in, overrides.get(name)))
        for name, settings in overrides.items():
            if name not in BUILT_IN_EXPECTATIONS[table]:
                assert settings.type is not None and settings.kwargs is not None  # checked by the validator
                added = Expectation(name, table, settings.type, {}, settings.action or "warn", settings.summary or name)
                result.append(_apply(added, settings))
        return Suite(table, tuple(result))

    def derived_columns(self, table: str) -> tuple[str, ...]:
        return tuple(DERIVED_COLUMNS[table])


def _apply(expectation: Expectation, settings: ExpectationSettings | None) -> Expectation:
    if settings is None:
        return expectation
    changed = expectation.with_kwargs(**(settings.kwargs or {}))
    updates: dict[str, Any] = {}
    if settings.enabled is not None:
        updates["enabled"] = settings.enabled
    if settings.action is not None:
        updates["action"] = settings.action
    if settings.summary is not None:
        updates["summary"] = settings.summary
    return replace(changed, **updates)
