"""Dimension files -> text rows with their line numbers, as a Spark DataFrame.

Accepted: CSV (``.csv``, ``.csv.gz``), JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) and Parquet,
with the generator's columns; for FX also the ECB historical reference-rates CSV (``Date,USD,JPY,...``).
Every value is read as text: typing and checks happen in Spark (``enrich.dims``), where a bad value
becomes a dead letter, not a failed load. The file is decoded by pyarrow in the driver (columnar, no
row loop) and handed to Spark as Arrow.
"""

from __future__ import annotations

import csv
import gzip
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from enrich.errors import EnrichError

LINE_COLUMN = "source_line"
RAW_TEXT_COLUMN = "raw_text"


@dataclass(frozen=True)
class RawFile:
    """A dimension file's rows as text columns plus ``source_line`` and ``raw_text``.

    ``rows`` is None when the file could not be decoded at all; ``problem`` then says why.
    """

    path: str
    columns: tuple[str, ...]
    rows: DataFrame | None
    problem: str | None = None


def file_format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".csv", ".csv.gz")):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz", ".json.gz")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    raise EnrichError(f"{path}: unsupported dimension file type (use .csv, .jsonl or .parquet)")


def read_raw(spark: SparkSession, path: str | Path) -> RawFile:
    """Read a dimension file as text columns. Raises EnrichError when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        raise EnrichError(f"{path}: no such dimension file")
    kind = file_format(path)
    try:
        table, first_line = _decode(path, kind)
    except (pa.ArrowInvalid, OSError, UnicodeDecodeError, csv.Error) as exc:
        return RawFile(str(path), (), None, f"{kind} file cannot be decoded: {str(exc).splitlines()[0][:300]}")
    names = [n for n in table.column_names if n.strip()]  # the ECB file ends every line with a comma
    table = table.select(names).cast(pa.schema([(n, pa.string()) for n in names]))
    texts = [pc.fill_null(table.column(n), "") for n in names]
    raw_text = pc.binary_join_element_wise(*texts, ",") if texts else pa.array([""] * table.num_rows)
    lines = pa.array(range(first_line, first_line + table.num_rows), pa.int64())
    table = table.append_column(LINE_COLUMN, lines).append_column(RAW_TEXT_COLUMN, raw_text)
    clean = {n: n.strip() for n in names}
    rows = spark.createDataFrame(table) if table.num_rows else spark.createDataFrame([], _empty_schema(table))
    rows = rows.select(*[F.col(f"`{n}`").alias(clean[n]) for n in names], LINE_COLUMN, RAW_TEXT_COLUMN)
    return RawFile(str(path), tuple(clean[n] for n in names), rows)


def _decode(path: Path, kind: str) -> tuple[pa.Table, int]:
    """The table and the line number of its first row (CSV: 2, after the header; Parquet: row 1)."""
    if kind == "parquet":
        return pq.read_table(path), 1
    if kind == "jsonl":
        return pa_json.read_json(path), 1
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), [])
    if not header:
        return pa.table({}), 2
    options = pa_csv.ConvertOptions(column_types={n: pa.string() for n in header}, strings_can_be_null=False)
    read = pa_csv.ReadOptions(encoding="utf8")
    return pa_csv.read_csv(path, read_options=read, convert_options=options), 2


def _empty_schema(table: pa.Table) -> str:
    return ", ".join(f"`{n}` string" if n != LINE_COLUMN else f"`{n}` bigint" for n in table.column_names)
