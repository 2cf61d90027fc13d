"""The command line: help everywhere, one-line errors for user mistakes, and a real end-to-end run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from clickstitch.cli import main
from tests.backends import TEST_BACKEND

COMMANDS = ["generate", "demo", "stream", "backfill", "tables", "sql", "forget"]


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
    run_env = {**os.environ, "CLICKSTITCH__SPARK__MASTER": "local[2]", "CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "2",
               # lake.backend auto: delta-spark with the jars (the delta-spark session), else delta-rs.
               "CLICKSTITCH__SPARK__LOCAL_JARS": str(TEST_BACKEND == "delta-spark").lower(), **(env or {})}
    return subprocess.run([sys.executable, "-m", "clickstitch.cli", *argv], env=run_env, capture_output=True,
                          text=True, check=False, timeout=600)


@pytest.mark.slow
@pytest.mark.backends
def test_demo_then_tables_and_sql(tmp_path: Path) -> None:
    demo = _clickstitch("demo", "--out", str(tmp_path / "demo"), "--persons", "40", "--days", "1")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "balanced: True" in demo.stdout
    for table in ("events_bronze", "dead_letter", "ingest_batches"):
        assert table in demo.stdout
    assert "truncated_gzip" in demo.stdout, "demo data includes the edge cases"

    lake = str(tmp_path / "demo" / "lake")
    tables = _clickstitch("tables", "--lake", lake, "--history", "events_bronze")
    assert tables.returncode == 0, tables.stderr[-3000:]
    assert "WRITE" in tables.stdout and "clickstitch-backfill" in tables.stdout

    query = _clickstitch("sql", "--lake", lake, "SELECT balanced, driver FROM ingest_health")
    assert query.returncode == 0, query.stderr[-3000:]
    assert "true" in query.stdout and "backfill" in query.stdout
    bad = _clickstitch("sql", "--lake", lake, "SELECT nope FROM ingest_health")
    assert bad.returncode == 2 and "query failed" in bad.stderr and "Traceback" not in bad.stderr
