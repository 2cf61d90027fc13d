"""Scrub the values of a string map (event ``properties``) on Arrow batches, one UDF call per batch.

Per key, by what the key names (the URL key rules, ``privacy.urls.key_entity``):

* e-mail / phone keys (``email``, ``customer_email``, ``phone``): the ``email`` / ``phone`` field policy:
  ``hash`` = keyed hash of the normalized value (a value that does not normalize is scrubbed instead),
  ``drop`` = key removed, ``scrub`` = like any other value;
* other sensitive keys (``first_name``, ``address``, ``zip``, ``password``...): value replaced by its
  ``<ENTITY_TYPE>`` placeholder whatever it holds;
* every other value: URLs (``http(s)://``) by the URL rules, the rest by the analyzer (each distinct
  value of the batch analyzed once); values over ``max_value_chars`` become ``<OVERSIZED_VALUE>``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
from pyspark.sql import Column
from pyspark.sql.functions import pandas_udf

from privacy.config import PrivacyConfig
from privacy.engine import get_engine
from privacy.hashing import keyed_hash, normalize_email, normalize_phone
from privacy.stages import scrub_urls_batch
from privacy.urls import key_entity

OVERSIZED = "OVERSIZED_VALUE"
_SCRUBBED_MAP_TYPE = (
    "properties map<string,string>, entity_counts array<struct<entity_type:string,count:int>>"
)


def scrub_map_column(col: Column, config: PrivacyConfig, hash_key: bytes) -> Column:
    """A struct (properties: the scrubbed map, entity_counts: replaced entities per type) per row.

    Null maps stay null. The hash key travels inside the UDF, as the hash literals do in
    ``keyed_hash_column``.
    """
    config_json = config.model_dump_json()
    key = bytes(hash_key)

    @pandas_udf(_SCRUBBED_MAP_TYPE)  # type: ignore[call-overload]
    def scrub_maps(maps: pd.Series) -> pd.DataFrame:
        rows = [_items(value) for value in maps.tolist()]
        results = scrub_maps_python(rows, _config(config_json), key)
        return pd.DataFrame(
            {
                "properties": [None if r is None else r[0] for r in results],
                "entity_counts": [
                    [] if r is None else [{"entity_type": e, "count": n} for e, n in sorted(r[1].items())]
                    for r in results
                ],
            },
            index=maps.index,
        )

    return scrub_maps(col)


def scrub_maps_python(
    rows: list[list[tuple[str, str | None]] | None], config: PrivacyConfig, hash_key: bytes
) -> list[tuple[dict[str, str | None], Counter[str]] | None]:
    """The UDF's work on plain Python values (tested directly)."""
    text_values: list[str] = []
    url_values: list[str] = []
    plans: list[list[tuple[str, str, Any]] | None] = []  # per row: (key, how, payload)
    for items in rows:
        if items is None:
            plans.append(None)
            continue
        plan = []
        for name, value in items:
            how, payload = _plan(name, value, config, hash_key)
            if how == "text":
                text_values.append(payload)
            elif how == "url":
                url_values.append(payload)
            plan.append((name, how, payload))
        plans.append(plan)
    engine = get_engine(config)
    texts = dict(zip(dict.fromkeys(text_values), engine.scrub_batch(list(dict.fromkeys(text_values))), strict=True))
    distinct_urls = list(dict.fromkeys(url_values))
    urls = {
        url: (result.text, Counter(result.entity_counts))
        for url, result in zip(distinct_urls, scrub_urls_batch(distinct_urls, engine), strict=True)
    }
    results: list[tuple[dict[str, str | None], Counter[str]] | None] = []
    for row_plan in plans:
        if row_plan is None:
            results.append(None)
            continue
        scrubbed: dict[str, str | None] = {}
        counts: Counter[str] = Counter()
        for name, how, payload in row_plan:
            if how == "text":
                result = texts[payload]
                scrubbed[name] = result.text
                counts.update(result.entity_counts)
            elif how == "url":
                text, found = urls[payload]
                scrubbed[name] = text
                counts.update(found)
            elif how == "drop":
                counts[payload] += 1
            elif how == "replaced":
                entity, value = payload
                scrubbed[name] = value
                counts[entity] += 1
            else:  # keep (null values, policy keep)
                scrubbed[name] = payload
        results.append((scrubbed, counts))
    return results


def _plan(name: str, value: str | None, config: PrivacyConfig, hash_key: bytes) -> tuple[str, Any]:
    if value is None:
        return "keep", None
    entity = key_entity(name)
    if entity in ("EMAIL_ADDRESS", "PHONE_NUMBER"):
        policy = config.policy_for("email" if entity == "EMAIL_ADDRESS" else "phone")
        if policy == "drop":
            return "drop", entity
        if policy == "hash":
            normalized = (
                normalize_email(value)
                if entity == "EMAIL_ADDRESS"
                else normalize_phone(value, config.default_phone_region)
            )
            if normalized is not None:
                return "replaced", (entity, keyed_hash(normalized, hash_key))
    elif entity is not None:
        return "replaced", (entity, f"<{entity}>")
    if config.policy_for("properties") == "keep":
        return "keep", value
    if len(value) > config.max_value_chars:
        return "replaced", (OVERSIZED, f"<{OVERSIZED}>")
    if value.startswith(("http://", "https://")):
        return "url", value
    return "text", value


def _items(value: Any) -> list[tuple[str, str | None]] | None:
    """Arrow hands a map to pandas as a list of (key, value) pairs (a dict in some versions)."""
    if value is None:
        return None
    pairs: Iterable[Any] = value.items() if isinstance(value, dict) else value
    return [(str(k), v) for k, v in pairs]


@lru_cache(maxsize=8)
def _config(config_json: str) -> PrivacyConfig:
    return PrivacyConfig.model_validate_json(config_json)
