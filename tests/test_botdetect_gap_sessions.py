"""Sessions of events without a session id: botdetect cuts the sessions metrics counts, and judges them.

The pure tests compare ``with_gap_sessions`` (bronze's raw ids) with metrics' ``assign_sessions`` (silver's
hashed ids) on a hand-made frame, and check the ids an earlier cut had. The pipeline test runs Segment lines
without session ids through ``run_batch``: a Googlebot visitor's gap sessions are flagged in silver,
``bot_sessions`` and ``sessions``; a later micro-batch moves a session's start and bridges two sessions, and
the stream equals a backfill of the same files with no obsolete ``bot_sessions`` row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from botdetect import (
    BOT_SESSIONS,
    GAP_SESSION_PREFIX,
    BotDetectConfig,
    apply_verdicts,
    session_verdicts,
    superseded_gap_sessions,
    with_gap_sessions,
)
from clickstitch.catalog import EVENTS_SILVER, open_lakehouse
from clickstitch.config import ClickstitchConfig
from clickstitch.drivers import run_backfill
from clickstitch.pipeline import FileSource, run_batch
from clickstitch.sinks import StreamSink
from ingest import to_landing_files
from lakehouse import Lakehouse
from metrics import SESSIONS, assign_sessions
from privacy.hashing import keyed_hash_column, normalize_identifier_column
from tests.frames import assert_same_rows
from tests.test_stream_backfill import VOLATILE

GAP = 1800
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 "
          "Safari/537.36")
T0 = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
RAW_COLUMNS = ("event_id string, source string, session_id string, anonymous_id string, device_id string, "
               "user_id string, event_time timestamp")


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


# (event_id, source, session_id, anonymous_id, device_id, user_id, seconds after T0), and the sessions expected
EVENTS = [
    # anon-a: exactly the gap apart stays one session, one microsecond more opens the next
    ("a1", "segment", None, "anon-a", None, None, 0),
    ("a2", "segment", None, "anon-a", None, None, GAP),
    ("a3", "segment", None, " anon-a\t", None, None, 2 * GAP + 0.000001),  # trimmed: the same visitor
    ("a4", "segment", None, "anon-a", "dev-x", None, 3 * GAP - 1),  # anonymous id first, device ignored
    # a source session between two gap sessions neither joins nor bridges them
    ("a5", "segment", None, "anon-a", None, None, 6 * GAP),
    ("s1", "segment", "anon-a:77", "anon-a", None, None, 6.6 * GAP),
    ("a6", "segment", None, "anon-a", None, None, 7.2 * GAP),
    # the same anonymous id in another source is another visitor
    ("g1", "ga4", None, "anon-a", None, None, 60),
    # a device-only visitor (a blank anonymous id is absent), and a user-only one
    ("d1", "segment", None, None, "dev-1", None, 0),
    ("d2", "segment", None, "   ", "dev-1", "user-9", GAP - 1),
    ("u1", "segment", None, None, None, "user-1", 10),
    ("u2", "segment", None, None, None, "user-1", 10 + GAP + 1),
    # ties in time are ordered by event id
    ("t2", "segment", None, "anon-t", None, None, 0),
    ("t1", "segment", None, "anon-t", None, None, 0),
    # no session id and no visitor: no session
    ("n1", "segment", None, None, None, None, 0),
    ("n2", "segment", None, "", None, None, 5),
]
EXPECTED_SESSIONS = [{"a1", "a2"}, {"a3", "a4"}, {"a5"}, {"s1"}, {"a6"}, {"g1"}, {"d1", "d2"}, {"u1"}, {"u2"},
                     {"t1", "t2"}]


def _raw(spark: SparkSession, rows: list[tuple]) -> DataFrame:
    return spark.createDataFrame([(*r[:6], _at(r[6])) for r in rows], RAW_COLUMNS)


def _sessions(rows: list, session: str) -> tuple[set[frozenset[str]], set[str]]:
    """The partition of the event ids by ``session``, and the events without one."""
    groups: dict[str | None, set[str]] = defaultdict(set)
    for row in rows:
        groups[row[session]].add(row["event_id"])
    without = groups.pop(None, set())
    return {frozenset(g) for g in groups.values()}, without


def test_gap_sessions_are_the_sessions_metrics_cuts(spark: SparkSession) -> None:
    raw = _raw(spark, EVENTS)
    key = b"gap-test-key"
    hashed = raw.select(
        "event_id", "source", "event_time",
        *[keyed_hash_column(normalize_identifier_column(c, F.col(c)), key).alias(f"{c}_hash")
          for c in ("session_id", "anonymous_id", "device_id", "user_id")],
    )
    ours = with_gap_sessions(raw, GAP).collect()
    theirs = assign_sessions(hashed, GAP).collect()

    expected = ({frozenset(s) for s in EXPECTED_SESSIONS}, {"n1", "n2"})
    assert _sessions(ours, "session_id") == expected
    assert _sessions(theirs, "_session_id") == expected
    ids = {r["event_id"]: r["session_id"] for r in ours}
    assert ids["s1"] == "anon-a:77", "a source session keeps its id"
    assert all(ids[e].startswith(GAP_SESSION_PREFIX) for e in ("a1", "a3", "d1", "u1", "t1", "g1"))
    assert len(ours) == len(EVENTS)


def test_superseded_gap_sessions_are_the_ids_earlier_cuts_had(spark: SparkSession) -> None:
    minute = 60
    first = [("v1", "segment", None, "anon-v", None, None, 10 * minute),
             ("v2", "segment", None, "anon-v", None, None, 20 * minute),
             ("v3", "segment", None, "anon-v", None, None, 60 * minute),  # 40 minutes later: a second session
             ("w1", "segment", None, "anon-w", None, None, 30 * minute)]
    # earlier than v1 within the gap (the first session's start moves), and between v2 and v3 (bridges them)
    later = [("v0", "segment", None, "anon-v", None, None, -10 * minute),
             ("vb", "segment", None, "anon-v", None, None, 40 * minute)]
    before = {r["event_id"]: r["session_id"] for r in with_gap_sessions(_raw(spark, first), GAP).collect()}
    cut = with_gap_sessions(_raw(spark, first + later), GAP)
    after = {r["event_id"]: r["session_id"] for r in cut.collect()}
    assert len({after[e] for e in ("v0", "v1", "v2", "vb", "v3")}) == 1 and after["w1"] == before["w1"]

    superseded = superseded_gap_sessions(cut, cut.select("source", "session_id").distinct()).collect()
    dropped = {r["session_id"] for r in superseded}
    assert {before["v1"], before["v3"]} <= dropped, "both ids of the earlier cut are superseded"
    assert not dropped & set(after.values()), "no current session is superseded"
    assert {r["session_date"] for r in superseded} == {date(2026, 10, 1)}


def test_session_verdicts_judge_gap_sessions_and_apply_verdicts_labels_their_events(spark: SparkSession) -> None:
    hits = [("b1", "bot-1", 0, GOOGLEBOT), ("b2", "bot-1", 300, GOOGLEBOT), ("b3", "bot-1", 300 + GAP + 1, GOOGLEBOT),
            ("h1", "human-1", 0, CHROME), ("h2", "human-1", 60, CHROME)]
    events = spark.createDataFrame(
        [(e, "segment", None, visitor, None, None, _at(t), "page", "page_view", f"https://shop.example.com/{e}", None,
          "198.51.100.7" if visitor == "bot-1" else "81.2.69.1", agent) for e, visitor, t, agent in hits],
        f"{RAW_COLUMNS}, event_type string, event_name string, page_url string, page_referrer string, ip string, "
        "user_agent string")
    verdicts = session_verdicts(events, BotDetectConfig())
    judged = sorted((r["anonymous_id"], r["event_count"], r["is_bot"], r["bot_category"]) for r in verdicts.collect())
    assert judged == [("bot-1", 1, True, "search_engine"), ("bot-1", 2, True, "search_engine"),
                      ("human-1", 2, False, None)]
    assert all(r["session_id"].startswith(GAP_SESSION_PREFIX) for r in verdicts.collect())

    session_ids = with_gap_sessions(events, GAP).select("event_id", "session_id")
    labelled = {r["event_id"]: r["is_bot"] for r in apply_verdicts(events, verdicts, session_ids).collect()}
    assert labelled == {"b1": True, "b2": True, "b3": True, "h1": False, "h2": False}
    unlabelled = {r["event_id"]: r["is_bot"] for r in apply_verdicts(events, verdicts).collect()}
    assert not any(unlabelled.values()), "without the derived ids the events have no session to take a verdict from"


# -- through the pipeline -----------------------------------------------------------------------------------

DAY = date(2026, 10, 1)
BOT_PAGES_FIRST = ["10:10", "10:15", "10:20", "11:00", "11:05"]  # two gap sessions (40 minutes apart)
BOT_PAGES_LATER = ["09:50", "10:40"]  # moves the first one's start, then bridges the two


def _segment(message_id: str, anonymous_id: str, clock: str, user_agent: str, ip: str, kind: str = "page") -> str:
    """A Segment message without context.sessionId (nor properties.session_id): a session only by inactivity."""
    at = f"{DAY.isoformat()}T{clock}:00.000Z"
    record: dict[str, object] = {
        "type": kind, "messageId": message_id, "anonymousId": anonymous_id, "userId": None, "timestamp": at,
        "receivedAt": at, "context": {"ip": ip, "userAgent": user_agent, "page": {
            "path": f"/p/{message_id}", "title": "Shop", "url": f"https://shop.example.com/p/{message_id}"}}}
    if kind == "page":
        record["name"] = "Product"
    else:
        record["event"] = kind
        record["type"] = "track"
    return json.dumps(record)


def _landing(root: Path) -> tuple[Path, list[Path]]:
    folder = root / "landing" / "segment" / DAY.isoformat()
    folder.mkdir(parents=True)
    bot = [_segment(f"bot-{c}", "bot-1", c, GOOGLEBOT, "66.249.66.1") for c in BOT_PAGES_FIRST]
    human = [_segment("human-1", "human-1", "10:00", CHROME, "81.2.69.1"),
             _segment("human-2", "human-1", "10:02", CHROME, "81.2.69.1"),
             _segment("human-3", "human-1", "10:03", CHROME, "81.2.69.1", kind="Button Clicked")]
    later = [_segment(f"bot-{c}", "bot-1", c, GOOGLEBOT, "66.249.66.1") for c in BOT_PAGES_LATER]
    files = [folder / "segment_20261001_000.jsonl", folder / "segment_20261001_001.jsonl"]
    files[0].write_text("\n".join(bot + human) + "\n")
    files[1].write_text("\n".join(later) + "\n")
    return root / "landing", files


def _lake(spark: SparkSession, test_config: ClickstitchConfig, root: Path, landing: Path) -> tuple[
        Lakehouse, ClickstitchConfig]:
    # Quality checks are off: they do not touch verdicts, and GX would double the test's time.
    config = test_config.with_overrides({"lake.root": str(root), "landing": str(landing), "quality.enabled": False})
    lake = open_lakehouse(spark, config)
    lake.ensure_all()
    return lake, config


def _source(landing: Path, file: Path) -> FileSource:
    return FileSource(tuple(to_landing_files([(file.as_uri(), file.stat().st_size)], landing)))


def _bot_flags(lake: Lakehouse) -> dict[str, bool]:
    return {r["event_id"]: r["is_bot"] for r in lake.read(EVENTS_SILVER).collect()}


@pytest.mark.slow
def test_gap_sessions_are_judged_through_the_pipeline_and_a_stream_equals_a_backfill(
        spark: SparkSession, test_config: ClickstitchConfig, tmp_path: Path) -> None:
    landing, files = _landing(tmp_path)
    stream, config = _lake(spark, test_config, tmp_path / "stream", landing)

    run_batch(spark, stream, config, _source(landing, files[0]), StreamSink("gap-test", 0))
    flags = _bot_flags(stream)
    assert flags == {**{f"bot-{c}": True for c in BOT_PAGES_FIRST}, **{f"human-{n}": False for n in (1, 2, 3)}}
    flagged = stream.read(BOT_SESSIONS).collect()
    assert len(flagged) == 2 and all(r["session_id"].startswith(GAP_SESSION_PREFIX) for r in flagged)
    assert {(r["event_count"], r["bot_category"], r["anonymous_id"]) for r in flagged} == {
        (3, "search_engine", "bot-1"), (2, "search_engine", "bot-1")}
    sessions = stream.read(SESSIONS).collect()
    assert sorted((r["session_cut"], r["event_count"], r["is_bot"]) for r in sessions) == [
        ("inactivity_gap", 2, True), ("inactivity_gap", 3, False), ("inactivity_gap", 3, True)]

    run_batch(spark, stream, config, _source(landing, files[1]), StreamSink("gap-test", 1))
    flagged = stream.read(BOT_SESSIONS).collect()
    assert [(r["event_count"], r["is_bot"]) for r in flagged] == [(7, True)], "the two earlier ids are gone"
    assert all(_bot_flags(stream)[f"bot-{c}"] for c in BOT_PAGES_FIRST + BOT_PAGES_LATER)

    backfill, backfill_config = _lake(spark, test_config, tmp_path / "backfill", landing)
    run_backfill(spark, backfill, backfill_config, DAY, DAY)
    for table in (BOT_SESSIONS, EVENTS_SILVER, SESSIONS):
        assert_same_rows(stream.read(table), backfill.read(table), ignore=VOLATILE[table.name])
    bot_session = backfill.read(SESSIONS).where("is_bot").collect()
    assert [(r["session_cut"], r["event_count"], r["bot_category"]) for r in bot_session] == [
        ("inactivity_gap", 7, "search_engine")]
