"""Ingest on real files: every kind of bad input becomes a dead letter with a reason; good rows normalize."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime

import pytest
from pyspark.sql import SparkSession

from clickstitch.config import ClickstitchConfig
from ingest import BatchContext, dead_letters, dedupe_events, parse_events, read_lines, to_landing_files, valid_events
from ingest.landing import file_listing, files_for_dates, path_date

NOW = datetime(2026, 10, 5, tzinfo=UTC)
GA4_OK = {
    "event_date": "20261001", "event_timestamp": "1790812800000000", "event_name": "page_view",
    "user_pseudo_id": "111.222", "stream_id": "9",
    "event_params": [
        {"key": "ga_session_id", "value": {"int_value": "1790812800"}},
        {"key": "page_location", "value": {"string_value": "https://shop.example/p/7"}},
        {"key": "engagement_time_msec", "value": {"int_value": "250"}},
        {"key": None, "value": {"string_value": "null keys are dropped"}},
    ],
    "device": {"category": "mobile", "operating_system": "Android", "web_info": {"browser": "Chrome"}},
    "geo": {"country": "Germany", "region": "Berlin", "city": "Berlin"},
    "traffic_source": {"source": "google", "medium": "organic", "name": "(organic)"},
    "privacy_info": {"analytics_storage": "Yes"},
}
SEGMENT_ORDER = {
    "type": "track", "event": "Order Completed", "messageId": "msg-1", "anonymousId": "anon-1", "userId": "u_1",
    "timestamp": "2026-10-01T10:00:02.500Z", "receivedAt": "2026-10-01T10:00:03.000Z",
    "properties": {"order_id": "ORD-1", "revenue": 30.5, "currency": "EUR", "coupon": "AUTUMN",
                   "products": [{"product_id": "P1", "name": "Shoe", "price": 10.25, "quantity": 2},
                                {"sku": "SKU-9", "price": "10", "category": "Socks"}]},
    "context": {"ip": "203.0.113.9", "userAgent": "Mozilla/5.0 (X11; Linux x86_64)", "sessionId": "1790800000",
                "page": {"url": "https://shop.example/checkout", "referrer": "https://shop.example/cart"},
                "campaign": {"source": "newsletter", "medium": "email", "name": "autumn"},
                "location": {"country": "DE", "city": "Berlin"},
                "consent": {"categoryPreferences": {"analytics": True}}},
}


# Segment's own semantics: alias links previousId to userId; group ties a user to an account with traits.
SEGMENT_ALIAS = json.dumps({
    "type": "alias", "messageId": "alias-1", "previousId": "anon-old", "userId": "u_1",
    "timestamp": "2026-10-01T10:05:00Z",
}).encode()
SEGMENT_GROUP = json.dumps({
    "type": "group", "messageId": "group-1", "userId": "u_1", "groupId": "acct-42",
    "traits": {"name": "Acme Ltd", "plan": "enterprise", "email": "billing@acme.example", "group_id": "spoof"},
    "properties": {"group.plan": "free", "note": "kept"}, "timestamp": "2026-10-01T10:06:00Z",
}).encode()


def line(obj: dict) -> bytes:
    return json.dumps(obj).encode()


def ga4(**changes: object) -> bytes:
    return line({**GA4_OK, **changes})


def seg(**changes: object) -> bytes:
    row = {**SEGMENT_ORDER, **changes}
    return line({k: v for k, v in row.items() if v is not None})


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


# (case, file below the landing folder, file bytes, expected {line number: reason}) -- valid lines omitted.
CASES = [
    ("truncated json", "ga4/2026-10-01/a.json", ga4()[:60], {1: "invalid_json"}),
    ("array not object", "segment/2026-10-01/b.jsonl", b"[1, 2]", {1: "invalid_json"}),
    ("non-numeric timestamp", "ga4/2026-10-01/c.json", ga4(event_timestamp="abc"), {1: "wrong_type"}),
    ("struct given as string", "ga4/2026-10-01/d.json", ga4(device="phone"), {1: "wrong_type"}),
    ("properties given as string", "segment/2026-10-01/e.jsonl", seg(properties="x"), {1: "wrong_type"}),
    ("number where a string id belongs", "ga4/2026-10-01/c2.json", ga4(user_pseudo_id=1234567890.17),
     {1: "wrong_type"}),
    ("timestamp as a number", "segment/2026-10-01/e2.jsonl", seg(timestamp=12345), {1: "wrong_type"}),
    ("timestamp as an object", "segment/2026-10-01/e3.jsonl", seg(timestamp={"$date": "2026-10-01T10:00:00Z"}),
     {1: "wrong_type"}),
    ("missing GA4 client id", "ga4/2026-10-01/f.json", ga4(user_pseudo_id=None), {1: "missing_id"}),
    ("missing messageId", "segment/2026-10-01/g.jsonl", seg(messageId=None), {1: "missing_id"}),
    ("no anonymousId nor userId", "segment/2026-10-01/h.jsonl", seg(anonymousId=None, userId=None),
     {1: "missing_id"}),
    ("track without event name", "segment/2026-10-01/i.jsonl", seg(event=None), {1: "missing_field"}),
    ("negative timestamp", "ga4/2026-10-01/j.json", ga4(event_timestamp="-5"), {1: "invalid_timestamp"}),
    ("before 2000", "segment/2026-10-01/k.jsonl", seg(timestamp="1970-01-01T00:00:00Z"), {1: "invalid_timestamp"}),
    ("unparseable time", "segment/2026-10-01/l.jsonl", seg(timestamp="next tuesday"), {1: "invalid_timestamp"}),
    ("far future", "ga4/2026-10-01/m.json", ga4(event_timestamp="4102444800000000"), {1: "future_timestamp"}),
    ("unknown event type", "segment/2026-10-01/n.jsonl", seg(type="merge"), {1: "unknown_event_type"}),
    ("alias without previousId", "segment/2026-10-01/n2.jsonl", seg(type="alias", event=None), {1: "missing_field"}),
    ("group without groupId", "segment/2026-10-01/n3.jsonl", seg(type="group", event=None), {1: "missing_field"}),
    ("invalid utf-8 between good lines", "segment/2026-10-01/o.jsonl",
     seg(messageId="ok-1") + b"\n" + seg(messageId="bad")[:-2] + b"\xff\xfe\"}\n" + seg(messageId="ok-2"),
     {2: "invalid_utf8"}),
    ("5 MB line", "segment/2026-10-01/p.jsonl",
     seg(messageId="ok-3") + b"\n" + seg(messageId="huge", properties={"blob": "x" * 5_000_000}),
     {2: "record_too_large"}),
    ("truncated gzip keeps the lines before", "segment/2026-10-01/q.jsonl.gz",
     _truncated(gzip.compress(b"\n".join(seg(messageId=f"gz-{i * 7919 % 10007}") for i in range(400)), mtime=0)),
     {"last": "truncated_gzip"}),
    ("unsupported file type", "segment/2026-10-01/r.csv", b"a,b\n1,2\n", {0: "unsupported_file_type"}),
    ("outside the source folders", "other/s.json", ga4(), {0: "unknown_source"}),
    ("empty file", "segment/2026-10-01/t.jsonl", b"", {}),
    ("crlf, bom and blank lines", "segment/2026-10-01/u.jsonl",
     b"\xef\xbb\xbf" + seg(messageId="crlf-1") + b"\r\n\r\n" + seg(messageId="crlf-2") + b"\r\n", {}),
]


@pytest.fixture(scope="module")
def parsed_landing(spark: SparkSession, test_config: ClickstitchConfig, tmp_path_factory: pytest.TempPathFactory):
    landing = tmp_path_factory.mktemp("landing")
    for _, relative, content, _ in CASES:
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (landing / "ga4/2026-10-01/good.json").write_bytes(ga4() + b"\n" + ga4() + b"\n")  # an exact duplicate row
    (landing / "segment/2026-10-01/good.jsonl").write_bytes(seg())
    (landing / "segment/2026-10-01/identity-calls.jsonl").write_bytes(b"\n".join([SEGMENT_ALIAS, SEGMENT_GROUP]))
    rows = [(r["path"], r["length"]) for r in file_listing(spark, landing).collect()]
    files = to_landing_files(rows, landing)
    parsed = parse_events(read_lines(spark, files, test_config.ingest), test_config.ingest, BatchContext("b-0", NOW))
    return parsed.cache(), landing


@pytest.mark.parametrize(("case", "relative", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_becomes_dead_letters_with_reasons(parsed_landing, case, relative, content, expected) -> None:
    parsed, _ = parsed_landing
    rows = parsed.where(f"source_file = '{relative}'").select("source_line", "reject_reason", "raw_text").collect()
    rejected = {r["source_line"]: r["reject_reason"] for r in rows if r["reject_reason"]}
    if "last" in expected:
        assert rejected == {max(r["source_line"] for r in rows): expected["last"]}
        assert len(rows) > 5, "the complete lines before the cut must be kept"
    else:
        assert rejected == expected
    assert all(r["raw_text"] is None or len(r["raw_text"]) <= 4096 for r in rows)


def test_every_input_line_is_accounted_for(parsed_landing, test_config: ClickstitchConfig) -> None:
    parsed, _ = parsed_landing
    total = parsed.count()
    valid = parsed.transform(valid_events).count()
    dead = dead_letters(parsed, test_config.ingest.dead_letter_raw_chars, NOW)
    assert valid + dead.count() == total
    assert dead.where("reason is null or stage is null or source_file is null").count() == 0
    assert dead.select("dead_letter_id").distinct().count() == dead.count()


def test_duplicates_collapse_to_the_first_occurrence(parsed_landing) -> None:
    parsed, _ = parsed_landing
    events = parsed.transform(valid_events)
    deduped = events.transform(dedupe_events)
    good = deduped.where("source_file = 'ga4/2026-10-01/good.json'").collect()
    assert len(good) == 1 and good[0]["source_line"] == 1
    assert deduped.count() == deduped.select("event_id").distinct().count()
    assert events.count() - deduped.count() >= 1


def test_ga4_row_normalizes_to_the_canonical_event(parsed_landing) -> None:
    parsed, _ = parsed_landing
    row = parsed.where("source_file = 'ga4/2026-10-01/good.json' and source_line = 1").first().asDict()
    assert len(row["event_id"]) == 64
    assert {k: row[k] for k in ("source", "event_type", "event_name", "anonymous_id", "session_id", "page_url",
                                "country", "city", "device_category", "os", "browser", "traffic_source",
                                "traffic_medium", "event_date", "user_agent", "ip")} == {
        "source": "ga4", "event_type": "page", "event_name": "page_view", "anonymous_id": "111.222",
        "session_id": "111.222:1790812800", "page_url": "https://shop.example/p/7", "country": "Germany",
        "city": "Berlin", "device_category": "mobile", "os": "Android", "browser": "Chrome",
        "traffic_source": "google", "traffic_medium": "organic", "event_date": date(2026, 10, 1),
        "user_agent": None, "ip": None,
    }
    assert row["event_time"] == datetime(2026, 10, 1, tzinfo=UTC).replace(tzinfo=None)
    assert row["properties"] == {"engagement_time_msec": "250"}
    assert row["consent"] == {"analytics_storage": "Yes"}


def test_segment_order_normalizes_to_the_canonical_event(parsed_landing) -> None:
    parsed, _ = parsed_landing
    row = parsed.where("source_file = 'segment/2026-10-01/good.jsonl'").first().asDict(recursive=True)
    assert {k: row[k] for k in ("event_id", "event_type", "event_name", "anonymous_id", "user_id", "session_id",
                                "order_id", "revenue", "currency", "ip", "user_agent", "page_url", "page_referrer",
                                "traffic_campaign", "country")} == {
        "event_id": "msg-1", "event_type": "track", "event_name": "Order Completed", "anonymous_id": "anon-1",
        "user_id": "u_1", "session_id": "anon-1:1790800000", "order_id": "ORD-1", "revenue": 30.5,
        "currency": "EUR", "ip": "203.0.113.9", "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
        "page_url": "https://shop.example/checkout", "page_referrer": "https://shop.example/cart",
        "traffic_campaign": "autumn", "country": "DE",
    }
    assert row["items"] == [
        {"product_id": "P1", "product_name": "Shoe", "category": None, "quantity": 2, "price": 10.25,
         "currency": "EUR"},
        {"product_id": "SKU-9", "product_name": None, "category": "Socks", "quantity": 1, "price": 10.0,
         "currency": "EUR"},
    ]
    assert row["properties"] == {"coupon": "AUTUMN"}
    assert row["consent"] == {"analytics": "true"}
    assert row["received_time"] == datetime(2026, 10, 1, 10, 0, 3)


def test_segment_alias_and_group_become_events(parsed_landing) -> None:
    parsed, _ = parsed_landing
    rows = {
        r["event_id"]: r.asDict(recursive=True)
        for r in parsed.where("source_file = 'segment/2026-10-01/identity-calls.jsonl'").collect()
    }
    assert {k: v["reject_reason"] for k, v in rows.items()} == {"alias-1": None, "group-1": None}
    alias = rows["alias-1"]
    # previousId is the anonymous id of the event, so identity links it to the userId.
    assert (alias["event_type"], alias["event_name"], alias["anonymous_id"], alias["user_id"]) == (
        "alias", "alias", "anon-old", "u_1")
    group = rows["group-1"]
    assert (group["event_type"], group["event_name"], group["user_id"]) == ("group", "group", "u_1")
    # The account's traits are kept as group properties; they are not the person's traits.
    assert group["properties"] == {
        "note": "kept", "group.name": "Acme Ltd", "group.plan": "enterprise", "group.email": "billing@acme.example",
        "group.group_id": "spoof", "group_id": "acct-42",
    }
    assert group["traits"] is None


@pytest.mark.parametrize(
    ("relative", "expected"),
    [("ga4/2026-10-01/a.json", date(2026, 10, 1)), ("ga4/events_20261002.json.gz", date(2026, 10, 2)),
     ("segment/dt=2026-10-03/hour=05/part-1.jsonl", date(2026, 10, 3)), ("segment/part-000.jsonl", None),
     ("segment/2026-13-45/x.jsonl", None)],
)
def test_path_date(relative: str, expected: date | None) -> None:
    assert path_date(relative) == expected


def test_backfill_file_selection_keeps_neighbour_days_and_undated_files() -> None:
    files = to_landing_files([(f"file:///l/ga4/{d}/x.json", 1) for d in ("2026-09-29", "2026-09-30", "2026-10-01",
                                                                        "2026-10-03")]
                             + [("file:///l/segment/undated.jsonl", 1)], "/l")
    chosen = [f.relative_path for f in files_for_dates(files, date(2026, 10, 1), date(2026, 10, 1))]
    assert chosen == ["ga4/2026-09-30/x.json", "ga4/2026-10-01/x.json", "segment/undated.jsonl"]
