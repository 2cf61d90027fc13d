"""Feature drift: the Population Stability Index of recent windows against the training window.

Each standardized feature is cut at fixed edges (``DRIFT_EDGES``, in standard deviations of the
training window). ``drift_bins`` counts rows per bin in one aggregation; the fit stores the training
proportions with the model, the scorer counts its batch and ``psi_by_feature`` compares them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

DRIFT_EDGES: tuple[float, ...] = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
_EPSILON = 1e-4  # an empty bin counts as this share (PSI is undefined at 0)


def _bin(value: Column) -> Column:
    """0-based bin of a standardized value: the number of edges at or below it."""
    return sum((F.when(value >= F.lit(edge), 1).otherwise(0) for edge in DRIFT_EDGES), F.lit(0))


def drift_bins(transformed_rows: DataFrame, features: int) -> DataFrame:
    """Rows with ``z`` -> one row, ``bins``: array (per feature) of arrays (per bin) of row counts."""
    z = F.col("z")
    return transformed_rows.agg(F.array(*[
        F.array(*[F.count_if(_bin(z[i]) == b).cast("long") for b in range(len(DRIFT_EDGES) + 1)])
        for i in range(features)]).alias("bins"))


def proportions(counts: Sequence[int]) -> list[float]:
    total = sum(counts)
    return [round(c / total, 12) if total else 0.0 for c in counts]


def psi(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI = sum over bins of (a - e) * ln(a / e); empty bins count as a small share."""
    total = 0.0
    for e, a in zip(expected, actual, strict=True):
        e, a = max(e, _EPSILON), max(a, _EPSILON)
        total += (a - e) * math.log(a / e)
    return round(total, 6)


def psi_by_feature(names: Sequence[str], expected: Sequence[Sequence[float]],
                   actual_counts: Sequence[Sequence[int]]) -> dict[str, float]:
    """Per feature: PSI of the actual bin counts against the stored training proportions."""
    return {name: psi(e, proportions(a)) for name, e, a in zip(names, expected, actual_counts, strict=True)}
