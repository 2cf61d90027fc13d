"""Spread events over landing files with duplicates, malformed lines and (optionally) edge-case files."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .corrupt import SEGMENT_ONLY_KINDS, dumps, malformed_line, plan_malformed_kinds
from .events import Event
from .ga4 import ga4_event_key, ga4_row
from .params import GenerationParams, day_of
from .segment import segment_event_key, segment_message
from .writer import landing_rel_path, write_empty_file, write_landing_file, write_truncated_gzip

DUPLICATE_RATE = 0.003
SEGMENT_RETRY_SHARE = 0.3  # of Segment duplicates: a retry with later sentAt/receivedAt, same messageId
TRUNCATED_GZ_LINES = 30
GroupKey = tuple[str, datetime.date]


@dataclass(slots=True)
class LandingResult:
    files: list[str] = field(default_factory=list)
    malformed: list[tuple[str, int, str]] = field(default_factory=list)
    duplicates: list[tuple[str, str, int]] = field(default_factory=list)
    duplicate_lines: int = 0
    edge_cases: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _GroupPlan:
    events: list[Event]
    file_of: dict[int, int] = field(default_factory=dict)  # event seq -> file index
    extra_copies: dict[int, list[int]] = field(default_factory=dict)  # event seq -> files of its repeats
    malformed: list[tuple[Event, str]] = field(default_factory=list)
    gz_files: frozenset[int] = frozenset()
    crlf_file: int | None = None


def _render(event: Event) -> dict[str, Any]:
    return ga4_row(event) if event.ctx.source == "ga4" else segment_message(event)


def write_landing(
    out_dir: Path,
    events: list[Event],
    params: GenerationParams,
    rng: random.Random,
    progress: Callable[[str], None],
) -> LandingResult:
    """Plan every file's content first (cheap), then render and write one (source, day) group at a time."""
    groups: dict[GroupKey, _GroupPlan] = {}
    for event in sorted(events, key=lambda e: (e.ctx.source, e.ts_us, e.seq)):
        groups.setdefault((event.ctx.source, day_of(event.ts_us)), _GroupPlan([])).events.append(event)
    keys = sorted(groups)
    fpd = params.files_per_day
    n_gz = round(fpd * params.gzip_share)
    total_lines = 0
    for key in keys:
        plan = groups[key]
        plan.gz_files = frozenset(rng.sample(range(fpd), n_gz))
        for event in plan.events:
            plan.file_of[event.seq] = rng.randrange(fpd)
            if rng.random() < DUPLICATE_RATE:
                copies = 1 if rng.random() < 0.9 else 2
                plan.extra_copies[event.seq] = [
                    plan.file_of[event.seq] if rng.random() < 0.6 else rng.randrange(fpd)
                    for _ in range(copies)
                ]
        total_lines += len(plan.events) + sum(len(c) for c in plan.extra_copies.values())

    segment_events = [e for e in events if e.ctx.source == "segment"]
    kinds = plan_malformed_kinds(
        rng, total_lines, params.malformed_rate, bool(segment_events), len(segment_events) < len(events)
    )
    for kind in kinds:
        pool = segment_events if kind in SEGMENT_ONLY_KINDS else events
        template = pool[rng.randrange(len(pool))]
        groups[(template.ctx.source, day_of(template.ts_us))].malformed.append((template, kind))

    result = LandingResult()
    edge_key: GroupKey | None = None
    if params.edge_cases and keys:
        first_day = min(k[1] for k in keys)
        edge_key = ("segment", first_day) if ("segment", first_day) in groups else keys[0]
        plan = groups[edge_key]
        plan.crlf_file = min(set(range(fpd)) - plan.gz_files, default=0)
        busy = {e.seq for e, _ in plan.malformed} | set(plan.extra_copies)
        candidates = [e for e in plan.events if e.seq not in busy]
        huge_pool = [e for e in candidates if e.kind not in ("identify", "page", "screen")] or candidates
        if huge_pool:  # about 5 MB of base64 "screenshot": valid JSON, one enormous string property
            huge_pool[0].data["huge_payload"] = "data:image/png;base64," + _base64_blob(rng, 3_750_000)
            result.edge_cases["huge_line_event_seq"] = huge_pool[0].seq

    for key in keys:
        progress(f"writing landing {key[0]} {key[1].isoformat()}")
        _write_group(out_dir, key, groups[key], params, rng, result, key == edge_key)
    result.malformed.sort()
    result.duplicates.sort()
    result.edge_cases.pop("huge_line_event_seq", None)
    return result


