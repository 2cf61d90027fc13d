"""Ingest: landing files -> lines -> canonical events or dead letters (GA4 and Segment)."""

from ingest.landing import LandingFile, file_listing, files_for_dates, path_date, to_landing_files
from ingest.parse import BatchContext, dead_letters, dedupe_events, parse_events, valid_events
from ingest.reader import LINE_SCHEMA, read_lines

__all__ = [
    "LINE_SCHEMA",
    "BatchContext",
    "LandingFile",
    "dead_letters",
    "dedupe_events",
    "file_listing",
    "files_for_dates",
    "parse_events",
    "path_date",
    "read_lines",
    "to_landing_files",
    "valid_events",
]
