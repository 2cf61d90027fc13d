"""Compare DataFrames by content (row order and nullability ignored), including map and array columns."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, Row


def _freeze(value: Any) -> Any:
    if isinstance(value, Row):
        return tuple((k, _freeze(v)) for k, v in value.asDict().items())
    if isinstance(value, dict):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def frozen_rows(df: DataFrame, columns: Sequence[str] | None = None) -> list[tuple]:
    """Rows as sorted, hashable tuples. For test-sized frames only (collects)."""
    selected = df.select(*columns) if columns else df
    return sorted((_freeze(r) for r in selected.collect()), key=repr)


def assert_same_rows(actual: DataFrame, expected: DataFrame | Iterable[dict], ignore: Sequence[str] = ()) -> None:
    columns = [c for c in actual.columns if c not in ignore]
    if isinstance(expected, DataFrame):
        want = frozen_rows(expected, columns)
    else:
        want = sorted((_freeze(Row(**{c: r.get(c) for c in columns})) for r in expected), key=repr)
    got = frozen_rows(actual, columns)
    if got != want:
        missing = [r for r in want if r not in got][:5]
        extra = [r for r in got if r not in want][:5]
        raise AssertionError(
            f"rows differ: {len(got)} actual vs {len(want)} expected\n missing: {missing}\n unexpected: {extra}"
        )


def parquet_text(table_dir: Path) -> str:
    """Every value of every Parquet file in a table folder (all versions' files), lower-cased, as text."""
    import pyarrow.parquet as pq

    values = [json.dumps(pq.read_table(path).to_pylist(), default=str) for path in table_dir.rglob("*.parquet")]
    return "\n".join(values).lower()
