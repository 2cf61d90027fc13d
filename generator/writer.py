"""Landing file names and byte-reproducible writing (plain or gzip, LF or CRLF)."""

from __future__ import annotations

import datetime
import gzip
import io
from pathlib import Path

GZIP_LEVEL = 6  # level 9 costs twice the time for a few percent


def landing_rel_path(source: str, day: datetime.date, index: int, gz: bool) -> str:
    """landing/ga4/DAY/events_YYYYMMDD_NNN.json[.gz], landing/segment/DAY/segment_YYYYMMDD_NNN.jsonl[.gz]."""
    stamp = day.strftime("%Y%m%d")
    name = f"events_{stamp}_{index:03d}.json" if source == "ga4" else f"segment_{stamp}_{index:03d}.jsonl"
    return f"landing/{source}/{day.isoformat()}/{name}{'.gz' if gz else ''}"


def gzip_bytes(data: bytes) -> bytes:
    """gzip with mtime 0 and no file name in the header, so equal input gives equal bytes."""
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=GZIP_LEVEL) as fh:
        fh.write(data)
    return buffer.getvalue()


def join_lines(lines: list[bytes], crlf: bool = False) -> bytes:
    if not lines:
        return b""
    newline = b"\r\n" if crlf else b"\n"
    return newline.join(lines) + newline


def write_landing_file(
    out_dir: Path, rel_path: str, lines: list[bytes], *, gz: bool, crlf: bool = False
) -> Path:
    """One open and one write per file: the whole file is assembled in memory first."""
    path = out_dir / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    data = join_lines(lines, crlf)
    path.write_bytes(gzip_bytes(data) if gz else data)
    return path


def write_truncated_gzip(out_dir: Path, rel_path: str, lines: list[bytes]) -> Path:
    """A valid gzip stream of valid lines, cut mid-way through the compressed data (an interrupted upload)."""
    path = out_dir / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    full = gzip_bytes(join_lines(lines))
    path.write_bytes(full[: max(11, len(full) // 2)])
    return path


def write_empty_file(out_dir: Path, rel_path: str) -> Path:
    path = out_dir / rel_path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return path
