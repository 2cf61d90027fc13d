"""The Spark stage ``user_agent_signals``: what ``classify_user_agent`` says, one parse per distinct UA."""

from __future__ import annotations

import pstats
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from pyspark.sql import Row, SparkSession
from pyspark.sql import types as T

from botdetect import (
    USER_AGENT_RULES,
    USER_AGENT_SIGNAL_SCHEMA,
    BotDetectConfig,
    classify_user_agent,
    clear_user_agent_cache,
    user_agent_cache_info,
    user_agent_signals,
)
from botdetect.user_agent_stage import classify_user_agent_batch

EVENT_SCHEMA = T.StructType(
    [T.StructField("event_id", T.StringType(), False), T.StructField("user_agent", T.StringType(), True)]
)

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "UptimeRobot/2.0 (+http://www.uptimerobot.com/)",
    "curl/8.5.0",
    "hello",
    "",
    "   ",
    None,
]


def expected_row(event_id: str, ua: str | None, config: BotDetectConfig | None = None) -> Row:
    verdict = classify_user_agent(ua, config)
    return Row(
        event_id=event_id,
        user_agent=ua,
        ua_is_bot=verdict.is_bot,
        ua_bot_score=verdict.score,
        ua_bot_category=verdict.category,
        ua_bot_reasons=list(verdict.reasons),
        ua_browser=verdict.browser,
        ua_os=verdict.os,
        ua_device=verdict.device,
    )


def test_stage_equals_classify_user_agent_per_row(spark: SparkSession) -> None:
    rows = [(f"e{i}", ua) for i, ua in enumerate(USER_AGENTS * 3)]
    events = spark.createDataFrame(rows, EVENT_SCHEMA)

    result = events.transform(user_agent_signals)

    expected_schema = T.StructType(EVENT_SCHEMA.fields + USER_AGENT_SIGNAL_SCHEMA.fields)
    assert result.schema.simpleString() == expected_schema.simpleString()  # UDF outputs are nullable
    actual = sorted(result.collect(), key=lambda row: row.event_id)
    assert actual == sorted((expected_row(e, ua) for e, ua in rows), key=lambda row: row.event_id)


def test_null_user_agent_is_no_evidence_and_empty_is_a_signal(spark: SparkSession) -> None:
    events = spark.createDataFrame([("null", None), ("empty", ""), ("blank", "  ")], EVENT_SCHEMA)
    by_id = {row.event_id: row for row in events.transform(user_agent_signals).collect()}

    assert by_id["null"].asDict() == {
        "event_id": "null",
        "user_agent": None,
        "ua_is_bot": False,
        "ua_bot_score": None,
        "ua_bot_category": None,
        "ua_bot_reasons": [],
        "ua_browser": None,
        "ua_os": None,
        "ua_device": None,
    }
    for event_id in ("empty", "blank"):
        assert by_id[event_id].ua_is_bot is True
        assert by_id[event_id].ua_bot_reasons == ["ua_empty"]
        assert by_id[event_id].ua_device == "bot"


def test_stage_uses_the_config_and_another_column(spark: SparkSession) -> None:
    only_library = {name: {"enabled": False} for name in USER_AGENT_RULES if name != "ua_library_bot"}
    config = BotDetectConfig.model_validate(dict(threshold=0.99, rules=only_library))
    rows = [(f"e{i}", ua) for i, ua in enumerate(USER_AGENTS)]
    events = spark.createDataFrame(rows, EVENT_SCHEMA).withColumnRenamed("user_agent", "ua")

    result = user_agent_signals(events, ua_column="ua", config=config).withColumnRenamed("ua", "user_agent")

    actual = sorted(result.collect(), key=lambda row: row.event_id)
    assert actual == sorted((expected_row(e, ua, config) for e, ua in rows), key=lambda row: row.event_id)
    assert not any(row.ua_is_bot for row in actual)  # 0.99 is out of reach for ua_library_bot alone (0.9)


def test_batch_classifier_parses_each_distinct_user_agent_once() -> None:
    clear_user_agent_cache()
    distinct = [f"Mozilla/5.0 (X11; Linux x86_64) BatchTest/{i}.0" for i in range(5)]
    config = BotDetectConfig()
    batches = [pd.Series((distinct + [None]) * 20), pd.Series(distinct[::-1] * 7)]

    frames = [classify_user_agent_batch(batch, config) for batch in batches]

    assert user_agent_cache_info().misses == len(distinct)
    assert list(frames[0].columns) == USER_AGENT_SIGNAL_SCHEMA.fieldNames()
    assert [len(frame) for frame in frames] == [len(batch) for batch in batches]
    assert frames[0]["ua_bot_score"].isna().sum() == 20  # the null UAs, and only them


@contextmanager
def spark_conf(spark: SparkSession, settings: dict[str, str]) -> Iterator[None]:
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, previous in before.items():
            if previous is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, previous)


def test_spark_stage_parses_each_distinct_user_agent_once(
    spark: SparkSession, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # UAs no worker has seen before, many rows each, in one partition cut into many Arrow batches.
    run = uuid.uuid4().hex
    distinct = [f"Mozilla/5.0 (X11; Linux x86_64) StageTest/{run}/{i}" for i in range(6)] + [f"curl/{run}"]
    rows = [(f"e{i}", distinct[i % len(distinct)]) for i in range(140)] + [("e-null", None)]
    events = spark.createDataFrame(rows, EVENT_SCHEMA).coalesce(1)

    settings = {
        "spark.sql.pyspark.udf.profiler": "perf",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "10",
    }
    with spark_conf(spark, settings):
        spark.profile.clear(type="perf")
        result = events.transform(user_agent_signals)
        capsys.readouterr()
        result.explain()
        plan = capsys.readouterr().out
        collected = result.collect()
        spark.profile.dump(str(tmp_path), type="perf")
        spark.profile.clear(type="perf")

    assert len(collected) == len(rows)
    assert plan.count("ArrowEvalPython") == 1  # one UDF evaluation feeds all seven columns
    dumps = sorted(tmp_path.glob("udf_*_perf.pstats"))
    if not dumps:
        pytest.fail(f"no UDF profile written to {tmp_path}: {list(tmp_path.iterdir())}")
    stats = pstats.Stats(*map(str, dumps)).stats  # type: ignore[attr-defined]
    parses = sum(
        calls[1]
        for (filename, _, function), calls in stats.items()
        if function == "_compute_signals" and filename.endswith("user_agent.py")
    )
    batches = sum(
        calls[1] for (_, _, function), calls in stats.items() if function == "classify_user_agent_batch"
    )
    assert batches >= 10  # the cache, not the batch, is what saved the re-parses
    assert parses == len(distinct)
