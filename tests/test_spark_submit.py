"""spark-submit for real: jobs/backfill.py and jobs/stream.py --available-now, with Delta's jars
handed over as a cluster user hands them (--jars and --conf), not by clickstitch's session."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable

import generator
from clickstitch.session import local_jars
from lakehouse import EVENTS_BRONZE, INGEST_BATCHES

pytestmark = [pytest.mark.jars, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def spark_submit(job: str, *args: str) -> subprocess.CompletedProcess[str]:
    submit = Path(sys.executable).with_name("spark-submit")  # pyspark's, in the virtualenv
    assert submit.exists(), f"pyspark's spark-submit is missing beside {sys.executable}"
    jars = ",".join(str(j) for j in local_jars())
    command = [
        str(submit), "--master", "local[2]", "--driver-memory", "1g",
        "--jars", jars,
        "--conf", "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf", "spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--conf", "spark.sql.shuffle.partitions=2",
        "--conf", f"spark.pyspark.python={sys.executable}",
        str(ROOT / "jobs" / job), *args,
    ]
    env = {**os.environ, "CLICKSTITCH_HASH_KEY": "test-only-hash-key", "PYTHONPATH": str(ROOT)}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)


def test_spark_submit_backfill_then_stream_available_now(tmp_path: Path) -> None:
    generator.generate(tmp_path / "exports", persons=20, days=1, seed=5, start_date=date(2026, 10, 1),
                       malformed_rate=0.0)
    landing, lake = tmp_path / "exports" / "landing", tmp_path / "lake"
    done = spark_submit("backfill.py", "--input", str(landing), "--lake", str(lake),
                        "--from", "2026-10-01", "--to", "2026-10-01", "-q")
    assert done.returncode == 0, done.stderr[-3000:]
    bronze = DeltaTable(str(lake / EVENTS_BRONZE.name))
    # spark-submit's own jars and conf: the delta-spark backend wrote the tables (its commits say so).
    assert any(str(h.get("engineInfo", "")).startswith("Apache-Spark") for h in bronze.history())
    batch = DeltaTable(str(lake / INGEST_BATCHES.name)).to_pyarrow_table().to_pylist()[0]
    assert batch["bronze_records"] == bronze.to_pyarrow_table().num_rows > 0
    assert batch["input_records"] == (batch["bronze_records"] + batch["dead_letters"] + batch["duplicates"]
                                      + batch["out_of_range"])

    streamed = spark_submit("stream.py", "--available-now", "--input", str(landing), "--lake", str(tmp_path / "s"),
                            "-q")
    assert streamed.returncode == 0, streamed.stderr[-3000:]
    stream_bronze = DeltaTable(str(tmp_path / "s" / EVENTS_BRONZE.name))
    assert stream_bronze.to_pyarrow_table().num_rows == bronze.to_pyarrow_table().num_rows
