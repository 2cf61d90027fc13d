"""Tests for the synthetic export generator (pure Python, no Spark)."""

from __future__ import annotations

import csv
import datetime
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

import pytest

from generator import MALFORMED_KINDS, GenerationSummary, generate

GA4_FIELDS = (
    "event_date",
    "event_timestamp",
    "event_name",
    "event_params",
    "user_pseudo_id",
    "privacy_info",
    "user_properties",
    "device",
    "geo",
    "traffic_source",
    "stream_id",
    "platform",
    "items",
)
SEGMENT_FIELDS = (
    "type",
    "messageId",
    "anonymousId",
    "userId",
    "timestamp",
    "originalTimestamp",
    "sentAt",
    "receivedAt",
    "context",
)
SEGMENT_TYPES = {"track", "page", "screen", "identify"}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


class Landing:
    """A generated tree, read once: valid rows per file plus the raw bytes of every readable file."""

    def __init__(self, root: Path, summary: GenerationSummary) -> None:
        self.root, self.summary = root, summary
        self.manifest = json.loads((root / "truth" / "manifest.json").read_text())
        self.malformed = {
            (r["file"], int(r["line_number"])): r["kind"] for r in _read_csv(root / "truth" / "malformed.csv")
        }
        truncated = self.manifest["edge_cases"].get("truncated_gzip", {}).get("file")
        self.rows: list[tuple[str, str, int, dict[str, Any]]] = []  # (source, file, line, row)
        self.raw: dict[str, bytes] = {}
        for rel in self.manifest["landing_files"]:
            if rel == truncated:
                continue
            data = _file_bytes(root / rel)
            self.raw[rel] = data
            source = rel.split("/")[1]
            for number, line in enumerate(data.split(b"\n")[:-1], start=1):
                if (rel, number) not in self.malformed:
                    self.rows.append((source, rel, number, json.loads(line.rstrip(b"\r").decode("utf-8"))))


@pytest.fixture(scope="module")
def landing(tmp_path_factory: pytest.TempPathFactory) -> Landing:
    root = tmp_path_factory.mktemp("gen")
    summary = generate(root, persons=80, days=2, seed=11, malformed_rate=0.01, edge_cases=True)
    return Landing(root, summary)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_and_other_seed_differs(tmp_path: Path) -> None:
    kwargs = {"persons": 25, "days": 1, "edge_cases": True, "malformed_rate": 0.01}
    generate(tmp_path / "a", seed=3, **kwargs)
    generate(tmp_path / "b", seed=3, **kwargs)
    generate(tmp_path / "c", seed=4, **kwargs)
    first, second, other = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert first == second
    assert {k for k in first if k.startswith("truth/")} == {k for k in other if k.startswith("truth/")}
    assert first["truth/sessions.csv"] != other["truth/sessions.csv"]


def test_gzip_headers_carry_no_mtime_and_no_name(landing: Landing) -> None:
    gz_files = [landing.root / rel for rel in landing.manifest["landing_files"] if rel.endswith(".gz")]
    assert gz_files
    for path in gz_files:
        header = path.read_bytes()[:10]
        assert header[:2] == b"\x1f\x8b"
        assert header[3] & 0x08 == 0, "FNAME flag set"
        assert header[4:8] == b"\x00\x00\x00\x00", "mtime not zero"


def test_every_unlisted_line_parses_and_has_its_format_fields(landing: Landing) -> None:
    assert landing.rows
    for source, rel, number, row in landing.rows:
        where = f"{rel}:{number}"
        if source == "ga4":
            assert all(f in row for f in GA4_FIELDS), where
            assert row["event_timestamp"].isdigit(), where  # INT64 as a JSON string
            assert "userAgent" not in json.dumps(row) and "ip" not in row, where
            params = {p["key"]: p["value"] for p in row["event_params"]}
            assert "int_value" in params["ga_session_id"], where
        else:
            assert all(f in row for f in SEGMENT_FIELDS), where
            assert row["type"] in SEGMENT_TYPES, where
            assert row["timestamp"].endswith("Z") and len(row["timestamp"]) == 24, where
            assert "ip" in row["context"], where


def test_rows_sit_in_their_day_and_files_are_sorted_by_time(landing: Landing) -> None:
    previous: dict[str, int] = {}
    for source, rel, _, row in landing.rows:
        folder_day = datetime.date.fromisoformat(rel.split("/")[2])
        if source == "ga4":
            ts = int(row["event_timestamp"])
        else:
            ts = int(
                datetime.datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00")).timestamp() * 1e6
            )
        assert datetime.datetime.fromtimestamp(ts / 1e6, datetime.UTC).date() == folder_day, rel
        assert ts >= previous.get(rel, 0) - 1000, rel  # ms rounding of Segment timestamps
        previous[rel] = ts


