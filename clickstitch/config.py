"""The one typed configuration tree, loaded once at start.

Sources, later wins: built-in defaults, a YAML file (``--config``), environment variables
``CLICKSTITCH__SECTION__KEY=value`` (value parsed as a YAML scalar), then CLI flags.
Unknown keys and bad values fail at start with the dotted key in the message.
Secrets are ``SecretStr``: they print as ``**********`` and are read only where used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from anomaly.config import AnomalyConfig
from botdetect.config import BotDetectConfig
from clickstitch.errors import ClickstitchError, ConfigError
from enrich.config import EnrichConfig
from identity.config import IdentityConfig
from ingest.config import IngestConfig
from metrics.config import MetricsConfig, duration_seconds
from privacy.config import PrivacyConfig
from quality.config import QualityConfig
from report.config import ReportConfig

ENV_PREFIX = "CLICKSTITCH__"
HASH_KEY_ENV = "CLICKSTITCH_HASH_KEY"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LakeConfig(_Section):
    root: Path = Field(Path("lake"), description="Root folder of the Delta tables, one folder per table.")
    backend: Literal["auto", "delta-rs", "delta-spark"] = Field(
        "auto",
        description="auto: delta-spark when Delta's JVM classes are on the classpath, else delta-rs.",
    )


class SparkConfig(_Section):
    master: str = Field("local[*]", description="Used only when spark-submit did not set a master.")
    app_name: str = "clickstitch"
    driver_memory: str = Field("4g", description="Local mode only: the driver JVM is the whole cluster.")
    shuffle_partitions: int = Field(8, ge=1)
    ui_enabled: bool = False
    log_level: Literal["ERROR", "WARN", "INFO", "DEBUG"] = "WARN"
    conf: dict[str, str] = Field(default_factory=dict, description="Extra Spark conf, applied last.")
    local_jars: bool = Field(
        True,
        description="Local sessions only: put the jars fetched by `make jars` (Delta, the Kafka source; "
        "$CLICKSTITCH_JARS_DIR or the checkout's .jars/spark) on the classpath when they are there.",
    )


class StreamConfig(_Section):
    checkpoint_dir: Path | None = Field(None, description="Default: <lake.root>/_checkpoints/stream.")
    trigger_interval: str = Field("30 seconds", description="processingTime trigger interval.")
    max_files_per_trigger: int = Field(100, ge=1)
    max_messages_per_trigger: int = Field(100_000, ge=1, description="Kafka stream: offsets per micro-batch.")
    writer_id: str = Field("clickstitch-stream", description="Delta transaction app id of the stream.")


class SecretsConfig(_Section):
    hash_key_file: Path | None = Field(None, description=f"File holding the hashing key; else ${HASH_KEY_ENV}.")
    hash_key: SecretStr | None = Field(None, description=f"Filled from ${HASH_KEY_ENV} or hash_key_file.")

    def hash_key_bytes(self) -> bytes:
        """The keyed-hash secret (silver identifiers, identity tables, forget); an error when unset."""
        if self.hash_key is None:
            raise ClickstitchError(
                f"no hashing key: set {HASH_KEY_ENV} or secrets.hash_key_file (identifiers are stored as keyed hashes)"
            )
        return self.hash_key.get_secret_value().encode()


class ClickstitchConfig(_Section):
    lake: LakeConfig = LakeConfig()
    landing: Path = Field(Path("data/landing"), description="Landing folder with ga4/ and segment/ below it.")
    spark: SparkConfig = SparkConfig()
    ingest: IngestConfig = IngestConfig()
    stream: StreamConfig = StreamConfig()
    secrets: SecretsConfig = SecretsConfig()
    identity: IdentityConfig = IdentityConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    botdetect: BotDetectConfig = BotDetectConfig()
    enrich: EnrichConfig = EnrichConfig()
    quality: QualityConfig = QualityConfig()
    metrics: MetricsConfig = MetricsConfig()
    anomaly: AnomalyConfig = AnomalyConfig()
    report: ReportConfig = ReportConfig()

    @model_validator(mode="after")
    def _one_session_gap(self) -> ClickstitchConfig:
        # Both cut sessions of events without a session id: with one gap the bot verdicts judge exactly the
        # sessions the sessions table counts (its is_bot comes from them).
        if self.botdetect.session_gap_seconds != duration_seconds(self.metrics.session_gap):
            raise ValueError(f"botdetect.session_gap ({self.botdetect.session_gap!r}) must equal metrics.session_gap "
                             f"({self.metrics.session_gap!r}): set both")
        return self

    def checkpoint_dir(self) -> Path:
        return self.stream.checkpoint_dir or self.lake.root / "_checkpoints" / "stream"

    def with_overrides(self, overrides: Mapping[str, Any]) -> ClickstitchConfig:
        """A copy with dotted-key overrides (CLI flags), validated like the file."""
        data = self.model_dump(mode="python")
        for dotted, value in overrides.items():
            if value is not None:
                _set_dotted(data, dotted.split("."), value)
        return _validate(data)


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ClickstitchConfig:
    """Load defaults, then the YAML file, then ``CLICKSTITCH__*`` environment overrides."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    if path is not None:
        data = _read_yaml(Path(path))
    for name, raw in sorted(environ.items()):
        if name.startswith(ENV_PREFIX):
            keys = [part.lower() for part in name[len(ENV_PREFIX) :].split("__")]
            _set_dotted(data, keys, yaml.safe_load(raw) if raw else raw)
    secrets = data.setdefault("secrets", {})
    if not isinstance(secrets, dict):
        raise ConfigError("config error: secrets: must be a mapping")
    secrets["hash_key"] = _read_hash_key(secrets.get("hash_key_file"), environ)
    return _validate(data)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"config error: file not found: {path}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"config error: {path} is not valid YAML: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"config error: {path} must hold a mapping at the top level")
    return loaded


def _read_hash_key(key_file: Any, environ: Mapping[str, str]) -> str | None:
    if key_file:
        path = Path(str(key_file))
        if not path.is_file():
            raise ConfigError(f"config error: secrets.hash_key_file: file not found: {path}")
        return path.read_text(encoding="utf-8").strip() or None
    return environ.get(HASH_KEY_ENV) or None


def _set_dotted(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"config error: {'.'.join(keys)}: {key} is not a section")
        node = child
    node[keys[-1]] = value


def _validate(data: dict[str, Any]) -> ClickstitchConfig:
    try:
        return ClickstitchConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            key = ".".join(str(part) for part in error["loc"]) or "<root>"
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(f"{key}: {message}")
        raise ConfigError("config error: " + "; ".join(problems)) from None
