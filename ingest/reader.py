"""Read landing files into lines, on the executors, in Arrow batches.

Spark's own text reader cannot say which line of a file a record came from, silently drops
the tail of a truncated ``.gz`` (or fails the job), and replaces invalid UTF-8 without telling.
This reader streams each file once (gzip decompressed incrementally, so memory stays bounded)
and gives every line its file, line number and, when the line is unusable, a read error:

    invalid_utf8, record_too_large, truncated_gzip, corrupt_gzip, unreadable_file,
    unsupported_file_type, unknown_source, file_too_large

Output columns (``LINE_SCHEMA``): source, source_file, source_line, text, raw_bytes,
read_error, read_detail.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import LongType, StringType, StructField, StructType

from ingest.config import IngestConfig
from ingest.landing import LandingFile

LINE_SCHEMA = StructType(
    [
        StructField("source", StringType()),
        StructField("source_file", StringType()),
        StructField("source_line", LongType()),
        StructField("text", StringType()),
        StructField("raw_bytes", LongType()),
        StructField("read_error", StringType()),
        StructField("read_detail", StringType()),
    ]
)
_ARROW_LINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("text", pa.string()),
        ("raw_bytes", pa.int64()),
        ("read_error", pa.string()),
        ("read_detail", pa.string()),
    ]
)
_FILE_SCHEMA = StructType(
    [
        StructField("source", StringType()),
        StructField("source_file", StringType()),
        StructField("uri", StringType()),
        StructField("size", LongType()),
    ]
)
_SUPPORTED_SUFFIXES = (".json", ".jsonl", ".ndjson", ".json.gz", ".jsonl.gz", ".ndjson.gz", ".gz")
_CHUNK_BYTES = 4 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ReadLimits:
    max_record_bytes: int
    max_file_bytes: int
    raw_chars: int
    lines_per_batch: int

    @classmethod
    def from_config(cls, config: IngestConfig) -> ReadLimits:
        return cls(
            config.max_record_bytes, config.max_file_bytes, config.dead_letter_raw_chars,
            config.lines_per_arrow_batch,
        )


def read_lines(spark: SparkSession, files: list[LandingFile], config: IngestConfig) -> DataFrame:
    """All lines of the given files (LINE_SCHEMA), one Spark task per file where cores allow."""
    rows = [(f.source, f.relative_path, f.uri, f.size) for f in files]
    listing = spark.createDataFrame(rows, _FILE_SCHEMA)
    if rows:
        listing = listing.repartition(min(len(rows), spark.sparkContext.defaultParallelism * 4), "source_file")
    limits = ReadLimits.from_config(config)

    def split_files(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for file in batch.to_pylist():
                yield from _file_batches(file, limits)

    return listing.mapInArrow(split_files, LINE_SCHEMA)


class _LineBatcher:
    """Collects one file's lines and turns them into Arrow batches of bounded size."""

    def __init__(self, source: str | None, source_file: str, limits: ReadLimits) -> None:
        self.source, self.source_file, self.limits = source, source_file, limits
        self.lines: list[bytes] = []
        self.numbers: list[int] = []
        self.errors: list[tuple[int, str, str, bytes, int]] = []

    def add(self, number: int, line: bytes) -> None:
        if line.endswith(b"\r"):
            line = line[:-1]
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if not line.strip():
            return  # blank lines are not records
        self.lines.append(line)
        self.numbers.append(number)

    def error(self, number: int, reason: str, detail: str, raw: bytes = b"", raw_bytes: int = 0) -> None:
        self.errors.append((number, reason, detail, raw[: self.limits.raw_chars * 4], raw_bytes))

    def full(self) -> bool:
        return len(self.lines) + len(self.errors) >= self.limits.lines_per_batch

    def flush(self) -> Iterator[pa.RecordBatch]:
        if self.lines:
            yield self._good_batch()
        if self.errors:
            yield self._error_batch()
        self.lines, self.numbers, self.errors = [], [], []

    def _good_batch(self) -> pa.RecordBatch:
        raw = pa.array(self.lines, pa.binary())
        sizes = [len(line) for line in self.lines]
        oversized = [i for i, n in enumerate(sizes) if n > self.limits.max_record_bytes]
        try:
            text = raw.cast(pa.string())  # validates UTF-8 for the whole batch at C speed
            bad_utf8: set[int] = set()
        except pa.ArrowInvalid:
            bad_utf8 = set()
            decoded: list[str | None] = []
            for i, line in enumerate(self.lines):
                try:
                    decoded.append(line.decode("utf-8"))
                except UnicodeDecodeError:
                    bad_utf8.add(i)
                    decoded.append(None)
            text = pa.array(decoded, pa.string())
        if not oversized and not bad_utf8:
            return self._batch(self.numbers, text, sizes, [None] * len(sizes), [None] * len(sizes))
        texts = text.to_pylist()
        errors: list[str | None] = [None] * len(sizes)
        details: list[str | None] = [None] * len(sizes)
        for i in bad_utf8:
            errors[i], details[i] = "invalid_utf8", "line is not valid UTF-8"
            texts[i] = self._preview(self.lines[i])
        for i in oversized:
            errors[i] = "record_too_large"
            details[i] = f"{sizes[i]} bytes > ingest.max_record_bytes={self.limits.max_record_bytes}"
            texts[i] = self._preview(self.lines[i])
        return self._batch(self.numbers, pa.array(texts, pa.string()), sizes, errors, details)

    def _error_batch(self) -> pa.RecordBatch:
        numbers, reasons, details, raws, sizes = zip(*self.errors, strict=True)
        texts = pa.array([self._preview(r) for r in raws], pa.string())
        return self._batch(list(numbers), texts, list(sizes), list(reasons), list(details))

    def _preview(self, raw: bytes) -> str:
        return raw.decode("utf-8", errors="replace")[: self.limits.raw_chars]

    def _batch(self, numbers, text, sizes, errors, details) -> pa.RecordBatch:  # type: ignore[no-untyped-def]
        n = len(numbers)
        return pa.RecordBatch.from_arrays(
            [
                pa.array([self.source] * n, pa.string()),
                pa.array([self.source_file] * n, pa.string()),
                pa.array(numbers, pa.int64()),
                text,
                pa.array(sizes, pa.int64()),
                pa.array(errors, pa.string()),
                pa.array(details, pa.string()),
            ],
            schema=_ARROW_LINE_SCHEMA,
        )


