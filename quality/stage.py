"""Pure quality functions: the frame GX validates, the drop split, result rows and the fail check."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from lakehouse.schemas import DEAD_LETTER_SCHEMA
from quality.errors import ExpectationFailedError
from quality.expectations import DERIVED_COLUMNS, Bounds, Suite, first_drop_reason, needed_columns
from quality.validate import ExpectationResult

STAGE = "quality"
REASON_COLUMN = "_quality_reason"
DETAIL_COLUMN = "_quality_detail"


def with_derived(frame: DataFrame, suite: Suite, bounds: Bounds) -> DataFrame:
    """Needs: the table's columns the suite reads. Gives: the same plus the derived columns it reads."""
    derived = DERIVED_COLUMNS[suite.table]
    wanted = {name: derived[name](bounds) for name in needed_columns(suite.enabled) if name in derived}
    return frame.withColumns(wanted) if wanted else frame


def validation_frame(frame: DataFrame, suite: Suite, bounds: Bounds) -> DataFrame:
    """Only the columns the suite reads (derived ones computed): what GX scans."""
    return with_derived(frame, suite, bounds).select(*needed_columns(suite.enabled))


def needs_quarantine(results: Sequence[ExpectationResult]) -> bool:
    """Whether some ``drop`` expectation found unexpected rows (known from GX's counts: no Spark job)."""
    return any(r.expectation.action == "drop" and not r.success and (r.unexpected_count or 0) > 0 for r in results)


def mark_drops(frame: DataFrame, suite: Suite, bounds: Bounds) -> DataFrame:
    """Needs: the table's columns. Gives: the same plus ``_quality_reason`` / ``_quality_detail``, the name
    and summary of the first ``drop`` expectation the row fails (null when it fails none)."""
    reason, detail = first_drop_reason(suite.enabled)
    marked = with_derived(frame, suite, bounds)
    added = [c for c in marked.columns if c not in frame.columns]
    return marked.withColumns({REASON_COLUMN: reason, DETAIL_COLUMN: detail}).drop(*added)


def first_failure(results: Sequence[ExpectationResult]) -> ExpectationFailedError | None:
    """The error for the first failed ``fail`` expectation, one line, or None."""
    for result in results:
        if result.expectation.action == "fail" and not result.success:
            e = result.expectation
            pct = "" if result.unexpected_percent is None else f" ({result.unexpected_percent:.2f}%)"
            counted = "" if result.unexpected_count is None else f", {result.unexpected_count} unexpected rows{pct}"
            return ExpectationFailedError(
                f"quality check {e.name!r} failed on {e.table} ({e.type} on {e.column}): observed value "
                f"{result.observed_value}{counted}; the batch stopped before writing {e.table}")
    return None


def result_rows(results: Sequence[ExpectationResult], batch_id: str, checked_at: datetime) -> list[tuple]:
    """QUALITY_RESULTS rows (tuples in schema order) of one table's results."""
    return [
        (batch_id, r.expectation.table, r.expectation.table, r.expectation.name, r.expectation.type,
         r.expectation.action, r.success, r.observed_value, r.unexpected_count, r.unexpected_percent,
         r.element_count, checked_at)
        for r in results
    ]


def dead_letter_rows(dropped: DataFrame, table: str, key: Sequence[str], batch_id: str,
                     recorded_at: datetime) -> DataFrame:
    """DEAD_LETTER_SCHEMA rows for rows quality dropped from a table past bronze (silver, event_items).

    Needs: ``key`` columns, source, source_file, source_line (or null), event_date, and the
    marks of ``mark_drops``. No raw text: a row that failed a privacy check still holds what it leaked.
    """
    def maybe(name: str, kind: str) -> F.Column:
        return F.col(name).cast(kind) if name in dropped.columns else F.lit(None).cast(kind)

    ident = F.sha2(F.concat_ws("|", F.lit(STAGE), F.lit(table), *[F.col(k).cast("string") for k in key]), 256)
    return dropped.select(
        ident.alias("dead_letter_id"),
        maybe("source", "string").alias("source"),
        maybe("source_file", "string").alias("source_file"),
        maybe("source_line", "bigint").alias("source_line"),
        F.lit(STAGE).alias("stage"),
        F.col(REASON_COLUMN).alias("reason"),
        F.concat(F.col(DETAIL_COLUMN), F.lit(f"; {table} key "),
                 F.concat_ws("|", *[F.col(k).cast("string") for k in key])).alias("detail"),
        F.lit(None).cast("string").alias("raw_text"),
        F.lit(None).cast("bigint").alias("raw_bytes"),
        maybe("event_date", "date").alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
        F.lit(recorded_at).cast("timestamp").alias("recorded_at"),
    ).select(*DEAD_LETTER_SCHEMA.fieldNames())
