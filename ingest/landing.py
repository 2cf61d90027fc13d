"""The landing folder: which files there are, which source each belongs to, which day it holds.

Layout: ``<landing>/ga4/...`` and ``<landing>/segment/...``, any depth of date folders below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import unquote, urlparse

from pyspark.sql import DataFrame, SparkSession

SOURCES = ("ga4", "segment")
_DATE_IN_PATH = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


@dataclass(frozen=True, order=True)
class LandingFile:
    """One export file. ``relative_path`` (from the landing root) is what tables record."""

    relative_path: str
    uri: str
    size: int

    @property
    def source(self) -> str | None:
        first = self.relative_path.split("/", 1)[0]
        return first if first in SOURCES else None


def landing_uri(landing: str | Path) -> str:
    text = str(landing)
    return text if "://" in text or text.startswith("file:") else f"file://{Path(text).absolute()}"


def _local_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("", "file") else uri


def relative_to_landing(uri: str, landing: str | Path) -> str:
    """Path of a file below the landing root, with forward slashes."""
    root = _local_path(landing_uri(landing)).rstrip("/") + "/"
    path = _local_path(uri)
    return path[len(root) :] if path.startswith(root) else path


def path_date(relative_path: str) -> date | None:
    """The last date written in a file's path (``2026-10-01`` or ``20261001``), if any."""
    found = None
    for match in _DATE_IN_PATH.finditer(relative_path):
        try:
            found = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return found


def file_listing(spark: SparkSession, landing: str | Path) -> DataFrame:
    """Files below the landing root as (path, length); Spark lists, file contents are not read."""
    return (
        spark.read.format("binaryFile")
        .option("recursiveFileLookup", "true")
        .load(landing_uri(landing))
        .select("path", "length")
    )


def to_landing_files(rows: list[tuple[str, int]], landing: str | Path) -> list[LandingFile]:
    files = [LandingFile(relative_to_landing(uri, landing), uri, int(size)) for uri, size in rows]
    return sorted(files)


def files_for_dates(files: list[LandingFile], first: date, last: date) -> list[LandingFile]:
    """Files that may hold events of [first, last]: dated within a day of the range, or undated.

    A day's export can hold events from just before or after midnight, hence the margin.
    """
    low, high = first - timedelta(days=1), last + timedelta(days=1)
    chosen = []
    for file in files:
        day = path_date(file.relative_path)
        if day is None or low <= day <= high:
            chosen.append(file)
    return chosen