def _file_batches(file: dict, limits: ReadLimits) -> Iterator[pa.RecordBatch]:
    """Lines of one file as Arrow batches; problems with the file itself become error lines."""
    out = _LineBatcher(file["source"], file["source_file"], limits)
    name = file["source_file"].lower()
    if file["source"] is None:
        out.error(0, "unknown_source", "file is not below ga4/ or segment/ in the landing folder")
    elif not name.endswith(_SUPPORTED_SUFFIXES):
        out.error(0, "unsupported_file_type", "expected .json, .jsonl, .ndjson or .gz")
    elif file["size"] > limits.max_file_bytes:
        out.error(0, "file_too_large", f"{file['size']} bytes > ingest.max_file_bytes={limits.max_file_bytes}")
    else:
        yield from _split_lines(file, name.endswith(".gz"), out)
        return
    yield from out.flush()


def _split_lines(file: dict, gzipped: bool, out: _LineBatcher) -> Iterator[pa.RecordBatch]:
    limits = out.limits
    number = 0
    pending = b""
    skipping = 0  # bytes of an over-long line seen so far, kept out of memory
    skipped_head = b""
    try:
        for chunk in _decompressed_chunks(file["uri"], gzipped):
            pieces = (pending + chunk).split(b"\n") if not skipping else chunk.split(b"\n")
            if skipping:
                if len(pieces) == 1:
                    skipping += len(chunk)
                    continue
                number += 1
                skipping += len(pieces[0])
                out.error(number, "record_too_large",
                          f"{skipping} bytes > ingest.max_record_bytes={limits.max_record_bytes}",
                          skipped_head, skipping)
                skipping, skipped_head = 0, b""
                pieces = pieces[1:]
            pending = pieces.pop()
            for line in pieces:
                number += 1
                out.add(number, line)
            if len(pending) > max(limits.max_record_bytes, _CHUNK_BYTES) * 2:
                skipping, skipped_head, pending = len(pending), pending[: limits.raw_chars * 4], b""
            if out.full():
                yield from out.flush()
    except _Truncated as exc:
        if skipping:
            number += 1
            out.error(number, "truncated_gzip", f"{exc}; an over-long line was cut", skipped_head, skipping)
        else:
            number += 1
            out.error(number, "truncated_gzip", f"{exc}; the rest of the file is lost", pending, len(pending))
        yield from out.flush()
        return
    except (OSError, zlib.error) as exc:
        number += 1
        reason = "corrupt_gzip" if isinstance(exc, zlib.error) else "unreadable_file"
        out.error(number, reason, f"{type(exc).__name__}: {exc}; lines before were read", pending, len(pending))
        yield from out.flush()
        return
    if skipping:
        number += 1
        out.error(number, "record_too_large",
                  f"{skipping} bytes > ingest.max_record_bytes={limits.max_record_bytes}", skipped_head, skipping)
    elif pending:
        number += 1
        out.add(number, pending)
    yield from out.flush()


class _Truncated(Exception):
    pass


def _decompressed_chunks(uri: str, gzipped: bool) -> Iterator[bytes]:
    """The file's bytes, decompressed on the fly; raises _Truncated if a gzip stream ends early."""
    from pyarrow import fs

    filesystem, path = fs.FileSystem.from_uri(uri.replace("s3a://", "s3://"))
    with filesystem.open_input_stream(path, compression=None) as stream:
        if not gzipped:
            while chunk := stream.read(_CHUNK_BYTES):
                yield chunk
            return
        decompressor = zlib.decompressobj(wbits=31)
        fed = False  # has the current gzip member consumed any bytes?
        while chunk := stream.read(_CHUNK_BYTES):
            while chunk:
                fed = True
                # Bounded output per call: a small compressed chunk can expand a thousandfold.
                yield decompressor.decompress(chunk, _CHUNK_BYTES)
                if decompressor.eof:  # concatenated gzip members: start the next one
                    chunk = decompressor.unused_data
                    decompressor, fed = zlib.decompressobj(wbits=31), False
                else:
                    chunk = decompressor.unconsumed_tail
        if fed and not decompressor.eof:
            yield decompressor.flush()
            raise _Truncated("gzip stream ends before its end marker")
