"""Run a table's suite with Great Expectations 1.x: one Checkpoint run per table and batch.

The GX context (a file context under ``<lake>/_quality``, so Data Docs can be built later from the
kept results), its Spark data source, one ExpectationSuite, ValidationDefinition and Checkpoint per
table are built once per process and reused; a batch only passes its DataFrame
(``Checkpoint.run(batch_parameters={"dataframe": df})``). The suite is rebuilt only when the
configured expectations change.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame

from quality.expectations import Expectation, Suite

log = logging.getLogger(__name__)

DATASOURCE = "clickstitch"
GX_FOLDER = "gx"  # what GX's file context creates below the project root
# Counts and percentages, no sample of unexpected values: a sample would put row values (an e-mail address a
# privacy check found) into the stored results and Data Docs, and costs one Spark job per expectation.
RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 0}


@dataclass(frozen=True)
class ExpectationResult:
    """One expectation's outcome on one batch, as GX reported it."""

    expectation: Expectation
    success: bool
    observed_value: str | None
    unexpected_count: int | None
    unexpected_percent: float | None
    element_count: int | None


@dataclass
class _Runner:
    expectations: tuple[Expectation, ...]
    checkpoint: Any


_LOCK = threading.Lock()
_CONTEXTS: dict[Path, Any] = {}
_RUNNERS: dict[tuple[Path, str], _Runner] = {}


def gx_context(root: Path) -> Any:
    """The process's GX file context for a lake's quality folder (created on first use)."""
    root = Path(root).resolve()
    with _LOCK:
        if root not in _CONTEXTS:
            os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics over the network
            import great_expectations as gx
            from great_expectations.data_context.types.base import ProgressBarsConfig

            root.mkdir(parents=True, exist_ok=True)
            context = gx.get_context(mode="file", project_root_dir=str(root))
            context.variables.progress_bars = ProgressBarsConfig(globally=False)
            _CONTEXTS[root] = context
        return _CONTEXTS[root]


def _checkpoint(root: Path, suite: Suite) -> Any:
    """The table's Checkpoint, built once per process and again when the expectations change."""
    import great_expectations as gx
    from great_expectations.expectations.registry import get_expectation_impl

    key = (Path(root).resolve(), suite.table)
    runner = _RUNNERS.get(key)
    if runner is not None and runner.expectations == suite.enabled:
        return runner.checkpoint
    context = gx_context(root)
    # Get, never update, the data source: updating it would drop the other tables' assets.
    source = next((d for d in context.data_sources.all().values() if d.name == DATASOURCE), None) or \
        context.data_sources.add_spark(DATASOURCE)
    # get_asset/get_batch_definition, not the `assets` list: only they tie a stored asset back to the data
    # source and its context (listed ones fail with MissingDataContextError once the project exists on disk).
    names = {a.name for a in source.assets}
    asset = source.get_asset(suite.table) if suite.table in names else source.add_dataframe_asset(suite.table)
    batch = asset.get_batch_definition("batch") if any(b.name == "batch" for b in asset.batch_definitions) else \
        asset.add_batch_definition_whole_dataframe("batch")
    gx_suite = gx.ExpectationSuite(name=suite.table)
    for expectation in suite.enabled:
        impl = get_expectation_impl(expectation.type)
        gx_suite.add_expectation(impl(**dict(expectation.kwargs),
                                      meta={"name": expectation.name, "action": expectation.action}))
    gx_suite = context.suites.add_or_update(gx_suite)
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.table, data=batch, suite=gx_suite))
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(name=suite.table, validation_definitions=[definition], result_format=RESULT_FORMAT))
    _RUNNERS[key] = _Runner(suite.enabled, checkpoint)
    return checkpoint


def validate(root: Path, suite: Suite, frame: DataFrame, run_name: str) -> list[ExpectationResult]:
    """Validate ``frame`` (the suite's columns) with GX in one Checkpoint run; results in suite order."""
    if not suite.enabled:
        return []
    from great_expectations.core.run_identifier import RunIdentifier

    checkpoint = _checkpoint(root, suite)
    outcome = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name))
    by_name: dict[str, Any] = {}
    for validation in outcome.run_results.values():
        for result in validation.results:
            by_name[str(result.expectation_config.meta["name"])] = result
    results = []
    for expectation in suite.enabled:
        found = by_name[expectation.name]
        body = found.result or {}
        if found.exception_info and found.exception_info.get("raised_exception"):
            raise RuntimeError(f"GX could not evaluate {suite.table}.{expectation.name}: "
                               f"{found.exception_info.get('exception_message')}")
        observed = body.get("observed_value")
        results.append(ExpectationResult(
            expectation=expectation,
            success=bool(found.success),
            observed_value=None if observed is None else str(observed),
            unexpected_count=_int(body.get("unexpected_count")),
            unexpected_percent=_float(body.get("unexpected_percent")),
            element_count=_int(body.get("element_count")),
        ))
    return results


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)
