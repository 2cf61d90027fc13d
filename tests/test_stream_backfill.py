"""End to end on generated exports: stream == backfill, exactly-once across crashes, nothing lost.

Runs real Structured Streaming queries (in process, and as killed/restarted `clickstitch stream`
processes) over a landing folder written by the generator, against real Delta tables.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from deltalake import DeltaTable
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from botdetect.tables import BOT_SESSIONS
from clickstitch.catalog import EVENTS_SILVER
from clickstitch.drivers import run_backfill, start_stream
from clickstitch.faults import CRASH_ENV, CRASH_EXIT_CODE
from clickstitch.pipeline import FileSource, run_batch
from clickstitch.sinks import StreamSink
from enrich import EVENT_ITEMS
from identity.store import current_map
from identity.tables import CUSTOMER_PROFILES
from ingest import to_landing_files
from ingest.landing import landing_uri
from lakehouse import DEAD_LETTER, EVENTS_BRONZE, INGEST_BATCHES, Lakehouse
from metrics import CATEGORY_METRICS, SESSIONS
from privacy import forget, keyed_hash
from privacy.hashing import normalize_email
from privacy.tables import EVENTS_DAILY_K_ANON, FORGET_RECEIPTS
from sql import register_views
from tests.backends import TEST_BACKEND
from tests.conftest import BACKFILL_RANGE as RANGE
from tests.conftest import copy_of_backfill, lake_for
from tests.frames import assert_same_rows, frozen_rows, parquet_text

pytestmark = pytest.mark.slow

VOLATILE = {
    EVENTS_BRONZE.name: ["batch_id", "ingested_at"],
    DEAD_LETTER.name: ["batch_id", "recorded_at"],
    # silver's person_id is the person at ingest time; the current one (events_stitched) is compared below.
    EVENTS_SILVER.name: ["batch_id", "ingested_at", "person_id"],
    CUSTOMER_PROFILES.name: ["updated_at"],
    EVENTS_DAILY_K_ANON.name: [],
    BOT_SESSIONS.name: [],
    EVENT_ITEMS.name: [],
    # person_id is the person at ingest time (as in silver); is_final depends on the watermark when the day
    # was last recomputed; sketch bytes may depend on insertion order (their estimates are compared).
    SESSIONS.name: ["person_id"],
    CATEGORY_METRICS.name: ["visitors_sketch", "persons_sketch", "persons", "is_final"],
}
HUMAN_AGENT = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 "
               "Safari/537.36")
# generator's malformed kinds -> the dead-letter reason they must get
EXPECTED_REASON = {
    "truncated_json": {"invalid_json"}, "wrong_type": {"wrong_type"}, "missing_id": {"missing_id"},
    "invalid_timestamp": {"invalid_timestamp"}, "future_timestamp": {"future_timestamp"},
    "non_utf8": {"invalid_utf8"}, "unknown_event_type": {"unknown_event_type"},
}


def stitched_persons(spark: SparkSession, lake: Lakehouse) -> list[tuple]:
    """Each event with its current person (the events_stitched view), as comparable rows."""
    register_views(spark, lake)
    return frozen_rows(spark.table("events_stitched"), ["event_id", "current_person_id"])


def same_tables(actual: Lakehouse, expected: Lakehouse) -> None:
    for table, volatile in VOLATILE.items():
        assert_same_rows(actual.read(table), expected.read(table), ignore=volatile)
    # The identity logs differ by batching; the persons they resolve to must not.
    columns = ["identifier_type", "identifier_hash", "person_id"]
    assert_same_rows(current_map(actual).select(*columns), current_map(expected).select(*columns))
    spark = actual.read(EVENTS_BRONZE).sparkSession
    assert stitched_persons(spark, actual) == stitched_persons(spark, expected)


# delta-rs session only: on delta-spark, the spark-submit test checks a backfill's accounting (the checks
# here are of the transform, which is the same on both backends; CI time).
def test_backfill_accounts_for_every_line(backfilled: Lakehouse, exports: Path) -> None:
    report = frozen_rows(backfilled.read(INGEST_BATCHES).drop("started_at", "finished_at", "batch_id"))
    assert len(report) == 1
    summary = json.loads((exports / "truth/manifest.json").read_text())
    bronze = backfilled.read(EVENTS_BRONZE)
    # The generator's 5 MB line is a valid event, but over ingest.max_record_bytes (1 MB): a dead letter.
    assert bronze.count() == summary["summary"]["valid_events"] - 1
    assert bronze.select("event_id").distinct().count() == bronze.count()
    batch = backfilled.read(INGEST_BATCHES).first()
    assert batch["input_records"] == batch["bronze_records"] + batch["dead_letters"] + batch["duplicates"] + batch[
        "out_of_range"]
    assert batch["bronze_records"] == bronze.count()

    # Silver holds the same events, with keyed hashes where bronze has raw identifiers and IPs.
    silver = backfilled.read(EVENTS_SILVER)
    assert silver.count() == bronze.count()
    raw_ids = bronze.select(F.col("anonymous_id").alias("value")).union(bronze.select("ip")).where("value is not null")
    for column in ("anonymous_id_hash", "ip_prefix", "session_id_hash"):
        assert silver.join(raw_ids, silver[column] == raw_ids["value"]).count() == 0, column

    # Identity ran in the same batch: every event has a person, and the profiles count every event.
    assert silver.where("person_id is null").count() == 0
    profiles = backfilled.read(CUSTOMER_PROFILES)
    # Profile metrics leave bot events out (botdetect.exclude_bots_from_metrics) and say their share.
    assert profiles.agg(F.sum("events")).first()[0] == silver.where(~F.col("is_bot")).count()
    assert profiles.where("bot_share > 0.5").count() > 0
    assert profiles.where("bot_share is null or bot_share < 0 or bot_share > 1").count() == 0
    assert profiles.count() == silver.select("person_id").distinct().count()

    # The shareable gold table has cells, and none below k distinct persons.
    gold = backfilled.read(EVENTS_DAILY_K_ANON)
    assert gold.count() > 0
    assert gold.where(F.col("persons") < 10).count() == 0

    dead = {(r["source_file"], r["source_line"]): r["reason"] for r in backfilled.read(DEAD_LETTER).collect()}
    with open(exports / "truth/malformed.csv", newline="") as handle:
        malformed = list(csv.DictReader(handle))
    assert malformed, "the generator must have injected malformed lines"
    for row in malformed:
        key = (row["file"].removeprefix("landing/"), int(row["line_number"]))
        assert dead.get(key) in EXPECTED_REASON[row["kind"]], (key, row["kind"], dead.get(key))
    edge = summary["edge_cases"]
    truncated = edge["truncated_gzip"]["file"].removeprefix("landing/")
    assert "truncated_gzip" in {reason for (file, _), reason in dead.items() if file == truncated}
    huge = edge["huge_line"]
    assert dead[(huge["file"].removeprefix("landing/"), huge["line_number"])] == "record_too_large"


def test_backfill_flags_the_generated_bots_in_silver_and_bot_sessions(spark, backfilled, exports) -> None:
    truth = (
        spark.read.option("header", True).csv(str(exports / "truth/sessions.csv"))
        .select("source", F.concat_ws(":", "anonymous_id", "session_id").alias("session_id"),
                (F.col("is_bot") == "true").alias("truth_bot"))
    )
    flagged = backfilled.read(BOT_SESSIONS)
    judged = truth.join(flagged.select("source", "session_id", "is_bot"), ["source", "session_id"], "left")
    counts = judged.agg(
        F.count_if("truth_bot").alias("bots"),
        F.count_if(F.col("truth_bot") & F.col("is_bot").isNotNull()).alias("caught"),
        F.count_if(~F.col("truth_bot") & F.col("is_bot").isNotNull()).alias("false_positives"),
    ).first()
    assert counts["bots"] > 0, "the generator must have made bot sessions"
    assert counts["caught"] >= 0.95 * counts["bots"], counts
    assert counts["false_positives"] == 0, counts
    assert flagged.where(~F.col("is_bot") | (F.size("bot_reasons") == 0)).count() == 0
    # Silver carries the session verdict on every event: exactly the events of the flagged sessions.
    bronze = backfilled.read(EVENTS_BRONZE)
    bot_events = bronze.join(flagged.select("source", "session_id"), ["source", "session_id"], "left_semi")
    silver = backfilled.read(EVENTS_SILVER)
    assert silver.where("is_bot").count() == bot_events.count() > 0
    assert silver.where("is_bot is null").count() == 0


def test_rerunning_a_backfill_replaces_instead_of_duplicating(spark, test_config, exports, backfill_root,
                                                               tmp_path) -> None:
    # The second run of the same range, on a copy of the shared backfill's lake.
    lake, config = copy_of_backfill(spark, test_config, backfill_root, exports, tmp_path / "lake")
    first = frozen_rows(lake.read(EVENTS_BRONZE).drop(*VOLATILE[EVENTS_BRONZE.name]))
    second = run_backfill(spark, lake, config, *RANGE)
    assert second.bronze_records == len(first)
    assert frozen_rows(lake.read(EVENTS_BRONZE).drop(*VOLATILE[EVENTS_BRONZE.name])) == first
    assert lake.read(DEAD_LETTER).count() == lake.read(DEAD_LETTER).select("dead_letter_id").distinct().count()
    # One commit per batch in every table, readable by delta-rs directly.
    for table in (EVENTS_BRONZE, DEAD_LETTER, INGEST_BATCHES):
        history = DeltaTable(str(tmp_path / "lake" / table.name)).history()
        assert [h["operation"] for h in history].count("WRITE") == 2, table.name


def test_stream_of_three_file_micro_batches_equals_backfill(spark, test_config, exports, backfilled, tmp_path) -> None:
    lake, config = lake_for(spark, test_config, tmp_path / "lake", exports / "landing",
                            **{"stream.max_files_per_trigger": 3})
    query = start_stream(spark, lake, config, available_now=True)
    # 4 micro-batches of 3 files (the process tests below take 4), a day's files split across batches.
    query.awaitTermination(900)
    assert not query.isActive, "the stream did not finish in time"
    assert query.exception() is None
    batches = lake.read(INGEST_BATCHES)
    assert batches.count() == 4, "several micro-batches"
    same_tables(lake, backfilled)
    totals = batches.groupBy().sum("input_records", "bronze_records", "dead_letters", "duplicates").first()
    expected = backfilled.read(INGEST_BATCHES).first()
    assert tuple(totals) == (expected["input_records"], expected["bronze_records"], expected["dead_letters"],
                             expected["duplicates"])
    history = DeltaTable(str(tmp_path / "lake" / EVENTS_BRONZE.name)).history()
    assert [h["operation"] for h in history].count("WRITE") == batches.count()
    # Some sessions span micro-batches: later batches re-labelled silver rows written earlier.
    silver_modes = [h.get("operationParameters", {}).get("mode") for h in
                    DeltaTable(str(tmp_path / "lake" / EVENTS_SILVER.name)).history()]
    assert "Overwrite" in silver_modes, silver_modes


def test_a_late_event_in_a_later_micro_batch_updates_its_window_as_the_backfill_does(spark, test_config, exports,
                                                                                     tmp_path) -> None:
    """Two micro-batches: two on-time product views of 11:00-11:05, then one of 11:02 received at 13:00."""
    template = next(_product_views(exports / "landing" / "segment"))

    def view(message_id: str, at: str, received: str) -> str:
        fields = {"messageId": message_id, "timestamp": f"2026-10-01T{at}Z", "originalTimestamp": f"2026-10-01T{at}Z",
                  "sentAt": f"2026-10-01T{at}Z", "receivedAt": f"2026-10-01T{received}Z",
                  "anonymousId": "late-test-visitor", "userId": None,
                  # a person's browser: the first product view of the exports may be a planted bot's
                  "context": {**template["context"], "sessionId": 1790830000000, "userAgent": HUMAN_AGENT}}
        return json.dumps({**template, **fields}) + "\n"

    landing = tmp_path / "landing"
    shutil.copytree(exports / "dims", tmp_path / "dims")  # lake_for loads the dimensions beside the landing
    day = landing / "segment" / "2026-10-01"
    day.mkdir(parents=True)
    (day / "late_000.jsonl").write_text(view("late-1", "11:00:10", "11:00:11") + view("late-2", "11:01:30", "11:01:31"))
    (day / "late_001.jsonl").write_text(view("late-3", "11:02:00", "13:00:00"))
    files = to_landing_files([(landing_uri(p), p.stat().st_size) for p in sorted(day.iterdir())], landing)
    lake, config = lake_for(spark, test_config, tmp_path / "stream", landing)

    def window_of_11(lake: Lakehouse) -> list[tuple]:
        return [tuple(r) for r in lake.read(CATEGORY_METRICS).where(
            (F.col("window_kind") == "tumbling_5m") & (F.col("window_start") == "2026-10-01 11:00:00")
        ).select("events", "product_views", "late_events").collect()]

    run_batch(spark, lake, config, FileSource((files[0],)), StreamSink("late-test", 0))
    assert window_of_11(lake) == [(2, 2, 0)]
    run_batch(spark, lake, config, FileSource((files[1],)), StreamSink("late-test", 1))
    assert window_of_11(lake) == [(3, 3, 1)]
    backfill, backfill_config = lake_for(spark, test_config, tmp_path / "backfill", landing)
    run_backfill(spark, backfill, backfill_config, RANGE[0], RANGE[1])
    for table in (CATEGORY_METRICS, SESSIONS, EVENTS_SILVER):
        assert_same_rows(lake.read(table), backfill.read(table), ignore=VOLATILE[table.name])


def _product_views(folder: Path):  # noqa: ANN202 -- a generator of Segment records
    """The well-formed Segment product views of the exports (the generator plants malformed lines too)."""
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and record.get("event") == "Product Viewed" and record.get("messageId"):
                yield record


def _stream_process(landing: Path, lake: Path, *, crash_after: str | None = None) -> subprocess.Popen:
    env = {**os.environ, "CLICKSTITCH__STREAM__MAX_FILES_PER_TRIGGER": "4",  # 3 micro-batches
           "CLICKSTITCH__SPARK__MASTER": "local[2]", "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2",
           "CLICKSTITCH_HASH_KEY": "test-only-hash-key",  # the key of the in-process tests (conftest)
           # The backend of this test session, with or without the jars (tests/backends.py).
           "CLICKSTITCH__LAKE__BACKEND": TEST_BACKEND,
           "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower()}
    env.pop(CRASH_ENV, None)
    if crash_after:
        env[CRASH_ENV] = crash_after
    command = [sys.executable, "-m", "clickstitch.cli", "stream", "--available-now",
               "--input", str(landing), "--lake", str(lake), "-q"]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _restart_and_compare(spark, test_config, exports: Path, lake_dir: Path, backfilled: Lakehouse) -> None:
    """Restart the stream on the same lake and checkpoint until it is done; every table equals the backfill's."""
    restarted = _stream_process(exports / "landing", lake_dir)
    _, stderr = restarted.communicate(timeout=600)
    assert restarted.returncode == 0, stderr[-2000:]
    lake, _ = lake_for(spark, test_config, lake_dir, exports / "landing", load_dims=False)  # loaded before the run
    same_tables(lake, backfilled)


