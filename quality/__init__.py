"""Data quality with Great Expectations 1.x: suites per table, warn / drop / fail, results in Delta,
Data Docs under the lake (docs/quality.md).

The registry (``BUILT_IN_EXPECTATIONS``) and config (``QualityConfig``) say what is checked; ``validate``
runs a table's suite with one GX Checkpoint; ``mark_drops`` computes the rows to quarantine with Spark
Columns that agree with GX's counts; ``first_failure`` turns a failed ``fail`` expectation into a
one-line error. The steps in ``clickstitch.steps`` wire them into the pipeline.
"""

from quality.config import ExpectationSettings, QualityConfig
from quality.docs import build_docs, docs_index, prune_results, quality_root
from quality.errors import ExpectationFailedError, QualityError
from quality.expectations import (
    BUILT_IN_EXPECTATIONS,
    DERIVED_COLUMNS,
    EVENT_ITEMS,
    EVENTS_BRONZE,
    EVENTS_SILVER,
    SUITE_TABLES,
    Bounds,
    Expectation,
    Suite,
    unexpected_rows,
)
from quality.stage import (
    DETAIL_COLUMN,
    REASON_COLUMN,
    dead_letter_rows,
    first_failure,
    mark_drops,
    needs_quarantine,
    result_rows,
    validation_frame,
    with_derived,
)
from quality.tables import QUALITY_RESULTS, QUALITY_TABLES
from quality.validate import ExpectationResult, validate

__all__ = [
    "BUILT_IN_EXPECTATIONS",
    "DERIVED_COLUMNS",
    "DETAIL_COLUMN",
    "EVENTS_BRONZE",
    "EVENTS_SILVER",
    "EVENT_ITEMS",
    "QUALITY_RESULTS",
    "QUALITY_TABLES",
    "REASON_COLUMN",
    "SUITE_TABLES",
    "Bounds",
    "Expectation",
    "ExpectationFailedError",
    "ExpectationResult",
    "ExpectationSettings",
    "QualityConfig",
    "QualityError",
    "Suite",
    "build_docs",
    "dead_letter_rows",
    "docs_index",
    "first_failure",
    "mark_drops",
    "needs_quarantine",
    "prune_results",
    "quality_root",
    "result_rows",
    "unexpected_rows",
    "validate",
    "validation_frame",
    "with_derived",
]
