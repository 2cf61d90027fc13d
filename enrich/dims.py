"""Text rows of a dimension file -> typed dimension rows, or dead letters with a reason.

Pure Column/DataFrame code: ``enrich.readers`` produces the text rows, ``enrich.load`` merges.
Reasons: ``missing_field``, ``wrong_type`` (not a number), ``invalid_timestamp`` (or date),
``invalid_range`` (valid_to not after valid_from), ``invalid_currency`` (not a 3-letter code),
``invalid_value`` (negative price, rate <= 0), ``duplicate_key`` (the key again in the same file:
the first line wins), ``no_reporting_rate`` (an FX row whose day has no rate for the reporting
currency), ``unreadable_file`` (the whole file, line 0).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from enrich.errors import EnrichError
from enrich.readers import LINE_COLUMN, RAW_TEXT_COLUMN, RawFile
from lakehouse.schemas import DEAD_LETTER_SCHEMA

STAGE = "dims"
ECB_BASE = "EUR"
_NA = ("", "N/A", "NA")  # empty and not-available cells (the ECB writes N/A)


@dataclass(frozen=True)
class Check:
    failed: Column
    reason: str
    detail: Column


def check(failed: Column, reason: str, detail: str | Column) -> Check:
    return Check(failed, reason, F.lit(detail) if isinstance(detail, str) else detail)


@dataclass(frozen=True)
class Validated:
    """Typed rows (the dimension's columns, plus source_line) and the dead letters of one file."""

    rows: DataFrame
    dead_letters: DataFrame


def _text(name: str) -> Column:
    value = F.trim(F.col(name))
    return F.when(value.isin(*_NA), F.lit(None)).otherwise(value)


def _number(name: str) -> Column:
    return _text(name).try_cast("double")


def _timestamp(name: str) -> Column:
    return _text(name).try_cast("timestamp")


def _not_a_number(name: str) -> Check:
    return check(_text(name).isNotNull() & _number(name).isNull(), "wrong_type", f"{name} is not a number")


def _bad_time(name: str) -> Check:
    return check(_text(name).isNotNull() & _timestamp(name).isNull(), "invalid_timestamp",
                 F.concat(F.lit(f"{name} is not an ISO time: "), _text(name)))


def _missing(*names: str) -> list[Check]:
    return [check(_text(n).isNull(), "missing_field", f"{n} is empty") for n in names]


def _bad_currency(name: str) -> Check:
    return check(_text(name).isNotNull() & ~_text(name).rlike("^[A-Z]{3}$"), "invalid_currency",
                 F.concat(F.lit(f"{name} is not a 3-letter code: "), _text(name)))


def _split(raw: RawFile, checks: Sequence[Check], typed: dict[str, Column], key: Sequence[str],
           table: str, batch_id: str, recorded_at: datetime, raw_chars: int) -> Validated:
    """Apply the checks (first failure wins), dead-letter later lines repeating a key, type the rest."""
    assert raw.rows is not None
    reason = F.lit(None).cast("string")
    detail = F.lit(None).cast("string")
    for c in reversed(checks):
        reason = F.when(c.failed, F.lit(c.reason)).otherwise(reason)
        detail = F.when(c.failed, c.detail).otherwise(detail)
    rows = raw.rows.select(
        *[value.alias(name) for name, value in typed.items()], LINE_COLUMN, RAW_TEXT_COLUMN,
        reason.alias("reject_reason"), detail.alias("reject_detail"),
    )
    # Among the lines that pass, the first occurrence of a key wins; later ones are dead letters.
    rank = F.when(F.col("reject_reason").isNull(), F.row_number().over(
        Window.partitionBy(F.col("reject_reason").isNull(), *key).orderBy(LINE_COLUMN)))
    rows = rows.withColumn("_rank", rank).select(
        *typed, LINE_COLUMN, RAW_TEXT_COLUMN,
        F.when(F.col("_rank") > 1, F.lit("duplicate_key")).otherwise(F.col("reject_reason")).alias("reject_reason"),
        F.when(F.col("_rank") > 1, F.concat(F.lit("key repeats an earlier line: "),
                                            F.concat_ws("|", *[F.col(k).cast("string") for k in key])))
        .otherwise(F.col("reject_detail")).alias("reject_detail"),
    )
    good = rows.filter(F.col("reject_reason").isNull()).select(*typed, LINE_COLUMN)
    bad = rows.filter(F.col("reject_reason").isNotNull())
    return Validated(good, dead_letter_rows(bad, raw.path, table, batch_id, recorded_at, raw_chars))


def dead_letter_rows(bad: DataFrame, path: str, table: str, batch_id: str, recorded_at: datetime,
                     raw_chars: int) -> DataFrame:
    """DEAD_LETTER_SCHEMA rows from (source_line, raw_text, reject_reason, reject_detail) rows."""
    raw = F.col(RAW_TEXT_COLUMN)
    return bad.select(
        F.sha2(F.concat_ws("|", F.lit(path), F.col(LINE_COLUMN).cast("string")), 256).alias("dead_letter_id"),
        F.lit(table).alias("source"),
        F.lit(path).alias("source_file"),
        F.col(LINE_COLUMN).cast("bigint").alias("source_line"),
        F.lit(STAGE).alias("stage"),
        F.col("reject_reason").alias("reason"),
        F.col("reject_detail").alias("detail"),
        F.substring(raw, 1, raw_chars).alias("raw_text"),
        F.octet_length(raw).cast("bigint").alias("raw_bytes"),
        F.lit(None).cast("date").alias("event_date"),
        F.lit(batch_id).alias("batch_id"),
        F.lit(recorded_at).cast("timestamp").alias("recorded_at"),
    )


def unreadable(spark, raw: RawFile, table: str, batch_id: str, recorded_at: datetime) -> DataFrame:
    """The one dead letter (line 0) of a file that could not be decoded."""
    row = spark.createDataFrame(
        [(0, "", "unreadable_file", raw.problem)],
        f"{LINE_COLUMN} bigint, {RAW_TEXT_COLUMN} string, reject_reason string, reject_detail string",
    )
    return dead_letter_rows(row, raw.path, table, batch_id, recorded_at, 0)


def _require(raw: RawFile, kind: str, *names: str) -> None:
    missing = [n for n in names if n not in raw.columns]
    if missing:
        raise EnrichError(f"{raw.path}: {kind} file lacks column(s) {missing}; it has {list(raw.columns)}")


def _versions(raw: RawFile) -> tuple[list[Check], dict[str, Column]]:
    """valid_from/valid_to checks and columns when the file carries them (a history), else none."""
    if "valid_from" not in raw.columns:
        return [], {}
    to = _timestamp("valid_to") if "valid_to" in raw.columns else F.lit(None).cast("timestamp")
    checks = [*_missing("valid_from"), _bad_time("valid_from")]
    if "valid_to" in raw.columns:
        checks += [_bad_time("valid_to"),
                   check(to.isNotNull() & (to <= _timestamp("valid_from")), "invalid_range",
                         "valid_to is not after valid_from")]
    return checks, {"valid_from": _timestamp("valid_from"), "valid_to": to}


def products(raw: RawFile, batch_id: str, recorded_at: datetime, raw_chars: int = 2000) -> Validated:
    """Products: product_id, sku, name (or product_name), category, base_price, base_currency,
    optionally valid_from/valid_to (a history; without them the file is a snapshot)."""
    name = "product_name" if "product_name" in raw.columns else "name"
    _require(raw, "products", "product_id", name, "category")
    optional = {c: (_text(c) if c in raw.columns else F.lit(None).cast("string"))
                for c in ("sku", "base_currency")}
    price = _number("base_price") if "base_price" in raw.columns else F.lit(None).cast("double")
    version_checks, versions = _versions(raw)
    checks = [*_missing("product_id", name, "category"), *version_checks]
    if "base_price" in raw.columns:
        checks += [_not_a_number("base_price"), check(price < 0, "invalid_value", "base_price is negative")]
    if "base_currency" in raw.columns:
        checks.append(_bad_currency("base_currency"))
    typed = {"product_id": _text("product_id"), "sku": optional["sku"], "product_name": _text(name),
             "category": _text("category"), "base_price": price, "base_currency": optional["base_currency"],
             **versions}
    key = ["product_id", *(["valid_from"] if versions else [])]
    return _split(raw, checks, typed, key, "dim_products", batch_id, recorded_at, raw_chars)


def prices(raw: RawFile, batch_id: str, recorded_at: datetime, raw_chars: int = 2000) -> Validated:
    """Prices: product_id, price, currency, optionally valid_from/valid_to (the generator writes both)."""
    _require(raw, "prices", "product_id", "price", "currency")
    version_checks, versions = _versions(raw)
    checks = [*_missing("product_id", "price", "currency"), *version_checks, _not_a_number("price"),
              check(_number("price") < 0, "invalid_value", "price is negative"), _bad_currency("currency")]
    typed = {"product_id": _text("product_id"), "price": _number("price"), "currency": _text("currency"),
             **versions}
    key = ["product_id", *(["valid_from"] if versions else [])]
    return _split(raw, checks, typed, key, "dim_prices", batch_id, recorded_at, raw_chars)


def is_ecb(raw: RawFile) -> bool:
    """The ECB reference-rates layout: a Date column and one column per currency (EUR base)."""
    return "Date" in raw.columns and "currency" not in raw.columns


def fx_rates(raw: RawFile, reporting_currency: str, batch_id: str, recorded_at: datetime,
             raw_chars: int = 2000) -> Validated:
    """FX rows -> (rate_date, currency, reporting_currency, rate): units of reporting currency per unit.

    Long layout: date, currency, rate_to_<base> (value of one unit of currency in <base>; the generator
    writes rate_to_usd). ECB layout: Date, then <currency> columns quoting units per 1 EUR; N/A and
    empty cells are days without a quote, not errors. Rates go through the base to the reporting
    currency: rate = value(currency) / value(reporting currency) on the same day.
    """
    assert raw.rows is not None
    if is_ecb(raw):
        currencies = [c for c in raw.columns if c != "Date"]
        bad_cell = [check(_text(c).isNotNull() & (~(_number(c) > 0) | _number(c).isNull()), "wrong_type",
                          F.concat(F.lit(f"{c} is not a positive rate: "), _text(c))) for c in currencies]
        checks = [*_missing("Date"), _bad_date("Date"), *bad_cell]
        base = ECB_BASE
        quote_array = F.array(
            F.struct(F.lit(ECB_BASE).alias("currency"), F.lit(1.0).alias("value")),
            *[F.struct(F.lit(c).alias("currency"), (1.0 / _number(c)).alias("value")) for c in currencies],
        )
        typed = {"rate_date": _text("Date").try_cast("date"), "quotes": quote_array}
        key = ["rate_date"]
    else:
        rate_columns = [c for c in raw.columns if c.startswith("rate_to_")]
        _require(raw, "fx", "date", "currency")
        if len(rate_columns) != 1:
            raise EnrichError(f"{raw.path}: fx file needs one rate_to_<currency> column, has {list(raw.columns)}")
        rate = rate_columns[0]
        base = rate.removeprefix("rate_to_").upper()
        checks = [*_missing("date", "currency", rate), _bad_date("date"), _bad_currency("currency"),
                  _not_a_number(rate), check(~(_number(rate) > 0), "invalid_value", f"{rate} is not positive")]
        typed = {"rate_date": _text("date").try_cast("date"), "currency": _text("currency"),
                 "quotes": F.array(F.struct(_text("currency").alias("currency"), _number(rate).alias("value")))}
        key = ["rate_date", "currency"]
    split = _split(raw, checks, typed, key, "dim_fx_rates", batch_id, recorded_at, raw_chars)
    quotes = split.rows.select("rate_date", LINE_COLUMN, F.explode("quotes").alias("q")).select(
        "rate_date", LINE_COLUMN, F.col("q.currency").alias("currency"), F.col("q.value").alias("value"))
    quotes = quotes.filter(F.col("value").isNotNull())
    if not is_ecb(raw):
        # The base is worth one of itself on every day with a quote (unless the file quotes it).
        base_rows = quotes.select("rate_date").distinct().select(
            "rate_date", F.lit(0).cast("bigint").alias(LINE_COLUMN), F.lit(base).alias("currency"),
            F.lit(1.0).alias("value"))
        quotes = quotes.unionByName(base_rows.join(quotes.filter(F.col("currency") == base),
                                                   ["rate_date", "currency"], "left_anti"))
    target = F.max(F.when(F.col("currency") == reporting_currency, F.col("value"))).over(
        Window.partitionBy("rate_date"))
    quotes = quotes.withColumn("_target", target)
    rates = quotes.filter(F.col("_target").isNotNull()).select(
        "rate_date", "currency", F.lit(reporting_currency).alias("reporting_currency"),
        (F.col("value") / F.col("_target")).alias("rate"), LINE_COLUMN,
    )
    orphan_lines = quotes.filter(F.col("_target").isNull() & (F.col(LINE_COLUMN) > 0)).select(LINE_COLUMN)
    orphans = raw.rows.join(orphan_lines.distinct(), LINE_COLUMN, "left_semi").select(
        LINE_COLUMN, RAW_TEXT_COLUMN, F.lit("no_reporting_rate").alias("reject_reason"),
        F.lit(f"no {reporting_currency} rate on this day").alias("reject_detail"))
    dead = split.dead_letters.unionByName(
        dead_letter_rows(orphans, raw.path, "dim_fx_rates", batch_id, recorded_at, raw_chars))
    return Validated(rates, dead)


def _bad_date(name: str) -> Check:
    return check(_text(name).isNotNull() & _text(name).try_cast("date").isNull(), "invalid_timestamp",
                 F.concat(F.lit(f"{name} is not an ISO date: "), _text(name)))


def empty_dead_letters(spark) -> DataFrame:
    return spark.createDataFrame([], DEAD_LETTER_SCHEMA)
