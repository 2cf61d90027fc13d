"""The command line: help everywhere, one-line errors for user mistakes, and a real end-to-end run."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable

from clickstitch.catalog import CATALOG
from clickstitch.cli import main
from clickstitch.config import HASH_KEY_ENV
from privacy import keyed_hash
from privacy.hashing import normalize_email
from quality import docs_index, quality_root
from quality.expectations import SUITE_TABLES
from sql import view_statements
from tests.backends import TEST_BACKEND
from tests.browser import keep_artifact, render
from tests.frames import parquet_text

COMMANDS = ["generate", "demo", "stream", "backfill", "tables", "sql", "forget", "enrich", "report", "quality"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: clickstitch {command}" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["backfill", "--from", "2026-10-03", "--to", "2026-10-01", "--input", "."], "is before --from"),
        (["backfill", "--from", "2026-10-01", "--to", "2026-10-01", "--input", "/no/such/landing"],
         "landing folder not found"),
        (["stream", "--input", "/no/such/landing"], "landing folder not found"),
        (["tables", "--lake", "/no/such/lake"], "no lake at"),
        (["generate", "--out", "/tmp/never", "--persons", "0"], "persons"),
        (["tables", "--config", "/no/such/config.yaml"], "config error: file not found"),
    ],
)
def test_user_mistakes_give_one_line_errors(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert err.startswith("clickstitch: error:")


def test_bad_config_key_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text("ingest:\n  max_record_byte: 10\n")
    assert main(["tables", "--config", str(config)]) == 2
    assert "ingest.max_record_byte: unknown key" in capsys.readouterr().err


def test_bad_date_is_an_argument_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["backfill", "--from", "2026-13-01", "--to", "2026-10-01"])
    assert exit_info.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_missing_java_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "JAVA_HOME": str(tmp_path / "no-java")}
    result = subprocess.run([sys.executable, "-m", "clickstitch.session"], env=env, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("clickstitch: Java not found: install Java 17")
    assert "Traceback" not in result.stderr


def _clickstitch(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    run_env = {**{k: v for k, v in os.environ.items() if k != HASH_KEY_ENV},  # the demo makes its own key
               "CLICKSTITCH__SPARK__MASTER": "local[2]", "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2",
               # lake.backend auto: delta-spark with the jars (the delta-spark session), else delta-rs.
               "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower(), **(env or {})}
    return subprocess.run([sys.executable, "-m", "clickstitch.cli", *argv], env=run_env, capture_output=True,
                          text=True, check=False, timeout=600)


# delta-rs session only (CI time: on delta-spark its four fresh processes took about 19 minutes).
# On delta-spark, the spark-submit test runs the pipeline's jobs, the Kafka test a killed and restarted
# stream, test_deltaspark.py SQL over the tables with their history, and the backend tests the delete
# and vacuum that `forget` is built on.
@pytest.mark.slow
def test_demo_then_every_command_sees_every_table_and_forget_erases_everywhere(tmp_path: Path) -> None:
    """As a user runs it: `demo` builds a lake; fresh `tables`, `sql` and `forget` processes see all of it."""
    demo_dir = tmp_path / "demo"
    demo = _clickstitch("demo", "--out", str(demo_dir), "--persons", "40", "--days", "1")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "balanced: True" in demo.stdout
    assert "truncated_gzip" in demo.stdout, "demo data includes the edge cases"
    lake = str(demo_dir / "lake")
    key_env = {"CLICKSTITCH__SECRETS__HASH_KEY_FILE": str(demo_dir / "hash.key")}

    tables = _clickstitch("tables", "--lake", lake)
    assert tables.returncode == 0, tables.stderr[-3000:]
    table_part, view_part = tables.stdout.strip().split("\n\n")
    listed = {line.split()[0]: line for line in table_part.splitlines()[1:]}
    assert set(listed) == set(CATALOG.names)
    assert not [name for name, line in listed.items() if "not created yet" in line]
    views = {line.split()[0]: line for line in view_part.splitlines()[1:]}
    assert set(views) == set(view_statements()) and all(len(line.split()) > 3 for line in views.values()), view_part
    history = _clickstitch("tables", "--lake", lake, "--history", "events_bronze")
    assert history.returncode == 0, history.stderr[-3000:]
    assert "WRITE" in history.stdout and "clickstitch-backfill" in history.stdout

    names = _clickstitch("sql", "--lake", lake)
    assert names.returncode == 0, names.stderr[-3000:]
    shown = set(names.stdout.split(":", 1)[1].replace(",", " ").split())
    assert shown == set(CATALOG.names) | set(view_statements())
    stitched = _clickstitch("sql", "--lake", lake, "SELECT count(*) AS n, count(current_person_id) AS persons "
                            "FROM events_stitched")
    assert stitched.returncode == 0, stitched.stderr[-3000:]
    counts = [int(v) for v in stitched.stdout.split("\n")[3].strip("| ").split("|")]
    assert counts[0] > 0 and counts[1] > 0, stitched.stdout
    query = _clickstitch("sql", "--lake", lake, "SELECT balanced, driver FROM ingest_health")
    assert query.returncode == 0 and "true" in query.stdout and "backfill" in query.stdout, query.stderr[-3000:]
    for bad_query, said in [("SELECT nope FROM ingest_health", "UNRESOLVED_COLUMN"),
                            ("SELECT * FROM no_such_table", "TABLE_OR_VIEW_NOT_FOUND")]:
        bad = _clickstitch("sql", "--lake", lake, "-q", bad_query)
        assert bad.returncode == 2, bad.stderr[-3000:]
        assert _user_lines(bad.stderr) == [bad.stderr.strip().splitlines()[-1]]
        assert _user_lines(bad.stderr)[0].startswith("clickstitch: error: query failed: [") and said in bad.stderr
    unknown = _clickstitch("tables", "--lake", lake, "-q", "--history", "no_such_table")
    assert unknown.returncode == 2 and _user_lines(unknown.stderr)[0].startswith(
        "clickstitch: error: unknown table 'no_such_table'"), unknown.stderr[-3000:]

    # Data quality ran on every gated table, and the demo built GX's Data Docs under the lake.
    checked = {row["table"] for row in DeltaTable(demo_dir / "lake" / "quality_results").to_pyarrow_table(
        columns=["table"]).to_pylist()}
    assert checked == set(SUITE_TABLES), checked
    assert docs_index(quality_root(demo_dir / "lake")).is_file()

    report = _clickstitch("report", "--lake", lake, "--out", str(tmp_path / "report.html"))
    assert report.returncode == 0 and "report written to" in report.stdout, report.stderr[-3000:]
    page = (tmp_path / "report.html").read_text()
    assert not re.search(r"<script[^>]+src=", page), "the page loads no script from anywhere"
    dom = render(tmp_path / "report.html", tmp_path / "report.png")  # headless Chromium, network off
    for panel in ("bots", "ingest"):
        section = re.search(rf'<section class="panel" id="panel-{panel}".*?</section>', dom, re.S)
        assert section and 'class="main-svg"' in section.group(0), f"the {panel} chart drew"
    assert (tmp_path / "report.png").stat().st_size > 10_000
    keep_artifact(tmp_path / "report.png", "report-demo.png")

    person, email, raw_ids = _a_person_with_email(demo_dir / "truth" / "identifiers.csv")
    key = (demo_dir / "hash.key").read_text().strip().encode()
    hashes = [keyed_hash(v.strip(), key) for v in raw_ids] + [keyed_hash(normalize_email(email), key)]
    bronze_text = parquet_text(demo_dir / "lake" / "events_bronze")
    assert any(v.lower() in bronze_text for v in raw_ids) and email.lower() in bronze_text, person
    assert any(h in parquet_text(demo_dir / "lake" / "identity_map") for h in hashes), person
    erased = _clickstitch("forget", "--lake", lake, "--identifier", f"email:{email}", env=key_env)
    assert erased.returncode == 0, erased.stderr[-3000:]
    swept = {line.split()[0] for line in erased.stdout.splitlines() if "rows removed" in line
             and not line.startswith("total")}
    person_tables = {"events_bronze", "events_silver", "event_items", "identity_edges", "identity_map",
                     "customer_profiles"}
    assert person_tables <= swept, erased.stdout
    receipt = _clickstitch("sql", "--lake", lake, "SELECT person_ids FROM forget_receipts", env=key_env)
    person_ids = [p for p in receipt.stdout.replace("[", " ").replace("]", " ").replace("|", " ").split()
                  if p.startswith("per_")]
    assert person_ids, receipt.stdout
    for name in CATALOG.names:
        if name == "forget_receipts":  # the receipt names the erased person ids, nothing else of them
            continue
        text = parquet_text(demo_dir / "lake" / name)
        assert not [v for v in [email, *raw_ids, *hashes, *person_ids] if v.lower() in text], name


def _user_lines(stderr: str) -> list[str]:
    """What a user reads on stderr, less the JVM's own start-up notice."""
    return [line for line in stderr.splitlines() if line.strip() and not line.startswith("WARNING: Using incubator")]


def _a_person_with_email(identifiers_csv: Path) -> tuple[str, str, list[str]]:
    with open(identifiers_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    ids_of: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        ids_of.setdefault(row["person_id"], []).append((row["identifier_type"], row["identifier_value"]))
    person, ids = next((p, ids) for p, ids in sorted(ids_of.items()) if not p.startswith("bot:") and p != "shared"
                       and {"email", "user_id", "anonymous_id"} <= {t for t, _ in ids})
    email = next(v for t, v in ids if t == "email")
    return person, email, [v for t, v in ids if t in ("anonymous_id", "user_id", "device_id")]
