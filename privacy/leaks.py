"""Leak scan: do seeded PII values from the generator's truth appear in published layers?

Every string leaf of every catalog table of the chosen layers (struct fields by path; arrays and
maps as their JSON text) is searched for every needle: the truth's e-mails, phones, card numbers, IBANs,
raw IPs and typed names, as seeded, as written in the landing data, percent-encoded, and (phones, cards,
IBANs) without their separators. Matching is
case-insensitive substring search in Spark (distinct values x broadcast needles); IPs, phones and
cards must not touch another digit (``1.2.3.4`` is not found in ``11.2.3.45``), names must stand as
whole words. Only the findings reach the driver, with the value masked.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, MapType, StringType, StructType

from lakehouse import Lakehouse

LEAK_TYPES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS", "PERSON")
_DIGIT_BOUNDED = {"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS"}
# Printed with separators ("DE89 3704 ...", "4111-1111-...", "+44 20 7946 0958"): also searched compact.
_SEPARATED = {"PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE"}
_SEPARATORS = re.compile(r"[\s().-]+")
_MIN_NEEDLE = 3


@dataclass(frozen=True)
class Leak:
    """One seeded value found in one column; ``masked`` shows its first characters only."""

    table: str
    column: str
    pii_type: str
    masked: str
    rows: int


def truth_needles(truth_dir: Path, pii_types: tuple[str, ...] = LEAK_TYPES) -> list[tuple[str, str, str]]:
    """(pii_type, needle, value) from ``truth/pii.csv``, lower-cased, in each written form."""
    needles: set[tuple[str, str, str]] = set()
    with open(Path(truth_dir) / "pii.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            kind = row["pii_type"]
            if kind not in pii_types:
                continue
            value = row["value"]
            forms = {value, row.get("as_written") or value, quote(value, safe=""), quote_plus(value)}
            if kind in _SEPARATED:
                forms.add(_SEPARATORS.sub("", value))
            needles.update((kind, form.lower(), value) for form in forms if len(form) >= _MIN_NEEDLE)
    return sorted(needles)


def find_leaks(
    spark: SparkSession,
    lake: Lakehouse,
    truth_dir: Path,
    layers: tuple[str, ...] = ("silver", "gold"),
    pii_types: tuple[str, ...] = LEAK_TYPES,
) -> list[Leak]:
    """Seeded PII found in the catalog tables of ``layers`` (empty list: no leak)."""
    needles = truth_needles(truth_dir, pii_types)
    if not needles:
        return []
    needle_df = F.broadcast(spark.createDataFrame(needles, "pii_type string, needle string, value string"))
    leaks: list[Leak] = []
    for spec in sorted(lake.catalog, key=lambda s: s.name):
        if spec.layer not in layers or not lake.exists(spec):
            continue
        values = string_values(lake.read(spec))
        if values is None:
            continue
        found = (
            values.join(needle_df, F.instr(F.col("text"), F.col("needle")) > 0)
            .where(_bounded(F.col("text"), F.col("needle"), F.col("pii_type")))
            .groupBy("column", "pii_type", "value")
            .agg(F.sum("rows").alias("rows"))
        )
        for row in found.orderBy("column", "pii_type", "value").collect():
            leaks.append(Leak(spec.name, row["column"], row["pii_type"], _mask(row["value"]), int(row["rows"])))
    return leaks


def string_values(df: DataFrame) -> DataFrame | None:
    """Distinct (column, text) of every string leaf, lower-cased, with its row count."""
    leaves = _string_leaves(df)
    if not leaves:
        return None
    pairs = F.array(*[F.struct(F.lit(name).alias("column"), value.alias("text")) for name, value in leaves])
    exploded = df.select(F.explode(pairs).alias("leaf")).select("leaf.column", F.lower("leaf.text").alias("text"))
    return (
        exploded.where(F.length("text") >= _MIN_NEEDLE)
        .groupBy("column", "text")
        .agg(F.count(F.lit(1)).alias("rows"))
    )


def _string_leaves(df: DataFrame) -> list[tuple[str, Column]]:
    leaves: list[tuple[str, Column]] = []

    def walk(path: str, column: Column, dtype: object) -> None:
        if isinstance(dtype, StringType):
            leaves.append((path, column))
        elif isinstance(dtype, StructType):
            for child in dtype.fields:
                walk(f"{path}.{child.name}", column[child.name], child.dataType)
        elif isinstance(dtype, ArrayType | MapType) and _holds_strings(dtype):
            leaves.append((path, F.to_json(column)))

    for schema_field in df.schema.fields:
        walk(schema_field.name, F.col(f"`{schema_field.name}`"), schema_field.dataType)
    return leaves


def _holds_strings(dtype: object) -> bool:
    if isinstance(dtype, StringType):
        return True
    if isinstance(dtype, ArrayType):
        return _holds_strings(dtype.elementType)
    if isinstance(dtype, MapType):
        return True  # keys are strings in every table here; scan them too
    if isinstance(dtype, StructType):
        return any(_holds_strings(f.dataType) for f in dtype.fields)
    return False


def _bounded(text: Column, needle: Column, pii_type: Column) -> Column:
    """Digit-like needles must not touch another digit; names must be whole words."""
    quoted = F.concat(F.lit(r"\Q"), needle, F.lit(r"\E"))
    digits = F.concat(F.lit(r"(?<![0-9])"), quoted, F.lit(r"(?![0-9])"))
    words = F.concat(F.lit(r"(?<![\p{L}\p{N}])"), quoted, F.lit(r"(?![\p{L}\p{N}])"))
    pattern = F.when(pii_type.isin(*_DIGIT_BOUNDED), digits).when(pii_type == "PERSON", words)
    return pattern.isNull() | F.regexp(text, pattern)


def _mask(value: str) -> str:
    return value[:2] + "*" * max(len(value) - 2, 1)