def _base64_blob(rng: random.Random, n_bytes: int) -> str:
    return base64.b64encode(rng.randbytes(n_bytes)).decode("ascii")


def _write_group(
    out_dir: Path,
    key: GroupKey,
    plan: _GroupPlan,
    params: GenerationParams,
    rng: random.Random,
    result: LandingResult,
    is_edge_group: bool,
) -> None:
    source, day = key
    fpd = params.files_per_day
    entries: list[list[tuple[tuple[int, int, int], bytes]]] = [[] for _ in range(fpd)]
    templates = {event.seq: None for event, _ in plan.malformed}
    rows: dict[int, dict[str, Any]] = {}
    huge_seq = result.edge_cases.get("huge_line_event_seq")
    huge_line: bytes | None = None
    for event in plan.events:
        row = _render(event)
        line = dumps(row)
        if event.seq in templates:
            rows[event.seq] = row
        if event.seq == huge_seq:
            huge_line = line
        entries[plan.file_of[event.seq]].append(((event.ts_us, event.seq, 0), line))
        repeats = plan.extra_copies.get(event.seq)
        if repeats:
            key_text = ga4_event_key(row) if source == "ga4" else segment_event_key(row)
            result.duplicates.append((source, key_text, 1 + len(repeats)))
            result.duplicate_lines += len(repeats)
            for copy_no, file_index in enumerate(repeats, start=1):
                repeat = line
                if source == "segment" and rng.random() < SEGMENT_RETRY_SHARE:
                    retried = dataclasses.replace(
                        event, send_delay_us=event.send_delay_us + rng.randint(1, 60) * 10**6
                    )
                    repeat = dumps(segment_message(retried))
                entries[file_index].append(((event.ts_us, event.seq, copy_no), repeat))

    files: list[list[tuple[bytes, str | None]]] = []
    for file_entries in entries:
        file_entries.sort(key=lambda item: item[0])
        files.append([(line, None) for _, line in file_entries])
    for event, kind in plan.malformed:
        target = files[plan.file_of[event.seq]]
        target.insert(rng.randint(0, len(target)), (malformed_line(rng, kind, source, rows[event.seq]), kind))

    for index, lines in enumerate(files):
        rel = landing_rel_path(source, day, index, index in plan.gz_files)
        crlf = is_edge_group and index == plan.crlf_file
        write_landing_file(out_dir, rel, [line for line, _ in lines], gz=index in plan.gz_files, crlf=crlf)
        result.files.append(rel)
        for number, (line, line_kind) in enumerate(lines, start=1):
            if line_kind is not None:
                result.malformed.append((rel, number, line_kind))
            elif huge_line is not None and line is huge_line:
                result.edge_cases["huge_line"] = {"file": rel, "line_number": number, "bytes": len(line)}
        if crlf:
            result.edge_cases["crlf_file"] = rel

    if is_edge_group:
        _write_edge_files(out_dir, source, day, fpd, files, result)


def _write_edge_files(
    out_dir: Path,
    source: str,
    day: datetime.date,
    fpd: int,
    files: list[list[tuple[bytes, str | None]]],
    result: LandingResult,
) -> None:
    """An empty file and a truncated .gz next to the normal files of the first day."""
    empty_rel = landing_rel_path(source, day, fpd, gz=False)
    write_empty_file(out_dir, empty_rel)
    valid = [line for lines in files for line, kind in lines if kind is None and len(line) < 100_000]
    truncated_rel = landing_rel_path(source, day, fpd + 1, gz=True)
    write_truncated_gzip(out_dir, truncated_rel, valid[:TRUNCATED_GZ_LINES])
    result.files.extend([empty_rel, truncated_rel])
    result.edge_cases["empty_file"] = empty_rel
    result.edge_cases["truncated_gzip"] = {
        "file": truncated_rel,
        "note": "copies of the first valid lines of this day; salvaging a prefix only adds duplicates",
    }
