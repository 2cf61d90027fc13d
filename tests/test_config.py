"""The typed config: defaults run as is, bad keys and values fail with the key's name, secrets stay hidden."""

from __future__ import annotations

from pathlib import Path

import pytest

from clickstitch.config import ClickstitchConfig, load_config
from clickstitch.errors import ConfigError


def test_defaults_load_without_edits() -> None:
    config = load_config(environ={})
    assert config.lake.backend == "auto"
    assert config.ingest.max_record_bytes == 1_000_000
    assert config.secrets.hash_key is None


def test_yaml_file_then_environment_override(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("lake:\n  root: /data/lake\nstream:\n  max_files_per_trigger: 5\n")
    config = load_config(path, environ={"CLICKSTITCH__STREAM__MAX_FILES_PER_TRIGGER": "7"})
    assert config.lake.root == Path("/data/lake")
    assert config.stream.max_files_per_trigger == 7


@pytest.mark.parametrize(
    ("yaml_text", "environ", "message"),
    [
        ("lake:\n  backnd: delta-rs\n", {}, "lake.backnd: unknown key"),
        ("lake:\n  backend: parquet\n", {}, "lake.backend"),
        ("ingest:\n  max_record_bytes: -5\n", {}, "ingest.max_record_bytes"),
        ("ingest:\n  min_event_time: yesterday\n", {}, "ingest.min_event_time"),
        ("", {"CLICKSTITCH__SPARK__SHUFFLE_PARTITIONS": "zero"}, "spark.shuffle_partitions"),
        ("- just\n- a list\n", {}, "mapping at the top level"),
        ("lake: [unclosed\n", {}, "not valid YAML"),
        ("botdetect:\n  session_gap: soon\n", {}, "botdetect.session_gap"),
        # both cut sessions without a session id: the verdicts must judge the sessions metrics counts
        ("metrics:\n  session_gap: 20 minutes\n", {}, "botdetect.session_gap .* must equal metrics.session_gap"),
    ],
)
def test_bad_config_names_the_key(tmp_path: Path, yaml_text: str, environ: dict[str, str], message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(yaml_text)
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ=environ)


def test_one_session_gap_in_two_sections_passes_when_they_agree() -> None:
    config = load_config(environ={"CLICKSTITCH__METRICS__SESSION_GAP": "20 minutes",
                                  "CLICKSTITCH__BOTDETECT__SESSION_GAP": "1200 seconds"})
    assert config.botdetect.session_gap_seconds == 1200


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yaml", environ={})


def test_hash_key_from_environment_or_file_is_never_printed(tmp_path: Path) -> None:
    from_env = load_config(environ={"CLICKSTITCH_HASH_KEY": "s3cret-value"})
    assert from_env.secrets.hash_key is not None
    assert from_env.secrets.hash_key.get_secret_value() == "s3cret-value"
    assert "s3cret-value" not in repr(from_env) and "s3cret-value" not in str(from_env.model_dump())

    key_file = tmp_path / "key"
    key_file.write_text("file-secret\n")
    yaml_path = tmp_path / "c.yaml"
    yaml_path.write_text(f"secrets:\n  hash_key_file: {key_file}\n")
    from_file = load_config(yaml_path, environ={"CLICKSTITCH_HASH_KEY": "ignored"})
    assert from_file.secrets.hash_key is not None
    assert from_file.secrets.hash_key.get_secret_value() == "file-secret"


def test_cli_overrides_are_validated_too() -> None:
    config = load_config(environ={}).with_overrides({"lake.root": "/x", "landing": None})
    assert isinstance(config, ClickstitchConfig) and config.lake.root == Path("/x")
    with pytest.raises(ConfigError, match="stream.max_files_per_trigger"):
        config.with_overrides({"stream.max_files_per_trigger": 0})


def test_sections_of_later_stages_are_part_of_the_tree() -> None:
    config = load_config(environ={"CLICKSTITCH__BOTDETECT__THRESHOLD": "0.8"})
    assert config.botdetect.threshold == 0.8
    with pytest.raises(ConfigError, match="privacy.k_anonymity"):
        load_config(environ={"CLICKSTITCH__PRIVACY__K_ANONYMITY": "many"})
