"""Ground-truth ledgers filled during simulation and the writers of truth/*."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .catalog import Anomaly
from .events import SessionContext
from .params import iso_ms
from .population import Device, Person
from .texts import PiiSpan, TypedText

SHARED = "shared"


@dataclass(slots=True)
class IdentityLedger:
    """Which true person stands behind each identifier that appears in the landing data."""

    _owners: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    def see(self, identifier_type: str, value: str, person_id: str) -> None:
        owners = self._owners.setdefault((identifier_type, value), [])
        if person_id not in owners:
            owners.append(person_id)

    def persons_of(self, identifier_type: str, value: str) -> list[str]:
        return list(self._owners.get((identifier_type, value), []))

    def rows(self) -> list[tuple[str, str, str]]:
        out = []
        for (id_type, value), owners in sorted(self._owners.items()):
            out.append((id_type, value, owners[0] if len(owners) == 1 else SHARED))
        return out


@dataclass(slots=True)
class PiiLedger:
    _rows: dict[tuple[str, str, str, str, str], None] = field(default_factory=dict)
    _texts: dict[tuple[str, str], TypedText] = field(default_factory=dict)

    def spans(self, spans: Iterable[PiiSpan], where: str, source: str) -> None:
        for span in spans:
            self._rows[(span.pii_type, span.value, where, source, span.as_written)] = None

    def value(self, pii_type: str, value: str, where: str, source: str) -> None:
        self._rows[(pii_type, value, where, source, value)] = None

    def text(self, text: TypedText, where: str, source: str) -> None:
        self._texts.setdefault((text.text, where), text)
        self.spans(text.spans, where, source)

    def pii_rows(self) -> list[tuple[str, str, str, str, str]]:
        return sorted(self._rows)

    def text_rows(self) -> list[tuple[str, str, bool, str, str]]:
        rows = []
        for (text, where), typed in sorted(self._texts.items()):
            rows.append((text, where, bool(typed.spans), ";".join(typed.pii_types), ";".join(typed.names)))
        return rows


@dataclass(slots=True)
class SessionRecord:
    ctx: SessionContext
    user_agent: str


def _write_csv(path: Path, header: list[str], rows: Iterable[Iterable[Any]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)
    return path


def write_truth(
    truth_dir: Path,
    *,
    persons: list[Person],
    identities: IdentityLedger,
    sessions: list[SessionContext],
    pii: PiiLedger,
    shared_devices: list[Device],
    anomaly: Anomaly,
    anomaly_purchases: dict[str, int],
    malformed: list[tuple[str, int, str]],
    duplicates: list[tuple[str, str, int]],
) -> None:
    """Every truth file except manifest.json (written last, once the summary is known)."""
    truth_dir.mkdir(parents=True, exist_ok=True)
    _write_csv(
        truth_dir / "identifiers.csv", ["identifier_type", "identifier_value", "person_id"], identities.rows()
    )
    _write_csv(
        truth_dir / "persons.csv",
        ["person_id", "name", "email", "phone", "country", "currency", "has_account", "user_id"],
        [
            (
                p.person_id,
                p.name,
                p.email,
                p.phone_e164,
                p.country.code,
                p.currency,
                str(p.has_account).lower(),
                p.user_id or "",
            )
            for p in persons
        ],
    )
    _write_csv(
        truth_dir / "sessions.csv",
        [
            "source",
            "anonymous_id",
            "session_id",
            "person_id",
            "is_bot",
            "bot_category",
            "bot_kind",
            "ua_visible",
            "user_agent",
            "ip",
            "events",
        ],
        [
            (
                s.source,
                s.anonymous_id,
                s.session_id,
                s.actor_id,
                str(s.is_bot).lower(),
                s.bot_category,
                s.bot_kind,
                str(s.source == "segment" and bool(s.profile.user_agent)).lower(),
                s.profile.user_agent,
                s.ip,
                s.events,
            )
            for s in sorted(sessions, key=lambda c: (c.source, c.anonymous_id, c.session_id))
            if s.events > 0
        ],
    )
    _write_csv(truth_dir / "pii.csv", ["pii_type", "value", "field", "source", "as_written"], pii.pii_rows())
    _write_csv(
        truth_dir / "texts.csv",
        ["text", "field", "has_pii", "pii_types", "person_names"],
        [(t, f, str(h).lower(), types, names) for t, f, h, types, names in pii.text_rows()],
    )
    _write_csv(truth_dir / "malformed.csv", ["file", "line_number", "kind"], malformed)
    _write_csv(truth_dir / "duplicates.csv", ["source", "event_key", "count"], duplicates)
    shared = []
    for device in shared_devices:
        cookie_ids = [c.anonymous_id for c in device.cookies if c.anonymous_id]
        users = [
            p
            for p in device.owners
            if any(p.person_id in identities.persons_of("anonymous_id", a) for a in cookie_ids)
        ]
        shared.append(
            {
                "device_key": device.device_key,
                "kind": device.shared_kind,
                "source": device.source,
                "anonymous_ids": cookie_ids,
                "user_agent": device.profile.user_agent,
                "persons": [p.person_id for p in users],
                "user_ids": {p.person_id: p.user_id for p in users if p.user_id},
            }
        )
    (truth_dir / "shared_devices.json").write_text(json.dumps(shared, indent=2) + "\n", encoding="utf-8")
    (truth_dir / "anomaly.json").write_text(
        json.dumps(
            {
                "product_id": anomaly.product_id,
                "currency": anomaly.currency,
                "true_price": anomaly.true_price,
                "wrong_price": anomaly.wrong_price,
                "window_start": iso_ms(anomaly.window_start_us),
                "window_end": iso_ms(anomaly.window_end_us),
                **anomaly_purchases,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )


def write_manifest(
    truth_dir: Path, summary: dict[str, Any], args: dict[str, Any], extra: dict[str, Any]
) -> None:
    payload = {"summary": summary, "args": args, **extra}
    (truth_dir / "manifest.json").write_text(
        json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
