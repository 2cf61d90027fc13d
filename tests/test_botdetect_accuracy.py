"""Session verdicts on generator data against its ground truth, and batch independence.

One synthetic data set per module (1,500 persons x 2 days), read through the real ingest stages.
Run with ``-s`` to see the precision, recall and false-positive figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pyspark import StorageLevel
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from botdetect import BotDetectConfig, affected_sessions, refresh_verdicts, session_verdicts
from clickstitch.catalog import open_lakehouse
from clickstitch.config import ClickstitchConfig
from generator import generate
from ingest import BatchContext, dedupe_events, parse_events, read_lines, to_landing_files, valid_events

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Synthetic:
    events: DataFrame  # bronze-shaped, one row per event_id
    truth: DataFrame  # source, session_id (canonical), truth_bot, bot_kind, ua_visible
    verdicts: DataFrame  # session_verdicts over all events at once


@pytest.fixture(scope="module")
def synthetic(
    spark: SparkSession, test_config: ClickstitchConfig, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Synthetic]:
    out = tmp_path_factory.mktemp("botdetect_synth")
    generate(out, persons=1500, days=2, seed=23)
    landing = out / "landing"
    listing = [(p.absolute().as_uri(), p.stat().st_size) for p in sorted(landing.rglob("*")) if p.is_file()]
    files = to_landing_files(listing, landing)
    batch = BatchContext("botdetect-test", datetime(2026, 10, 5, tzinfo=UTC))
    # Written once and read back: the parse plan is huge, and every later reference to it would be
    # re-analysed (the batch test references the events dozens of times). Bronze is a file scan too.
    parsed = parse_events(read_lines(spark, files, test_config.ingest), test_config.ingest, batch)
    parsed.transform(valid_events).transform(dedupe_events).write.parquet(str(out / "events"))
    events = spark.read.parquet(str(out / "events")).persist(StorageLevel.MEMORY_AND_DISK)
    truth = (
        spark.read.option("header", True)
        .csv(str(Path(out) / "truth" / "sessions.csv"))
        .select(
            "source",
            F.concat_ws(":", "anonymous_id", "session_id").alias("session_id"),
            (F.col("is_bot") == "true").alias("truth_bot"),
            "bot_kind",
            (F.col("ua_visible") == "true").alias("ua_visible"),
        )
    )
    verdicts = session_verdicts(events, test_config.botdetect).persist(StorageLevel.MEMORY_AND_DISK)
    yield Synthetic(events, truth, verdicts)
    verdicts.unpersist()
    events.unpersist()


def test_precision_and_recall_on_ground_truth(synthetic: Synthetic) -> None:
    scored = synthetic.verdicts.join(synthetic.truth, ["source", "session_id"], "inner")
    groups = {
        "all bots": F.col("truth_bot"),
        "ua-visible bots": F.col("truth_bot") & F.col("ua_visible"),
        "behaviour-only bots": F.col("truth_bot") & (F.col("bot_kind") == "behaviour_only"),
        "ga4 bots (no UA, no IP)": F.col("truth_bot") & (F.col("source") == "ga4"),
    }
    flagged, human = F.col("is_bot"), ~F.col("truth_bot")
    row = scored.agg(
        F.count(F.lit(1)).alias("sessions"),
        F.count_if(human).alias("humans"),
        F.count_if(human & flagged).alias("false_positives"),
        F.count_if(flagged).alias("flagged"),
        *[F.count_if(g).alias(f"{name}:n") for name, g in groups.items()],
        *[F.count_if(g & flagged).alias(f"{name}:hit") for name, g in groups.items()],
    ).first()
    assert row is not None
    judged = synthetic.verdicts.count()
    assert row["sessions"] >= 0.99 * judged  # (a malformed-line copy can make a session truth lacks)
    precision = 1 - row["false_positives"] / row["flagged"]
    fp_rate = row["false_positives"] / row["humans"]
    print(f"\nsessions {row['sessions']}, humans {row['humans']}, flagged {row['flagged']}")
    print(f"precision {precision:.4f}, false positives {row['false_positives']} ({fp_rate:.2%} of humans)")
    recalls = {}
    for name in groups:
        recalls[name] = row[f"{name}:hit"] / row[f"{name}:n"]
        print(f"recall {name}: {recalls[name]:.4f} ({row[f'{name}:hit']}/{row[f'{name}:n']})")
    # Precision per kind: a flagged human counts against both (humans are neither kind).
    for name in ("ua-visible bots", "behaviour-only bots"):
        hits = row[f"{name}:hit"]
        print(f"precision {name}: {hits / (hits + row['false_positives']):.4f}")
    assert precision >= 0.95
    assert fp_rate <= 0.01
    assert recalls["all bots"] >= 0.95
    assert recalls["ua-visible bots"] >= 0.95
    assert recalls["behaviour-only bots"] >= 0.95


def test_behaviour_alone_still_finds_the_bots_without_user_agent(synthetic: Synthetic) -> None:
    """GA4 has no UA: the behavioural rules must stand alone. Here they do so for every source."""
    verdicts = session_verdicts(synthetic.events, BotDetectConfig(), use_user_agent=False)
    scored = verdicts.join(synthetic.truth, ["source", "session_id"], "inner")
    row = scored.agg(
        F.count_if(F.col("truth_bot") & F.col("is_bot")).alias("hit"),
        F.count_if(F.col("truth_bot")).alias("bots"),
        F.count_if(~F.col("truth_bot") & F.col("is_bot")).alias("fp"),
        F.count_if(~F.col("truth_bot")).alias("humans"),
    ).first()
    assert row is not None
    print(f"\nbehaviour only: recall {row['hit'] / row['bots']:.4f}, false positives {row['fp']}/{row['humans']}")
    assert row["hit"] / row["bots"] >= 0.9
    assert row["fp"] / row["humans"] <= 0.01


def test_verdicts_do_not_depend_on_batch_boundaries(
    spark: SparkSession, test_config: ClickstitchConfig, synthetic: Synthetic
) -> None:
    events, one_shot = synthetic.events, synthetic.verdicts
    # Cut in the middle of the longest session (a farm: its client groups are split too) and at the
    # middle of the period.
    longest = one_shot.orderBy(F.desc("page_views"), "session_id").first()
    assert longest is not None
    first_cut = longest["first_event_time"] + (longest["last_event_time"] - longest["first_event_time"]) / 2
    bounds = events.agg(F.min("event_time"), F.max("event_time")).first()
    assert bounds is not None
    second_cut = bounds[0] + (bounds[1] - bounds[0]) / 2
    cuts = sorted({first_cut, second_cut})
    time = F.col("event_time")
    batches = [
        events.where(time < F.lit(cuts[0])),
        *[events.where((time >= F.lit(a)) & (time < F.lit(b))) for a, b in zip(cuts, cuts[1:], strict=False)],
        events.where(time >= F.lit(cuts[-1])),
    ]
    spanning = (
        events.groupBy("source", "session_id")
        .agg(F.min("event_time").alias("a"), F.max("event_time").alias("b"))
        .where(F.exists(F.array(*[F.lit(c) for c in cuts]), lambda c: (F.col("a") < c) & (F.col("b") >= c)))
        .count()
    )
    assert spanning > 0  # some sessions really are cut in two

    lake = open_lakehouse(spark, test_config)
    history = events.limit(0)
    refreshed = []
    for number, batch in enumerate(batches):
        verdicts = refresh_verdicts(spark, lake, batch, test_config.botdetect, history)  # materialized
        refreshed.append(verdicts.withColumn("_batch", F.lit(number)))
        assert verdicts.count() >= affected_sessions(batch).count()
        history = history.unionByName(batch)
    latest = Window.partitionBy("source", "session_id").orderBy(F.desc("_batch"))
    combined = refreshed[0]
    for more in refreshed[1:]:
        combined = combined.unionByName(more)
    final = combined.withColumn("_n", F.row_number().over(latest)).where("_n = 1").drop("_n", "_batch")

    def rows(df: DataFrame) -> list[tuple]:
        return sorted(tuple(r) for r in df.select(*one_shot.columns).collect())

    expected, got = rows(one_shot), rows(final)
    for verdicts in refreshed:
        verdicts.unpersist()
    assert len(got) == len(expected)
    differing = [(a, b) for a, b in zip(expected, got, strict=True) if a != b]
    assert not differing, differing[:3]
