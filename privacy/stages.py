"""Spark stages: scrub free-text and URL columns on Arrow batches, count what was replaced.

The analyzer is built once per Python worker (``privacy.engine.get_engine``) and fed whole Arrow
batches of distinct values: each distinct string of a batch (all scrubbed columns, all partitions) is
analyzed once, strings the pre-filter rules out skip NER.
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.functions import pandas_udf

from privacy.config import PrivacyConfig
from privacy.engine import PrivacyEngine, ScrubResult, get_engine
from privacy.urls import free_text_values, replace_free_text_values, scrub_url_counted

PII_COUNTS_COLUMN = "pii_entity_counts"
PII_COUNTS_TYPE = "array<struct<field:string,entity_type:string,count:int>>"
_SCRUBBED_TYPE = "text string, entity_counts array<struct<entity_type:string,count:int>>"


def scrub_free_text(df: DataFrame, columns: list[str], config: PrivacyConfig | None = None) -> DataFrame:
    """Replace PII in the given string columns with ``<ENTITY_TYPE>`` placeholders.

    Needs: every column in ``columns`` (string; null stays null). Columns named in
    ``config.url_fields`` get the URL rules (``scrub_url``), the others Presidio + spaCy NER.
    Adds (or extends, when present): ``pii_entity_counts`` array<struct<field, entity_type, count>>,
    per row the number of replaced entities per column and type; never the replaced text.

    Each distinct string of the batch is analyzed once, whatever the partitioning: the non-null values
    of all text columns (and, apart, of all URL columns) are made distinct in Spark (one shuffle), the
    Arrow UDF runs on the distinct values, and every column is joined back to them on the value.
    """
    config = config or PrivacyConfig()
    missing = [name for name in columns if name not in df.columns]
    if missing:
        raise ValueError(f"scrub_free_text: columns not in the DataFrame: {missing}")
    config_json = config.model_dump_json()
    kinds = {name: name in config.url_fields for name in columns}
    scrubbed_values = {
        url: _scrubbed_distinct_values(df, [name for name, is_url in kinds.items() if is_url == url], url, config_json)
        for url in set(kinds.values())
    }
    joined = df
    for index, (name, url) in enumerate(kinds.items()):
        # Qualified names: the same distinct-values frame joins once per column of its kind.
        side = f"__pii_scrubbed_{index}"
        joined = joined.join(scrubbed_values[url].alias(side), F.col(name) == F.col(f"{side}.{_VALUE}"), "left").select(
            *[F.col(f"`{column}`") for column in joined.columns],
            F.col(f"{side}.{_RESULT}").alias(f"__pii_result_{index}"),
        )
    results = {name: F.col(f"__pii_result_{index}") for index, name in enumerate(kinds)}
    # The value always finds its result (same lineage); an empty count list for null values.
    no_counts = F.array().cast("array<struct<entity_type:string,count:int>>")
    new_counts = [
        _label_counts(F.coalesce(result["entity_counts"], no_counts), name) for name, result in results.items()
    ]
    previous = [F.col(PII_COUNTS_COLUMN)] if PII_COUNTS_COLUMN in df.columns else [F.array().cast(PII_COUNTS_TYPE)]
    return joined.withColumns(
        {
            **{name: result["text"] for name, result in results.items()},
            PII_COUNTS_COLUMN: F.concat(*previous, *new_counts).cast(PII_COUNTS_TYPE),
        }
    ).drop(*[f"__pii_result_{index}" for index in range(len(kinds))])


_VALUE = "__pii_value"
_RESULT = "__pii_result"


def _scrubbed_distinct_values(df: DataFrame, columns: list[str], url: bool, config_json: str) -> DataFrame:
    """__pii_value, __pii_result: each distinct non-null value of ``columns`` once, with its scrub result."""
    values = df.select(F.explode(F.array(*columns)).alias(_VALUE))  # one pass over df for all the columns
    # Spread over every core: a batch's distinct strings are few bytes (AQE would coalesce them into one
    # task) but about a millisecond each to analyze. The distinct then needs no other shuffle.
    cores = df.sparkSession.sparkContext.defaultParallelism
    distinct = values.where(F.col(_VALUE).isNotNull()).repartition(cores, F.col(_VALUE)).distinct()
    return distinct.select(_VALUE, _scrub_column(F.col(_VALUE), url=url, config_json=config_json).alias(_RESULT))


def pii_audit_counts(df: DataFrame) -> DataFrame:
    """Entities replaced per field and entity type, summed over ``df`` (one micro-batch).

    Needs: ``pii_entity_counts`` from ``scrub_free_text``. Returns columns field, entity_type,
    entities (long), rows (long, rows with at least one such entity): counts only, never values.
    """
    exploded = df.select(F.explode(PII_COUNTS_COLUMN).alias("finding")).select("finding.*")
    return exploded.groupBy("field", "entity_type").agg(
        F.sum("count").cast("long").alias("entities"), F.count(F.lit(1)).alias("rows")
    )


def _label_counts(entity_counts: Column, field: str) -> Column:
    return F.transform(
        entity_counts,
        lambda item: F.struct(
            F.lit(field).alias("field"),
            item["entity_type"].alias("entity_type"),
            item["count"].alias("count"),
        ),
    )


def _scrub_column(col: Column, url: bool, config_json: str) -> Column:
    @pandas_udf(_SCRUBBED_TYPE)  # type: ignore[call-overload]
    def scrub_batch(texts: pd.Series) -> pd.DataFrame:
        rows = texts.tolist()
        present = [index for index, text in enumerate(rows) if isinstance(text, str)]
        values = [rows[index] for index in present]
        engine = get_engine(_config(config_json))
        results = scrub_urls_batch(values, engine) if url else engine.scrub_batch(values)
        scrubbed: list[str | None] = [None] * len(rows)
        counts: list[list[dict[str, object]]] = [[] for _ in rows]
        for index, result in zip(present, results, strict=True):
            scrubbed[index] = result.text
            counts[index] = [
                {"entity_type": entity, "count": count} for entity, count in sorted(result.entity_counts.items())
            ]
        return pd.DataFrame({"text": scrubbed, "entity_counts": counts}, index=texts.index)

    return scrub_batch(col)


def scrub_urls_batch(urls: list[str], engine: PrivacyEngine) -> list[ScrubResult]:
    """URL rules, then the analyzer on the decoded free-text query values (``?q=gift+for+maria+lopez``).

    Each distinct URL and each distinct free-text value of the batch is processed once.
    """
    distinct = {url: scrub_url_counted(url) for url in dict.fromkeys(urls)}
    texts = list(dict.fromkeys(v for text, _ in distinct.values() for v in free_text_values(text)))
    found = dict(zip(texts, engine.scrub_batch(texts), strict=True))
    results: dict[str, ScrubResult] = {}
    for url, (text, counts) in distinct.items():
        counts = Counter(counts)
        values = [v for v in free_text_values(text) if found[v].entity_counts]
        if values:
            for value in values:
                counts.update(found[value].entity_counts)
            text = replace_free_text_values(text, {v: found[v].text for v in values})
        results[url] = ScrubResult(text, dict(counts))
    return [results[url] for url in urls]


@lru_cache(maxsize=8)
def _config(config_json: str) -> PrivacyConfig:
    return PrivacyConfig.model_validate_json(config_json)
