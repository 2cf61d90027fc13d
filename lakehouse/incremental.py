"""Delta as a streaming source, on both backends: read what a table gained since the last run.

``read_increments(lake, table, process, checkpoint)`` hands each new increment of ``table`` to
``process(rows, batch_number)`` and returns when it has caught up (available-now semantics; a
long-running job calls it on its trigger). Downstream jobs (the anomaly scorer, the metrics job)
write their outputs with the Delta transaction id (their writer id, ``batch_number``), which makes
a replayed increment a no-op: the same exactly-once bookkeeping as the ingest stream.

- delta-spark: ``spark.readStream.format("delta")`` with ``foreachBatch`` and an ``availableNow``
  trigger; Spark's checkpoint holds the table versions read.
- delta-rs: the same by table version from the Delta log. The checkpoint folder holds
  ``offsets/<n>`` (the version range of increment n, written before ``process`` runs) and
  ``commits/<n>`` (written after it returned), as Spark's checkpoints do: an increment whose
  offsets were written but not its commit (a crash) is replayed with the same number and rows.

Both skip commits that rewrite or delete rows (Delta's ``skipChangeCommits``): only appended rows
are increments. A re-labelled ``events_silver`` row is therefore not seen again; a job that needs
those reads the table itself. The checkpoint format is the backend's own: keep one per backend.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable
from pyspark.sql import DataFrame

from lakehouse.deltars import DeltaRsBackend
from lakehouse.deltaspark import DeltaSparkBackend
from lakehouse.lake import Lakehouse
from lakehouse.registry import TableSpec

Process = Callable[[DataFrame, int], None]


def read_increments(lake: Lakehouse, table: str | TableSpec, process: Process, checkpoint: str | Path) -> int:
    """Process every increment of ``table`` not processed yet; returns how many were processed."""
    spec = lake.spec(table)
    lake.backend.ensure(spec)
    backend = lake.backend
    if isinstance(backend, DeltaSparkBackend):
        return _spark_increments(backend, spec, process, str(checkpoint))
    if isinstance(backend, DeltaRsBackend):
        return _log_increments(backend, spec, process, Path(checkpoint))
    raise TypeError(f"no incremental read for backend {backend.name}")


def _spark_increments(backend: DeltaSparkBackend, spec: TableSpec, process: Process, checkpoint: str) -> int:
    processed = []

    def each(rows: DataFrame, batch_number: int) -> None:
        process(rows.select(*spec.schema.fieldNames()), batch_number)
        processed.append(batch_number)

    query = (
        backend.spark.readStream.format("delta").option("skipChangeCommits", "true").load(backend.location(spec))
        .writeStream.queryName(f"increments_{spec.name}").foreachBatch(each)
        .option("checkpointLocation", checkpoint).trigger(availableNow=True).start()
    )
    query.awaitTermination()
    if query.exception() is not None:
        raise RuntimeError(f"incremental read of {spec.name} failed: {query.exception()}")
    return len(processed)


def _log_increments(backend: DeltaRsBackend, spec: TableSpec, process: Process, checkpoint: Path) -> int:
    offsets, commits = checkpoint / "offsets", checkpoint / "commits"
    offsets.mkdir(parents=True, exist_ok=True)
    commits.mkdir(parents=True, exist_ok=True)
    numbers = sorted(int(p.name) for p in offsets.iterdir() if p.name.isdigit())
    processed = 0
    if numbers and not (commits / str(numbers[-1])).exists():  # crashed inside process: replay it
        last = numbers[-1]
        _run(backend, spec, process, last, json.loads((offsets / str(last)).read_text()), commits)
        processed += 1
    done = json.loads((offsets / str(numbers[-1])).read_text())["end_version"] if numbers else None
    current = DeltaTable(str(backend.path(spec))).version()
    if done is not None and current <= done:
        return processed
    batch_number = numbers[-1] + 1 if numbers else 0
    span = {"start_version": None if done is None else done + 1, "end_version": current}
    _write_atomically(offsets / str(batch_number), json.dumps(span))
    _run(backend, spec, process, batch_number, span, commits)
    return processed + 1


def _run(backend: DeltaRsBackend, spec: TableSpec, process: Process, batch_number: int, span: dict,
         commits: Path) -> None:
    process(_rows(backend, spec, span["start_version"], span["end_version"]), batch_number)
    _write_atomically(commits / str(batch_number), "{}")


def _rows(backend: DeltaRsBackend, spec: TableSpec, start: int | None, end: int) -> DataFrame:
    """The rows appended in versions [start, end]; start None: the snapshot at ``end`` (first run)."""
    if start is None:
        actions = pa.table(DeltaTable(str(backend.path(spec)), version=end).get_add_actions(flatten=True))
        return backend.read_files(spec, actions.column("path").to_pylist() if actions.num_rows else [])
    paths: list[str] = []
    log = backend.path(spec) / "_delta_log"
    for version in range(start, end + 1):
        actions = [json.loads(line) for line in (log / f"{version:020d}.json").read_text().splitlines() if line]
        if any("remove" in a and a["remove"].get("dataChange", True) for a in actions):
            continue  # a change commit (overwrite, delete, merge): skipped, as skipChangeCommits does
        paths += [a["add"]["path"] for a in actions if "add" in a and a["add"].get("dataChange", True)]
    return backend.read_files(spec, paths)


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)