def test_line_counts_match_the_summary(landing: Landing) -> None:
    summary = landing.summary
    assert len(landing.rows) == summary.valid_events + summary.duplicate_lines
    assert sum(1 for r in landing.rows if r[0] == "ga4") + sum(
        1 for r in landing.rows if r[0] == "segment"
    ) == len(landing.rows)
    duplicates = _read_csv(landing.root / "truth" / "duplicates.csv")
    assert sum(int(d["count"]) - 1 for d in duplicates) == summary.duplicate_lines > 0
    segment_ids = [row["messageId"] for source, _, _, row in landing.rows if source == "segment"]
    assert len(segment_ids) - len(set(segment_ids)) == sum(
        int(d["count"]) - 1 for d in duplicates if d["source"] == "segment"
    )


def test_all_malformed_kinds_present_and_broken(landing: Landing) -> None:
    assert set(landing.malformed.values()) == set(MALFORMED_KINDS)
    assert landing.summary.malformed_lines == len(landing.malformed)
    for (rel, number), kind in landing.malformed.items():
        line = landing.raw[rel].split(b"\n")[number - 1].rstrip(b"\r")
        if kind == "truncated_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(line.decode("utf-8"))
        elif kind == "non_utf8":
            with pytest.raises(UnicodeDecodeError):
                line.decode("utf-8")
        else:
            row = json.loads(line)
            if kind == "unknown_event_type":
                assert row["type"] not in SEGMENT_TYPES
            if kind == "future_timestamp":
                assert "2100" in json.dumps(row)


def test_every_landing_anonymous_id_is_in_truth(landing: Landing) -> None:
    truth = landing.root / "truth"
    known = {
        r["identifier_value"]
        for r in _read_csv(truth / "identifiers.csv")
        if r["identifier_type"] == "anonymous_id"
    }
    known |= {r["anonymous_id"] for r in _read_csv(truth / "sessions.csv")}
    seen = {row.get("user_pseudo_id") or row.get("anonymousId") for _, _, _, row in landing.rows}
    assert seen <= known


def test_shared_computer_cookie_maps_to_three_persons_with_own_user_ids(landing: Landing) -> None:
    truth = landing.root / "truth"
    shared = [
        d for d in json.loads((truth / "shared_devices.json").read_text()) if d["kind"] == "shared_computer"
    ]
    assert shared
    identifiers = {
        (r["identifier_type"], r["identifier_value"]): r["person_id"]
        for r in _read_csv(truth / "identifiers.csv")
    }
    for device in shared:
        assert len(device["persons"]) >= 3
        assert len(set(device["user_ids"].values())) == len(device["persons"])
        (cookie,) = device["anonymous_ids"]
        assert identifiers[("anonymous_id", cookie)] == "shared"
        landing_user_ids = {
            row["userId"]
            for s, _, _, row in landing.rows
            if s == "segment" and row["anonymousId"] == cookie and row["userId"]
        }
        assert landing_user_ids == set(device["user_ids"].values())
        for person_id, user_id in device["user_ids"].items():
            assert identifiers[("user_id", user_id)] == person_id


def test_every_seeded_pii_value_appears_in_landing_data(landing: Landing) -> None:
    pii = _read_csv(landing.root / "truth" / "pii.csv")
    assert {r["pii_type"] for r in pii} >= {
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "CREDIT_CARD",
        "IP_ADDRESS",
        "PERSON",
    }
    corpus = b"\n".join(landing.raw.values()).decode("utf-8", errors="replace")
    missing = [r for r in pii if r["as_written"] not in corpus]
    assert not missing
    ips = {row["context"]["ip"] for s, _, _, row in landing.rows if s == "segment"}
    assert ips <= {r["value"] for r in pii if r["pii_type"] == "IP_ADDRESS"}


def test_texts_label_pii(landing: Landing) -> None:
    texts = _read_csv(landing.root / "truth" / "texts.csv")
    assert {t["has_pii"] for t in texts} == {"true", "false"}
    for text in texts:
        assert (text["has_pii"] == "true") == bool(text["pii_types"])
        for name in filter(None, text["person_names"].split(";")):
            assert name in text["text"]


def test_bots_are_a_minority_and_labelled(landing: Landing) -> None:
    sessions = _read_csv(landing.root / "truth" / "sessions.csv")
    bots = [s for s in sessions if s["is_bot"] == "true"]
    assert 0.04 <= len(bots) / len(sessions) <= 0.12
    assert {b["bot_kind"] for b in bots} == {"crawler_ua", "automation_ua", "behaviour_only"}
    assert all(b["person_id"].startswith("bot:") for b in bots)
    assert all(int(s["events"]) <= 30 for s in sessions if s["is_bot"] == "false")