def _committed_batches(lake: Path, table: str = INGEST_BATCHES.name) -> int:
    log = lake / table / "_delta_log"
    return len(list(log.glob("*.json"))) - 1 if log.exists() else 0


def _wait_for(condition, process: subprocess.Popen, what: str, poll: float = 0.1) -> None:
    deadline = time.monotonic() + 600
    while not condition() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(poll)
    assert process.poll() is None, f"the stream ended before {what}"
    assert condition(), f"timed out waiting for {what}"


# One lake through three kinds of stop, each restart recovering from the stop before it, then one
# comparison with the backfill (a test per stop paid 2 process starts and a comparison each: CI time).
# delta-rs session only: on delta-spark, replays skipping committed writes are covered by the backend
# tests (transaction ids read from the log, tests/test_deltaspark.py); the Kafka kill -9 test restarts a
# killed delta-spark stream.
def test_crash_then_sigterm_then_kill_then_restart_is_exactly_once(exports, backfilled, spark, test_config,
                                                                   tmp_path) -> None:
    lake_dir = tmp_path / "lake"
    lake_for(spark, test_config, lake_dir, exports / "landing")  # the dimensions, as the backfill had them

    # 1. A crash between two table writes of the first micro-batch (after bronze, before dead_letter).
    crashed = _stream_process(exports / "landing", lake_dir, crash_after="events_bronze:0")  # batch ids from 0
    _, stderr = crashed.communicate(timeout=600)
    assert crashed.returncode == CRASH_EXIT_CODE, stderr[-2000:]
    bronze_versions = DeltaTable(str(lake_dir / EVENTS_BRONZE.name)).version()
    dead_versions = DeltaTable(str(lake_dir / DEAD_LETTER.name)).version()
    assert bronze_versions == dead_versions + 1, "crashed after bronze, before dead_letter of the same batch"
    assert _committed_batches(lake_dir) == 0, "no micro-batch finished before the crash"

    # 2. The restart replays the crashed batch; SIGTERM in the middle of the next one drains it: that
    # micro-batch commits every table, down to its last.
    draining = _stream_process(exports / "landing", lake_dir)

    def mid_batch() -> bool:  # a batch has written bronze but not yet ingest_batches (its last write)
        done = _committed_batches(lake_dir)
        return done >= 1 and _committed_batches(lake_dir, EVENTS_BRONZE.name) > done

    _wait_for(mid_batch, draining, "it could be signalled")
    draining.send_signal(signal.SIGTERM)
    _, stderr = draining.communicate(timeout=300)
    assert draining.returncode == 0, stderr[-2000:]
    assert "drained on SIGTERM" in stderr
    drained = _committed_batches(lake_dir)
    assert drained == _committed_batches(lake_dir, EVENTS_BRONZE.name) >= 2

    # 3. kill -9 (no cleanup at all) once the next micro-batch is planned: its offsets are logged in the
    # checkpoint, none of its writes has committed.
    killed = _stream_process(exports / "landing", lake_dir)
    offsets = lake_dir / "_checkpoints" / "stream" / "offsets"
    _wait_for(lambda: (offsets / str(drained)).exists(), killed, "it planned another micro-batch")
    killed.send_signal(signal.SIGKILL)
    killed.wait(timeout=60)
    assert _committed_batches(lake_dir) == drained, "killed before the planned micro-batch committed"

    # 4. The last restart finishes the input: every table equals the backfill's.
    _restart_and_compare(spark, test_config, exports, lake_dir, backfilled)


