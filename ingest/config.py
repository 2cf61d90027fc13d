"""The ``ingest`` config section: limits on records and files, and the plausible event-time bounds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator


class IngestConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_record_bytes: int = Field(1_000_000, ge=1024, description="Longer lines become dead letters.")
    max_file_bytes: int = Field(8 * 1024**3, ge=1024, description="Larger files become dead letters.")
    dead_letter_raw_chars: int = Field(4096, ge=0, description="Raw text kept per dead letter.")
    min_event_time: str = Field("2000-01-01T00:00:00Z", description="Earlier event times are impossible.")
    max_future_skew_hours: float = Field(
        24.0, ge=0, description="Event times later than ingest time plus this are impossible."
    )
    lines_per_arrow_batch: int = Field(20_000, ge=100)

    @field_validator("min_event_time")
    @classmethod
    def _parse_time(cls, value: str) -> str:
        from datetime import datetime

        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 timestamp: {value!r}") from exc
        return value