def test_edge_case_files(landing: Landing) -> None:
    edge = landing.manifest["edge_cases"]
    assert (landing.root / edge["empty_file"]).stat().st_size == 0
    with pytest.raises((EOFError, zlib.error, gzip.BadGzipFile)):
        gzip.decompress((landing.root / edge["truncated_gzip"]["file"]).read_bytes())
    huge = edge["huge_line"]
    line = landing.raw[huge["file"]].split(b"\n")[huge["line_number"] - 1]
    assert len(line) > 4_500_000
    json.loads(line.rstrip(b"\r"))
    crlf = landing.raw[edge["crlf_file"]]
    assert crlf.count(b"\r\n") == crlf.count(b"\n") > 0


def test_dims_and_anomaly(landing: Landing) -> None:
    root = landing.root
    anomaly = json.loads((root / "truth" / "anomaly.json").read_text())
    history = [
        r for r in _read_csv(root / "dims" / "price_history.csv") if r["product_id"] == anomaly["product_id"]
    ]
    assert any(float(r["price"]) == anomaly["wrong_price"] for r in history)
    assert anomaly["wrong_price"] < anomaly["true_price"] * 0.2
    assert anomaly["purchases_in_window"] > anomaly["purchases_outside_window"]
    fx = _read_csv(root / "dims" / "fx_rates.csv")
    assert {r["currency"] for r in fx} == {"USD", "EUR", "GBP", "JPY", "CAD"}
    assert len(fx) == 5 * 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"persons": 0}, "persons"),
        ({"days": 0}, "days"),
        ({"malformed_rate": -0.1}, "malformed_rate"),
        ({"malformed_rate": 0.6}, "malformed_rate"),
        ({"files_per_day": 0}, "files_per_day"),
        ({"gzip_share": 1.5}, "gzip_share"),
        ({"start_date": "2026-10-01"}, "start_date"),
        ({"seed": "7"}, "seed"),
    ],
)
def test_bad_arguments_raise_value_error(tmp_path: Path, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path, **kwargs)
    assert not (tmp_path / "landing").exists()


def test_zero_malformed_rate_writes_no_malformed_lines(tmp_path: Path) -> None:
    summary = generate(tmp_path, persons=10, days=1, malformed_rate=0.0, gzip_share=0.0, files_per_day=1)
    assert summary.malformed_lines == 0
    assert len(_read_csv(tmp_path / "truth" / "malformed.csv")) == 0
    assert summary.to_dict()["files"] == 2
    assert not list(tmp_path.rglob("*.gz"))


def _identifier_fields(source: str, row: dict[str, Any]) -> list[tuple[str, str]]:
    """The identifiers one landing row carries in identifier fields (as the identity stage reads them)."""
    if source == "ga4":
        found = [("anonymous_id", row.get("user_pseudo_id")), ("user_id", row.get("user_id"))]
        found += [("email", p["value"]["string_value"]) for p in row.get("user_properties") or []
                  if p["key"] == "customer_email"]
    else:
        device = (row.get("context") or {}).get("device") or {}
        found = [("anonymous_id", row.get("anonymousId")), ("user_id", row.get("userId")),
                 ("device_id", device.get("id"))]
        for fields in (row.get("traits") or {}, row.get("properties") or {}):
            if isinstance(fields, dict):
                found += [(kind, fields.get(kind)) for kind in ("email", "phone")]
    return [(kind, value) for kind, value in found if isinstance(value, str) and value]


def test_every_persons_identifiers_are_linked_by_events(landing: Landing) -> None:
    """The identity truth holds no link that no event shows: the identifiers of each person (shared
    ones and bots aside) are connected through events that carry two of them."""
    truth = {
        (r["identifier_type"], r["identifier_value"]): r["person_id"]
        for r in _read_csv(landing.root / "truth" / "identifiers.csv")
        if r["person_id"] != "shared" and not r["person_id"].startswith("bot:")
    }
    parent = {identifier: identifier for identifier in truth}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent[x] != x:
            x = parent[x]
        return x

    for source, _, _, row in landing.rows:
        own = [i for i in _identifier_fields(source, row) if i in truth]
        for other in own[1:]:
            if truth[other] == truth[own[0]]:
                parent[find(other)] = find(own[0])
    groups: dict[str, set[tuple[str, str]]] = {}
    for identifier, person in truth.items():
        groups.setdefault(person, set()).add(find(identifier))
    assert len(groups) >= 40
    assert {p for p, roots in groups.items() if len(roots) > 1} == set()
    assert sum(len(roots) == 1 and sum(truth[i] == p for i in truth) > 2 for p, roots in groups.items()) > 5