# delta-rs session only (CI time): the sweep is the same code on both backends; on delta-spark the backend
# tests cover the delete and vacuum it is built on (tests/test_lakehouse.py).
def test_forget_erases_a_person_from_every_pipeline_table(spark, test_config, exports, backfill_root,
                                                           tmp_path) -> None:
    lake, config = copy_of_backfill(spark, test_config, backfill_root, exports, tmp_path / "lake")
    with open(exports / "truth/identifiers.csv", newline="") as handle:
        identifiers = list(csv.DictReader(handle))
    ids_of: dict[str, list[tuple[str, str]]] = {}
    for row in identifiers:
        ids_of.setdefault(row["person_id"], []).append((row["identifier_type"], row["identifier_value"]))
    # A person with a login and items: event_items holds no identifier, only the person's event ids.
    bronze = lake.read(EVENTS_BRONZE)
    with_items = bronze.join(lake.read(EVENT_ITEMS).select("event_id").distinct(), "event_id")
    ids_with_items = {r[0] for r in with_items.select("user_id").distinct().collect()}
    person, ids = next((p, ids) for p, ids in sorted(ids_of.items()) if not p.startswith("bot:") and p != "shared"
                       and {"email", "user_id", "anonymous_id"} <= {t for t, _ in ids}
                       and ids_with_items & {v for t, v in ids if t == "user_id"})
    email = next(v for t, v in ids if t == "email")
    raw_ids = [v for t, v in ids if t in ("anonymous_id", "user_id", "device_id")]
    key = test_config.secrets.hash_key.get_secret_value().encode()
    hashes = [keyed_hash(v.strip(), key) for v in raw_ids] + [keyed_hash(normalize_email(email), key)]
    events = [r[0] for r in bronze.where(F.col("user_id").isin(raw_ids) | F.col("anonymous_id").isin(raw_ids))
              .select("event_id").collect()]
    assert lake.read(EVENT_ITEMS).where(F.col("event_id").isin(events)).count() > 0, person

    receipt = forget(spark, lake, f"email:{email}", config.privacy, key)

    assert receipt.person_ids and receipt.total_rows_removed > 0 and receipt.rows_removed[EVENT_ITEMS.name] > 0
    assert lake.read(EVENT_ITEMS).where(F.col("event_id").isin(events)).count() == 0
    for table in lake.catalog:
        if not lake.exists(table) or table.name == FORGET_RECEIPTS.name:  # the receipt names the person id
            continue
        text = parquet_text(tmp_path / "lake" / table.name)
        assert not [v for v in [email, *raw_ids, *hashes, *receipt.person_ids] if v.lower() in text], table.name
    assert lake.read(EVENTS_BRONZE).count() > 0 and lake.read(CUSTOMER_PROFILES).count() > 0
