"""Spark stage: the user-agent half of bot detection, as columns on the events.

The classifier runs in a pandas UDF over Arrow batches: each batch is factorized to its distinct
UAs, only those are classified, and the per-process cache (``botdetect.user_agent``) means a UA
seen in an earlier batch on the same Python worker is not parsed again. There is no shuffle and
no aggregation, so a stream (micro-batch or not) and a backfill run the same code.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.functions import pandas_udf

from botdetect.config import BotDetectConfig
from botdetect.user_agent import NO_USER_AGENT, UserAgentVerdict, classify_user_agent

USER_AGENT_SIGNAL_SCHEMA = T.StructType(
    [
        T.StructField("ua_is_bot", T.BooleanType(), False),
        T.StructField("ua_bot_score", T.DoubleType(), True),
        T.StructField("ua_bot_category", T.StringType(), True),
        T.StructField("ua_bot_reasons", T.ArrayType(T.StringType(), False), False),
        T.StructField("ua_browser", T.StringType(), True),
        T.StructField("ua_os", T.StringType(), True),
        T.StructField("ua_device", T.StringType(), True),
    ]
)
"""The columns ``user_agent_signals`` adds, in order."""

USER_AGENT_SIGNAL_COLUMNS = tuple(USER_AGENT_SIGNAL_SCHEMA.fieldNames())

_STRUCT_COLUMN = "__botdetect_ua_verdict"


def verdict_frame(verdicts: Iterable[UserAgentVerdict]) -> pd.DataFrame:
    """Verdicts as a pandas frame with the columns of ``USER_AGENT_SIGNAL_SCHEMA``."""
    rows = [(v.is_bot, v.score, v.category, list(v.reasons), v.browser, v.os, v.device) for v in verdicts]
    frame = pd.DataFrame.from_records(rows, columns=list(USER_AGENT_SIGNAL_COLUMNS))
    frame["ua_is_bot"] = frame["ua_is_bot"].astype(bool)
    frame["ua_bot_score"] = frame["ua_bot_score"].astype("float64")
    return frame


def classify_user_agent_batch(user_agents: pd.Series, config: BotDetectConfig) -> pd.DataFrame:
    """Classify a batch of UAs, calling the classifier once per distinct UA in the batch."""
    codes, distinct = pd.factorize(user_agents, use_na_sentinel=True)
    # One verdict per distinct UA, then the no-UA verdict last, where the -1 codes point.
    verdicts = [classify_user_agent(str(ua), config) for ua in distinct] + [NO_USER_AGENT]
    frame = verdict_frame(verdicts)
    return frame.iloc[codes].reset_index(drop=True)


def user_agent_verdict_column(ua: Column, config: BotDetectConfig) -> Column:
    """A struct column (``USER_AGENT_SIGNAL_SCHEMA``) with the verdict for the UA column ``ua``."""

    @pandas_udf(USER_AGENT_SIGNAL_SCHEMA)  # type: ignore[call-overload]
    def classify(user_agents: pd.Series) -> pd.DataFrame:
        return classify_user_agent_batch(user_agents, config)

    return classify(ua)


def user_agent_signals(
    df: DataFrame, ua_column: str = "user_agent", config: BotDetectConfig | None = None
) -> DataFrame:
    """Add the user-agent bot signals to every row of ``df``.

    Needs: ``ua_column`` (string, nullable).

    Adds:
      - ``ua_is_bot`` (boolean, never null): the UA alone says bot (``ua_bot_score >= threshold``).
      - ``ua_bot_score`` (double): noisy-OR of the weights of the enabled rules that fired, in [0, 1].
      - ``ua_bot_category`` (string): a ``botdetect.categories`` name for bots; null for humans.
      - ``ua_bot_reasons`` (array<string>, never null): names of the rules that fired.
      - ``ua_browser``, ``ua_os`` (string): ua-parser families (``Other`` when unknown).
      - ``ua_device`` (string): desktop, mobile, tablet, bot or other.

    A null UA (GA4 sends none) has no evidence: ``ua_is_bot`` false, ``ua_bot_reasons`` empty and
    every other ``ua_*`` column null, so behavioural rules must stand alone there. An empty or
    blank UA string is different: it fires the ``ua_empty`` rule.
    """
    config = config or BotDetectConfig()
    verdict = user_agent_verdict_column(F.col(ua_column), config)
    return (
        df.withColumn(_STRUCT_COLUMN, verdict)
        .withColumns({name: F.col(f"{_STRUCT_COLUMN}.{name}") for name in USER_AGENT_SIGNAL_COLUMNS})
        .drop(_STRUCT_COLUMN)
    )
