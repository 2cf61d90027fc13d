"""Repeat suppression and recovery: which scored windows become alert rows.

A key's incident opens with its first anomalous window (an alert, state ``firing``). While it stays
anomalous it is alerted again only once ``repeat_suppression`` has passed since its last alert (in the
manner of Alertmanager's repeat interval); its first normal window closes it (a ``resolved`` row). The
fold runs on the driver over the scored windows of the keys that are anomalous in the batch or had an
open incident: a handful of rows per batch, never the table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

FIRING = "firing"
RESOLVED = "resolved"


@dataclass(frozen=True)
class OpenIncident:
    """A key whose latest alert row is ``firing``: when it was last alerted."""

    last_alerted: datetime


def alert_id(key_kind: str, key: str, window_start: datetime, state: str) -> str:
    """Stable id of an alert row: the same window and state give the same id (consumers dedupe by it)."""
    text = f"{key_kind}|{key}|{window_start.isoformat()}|{state}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fold_incidents(windows: Iterable[Mapping[str, Any]], open_incidents: Mapping[tuple[str, str], OpenIncident],
                   repeat_suppression: timedelta) -> list[dict[str, Any]]:
    """Scored windows (any order) + the open incidents before them -> the alert rows to write.

    Each window needs key_kind, key, window_start, window_end, is_anomaly, severity, score, distance,
    threshold, cluster, explanation, model_version. Gives dicts with the ``anomaly_alerts`` columns
    except batch_number and alerted_at.
    """
    ordered = sorted(windows, key=lambda w: (w["key_kind"], w["key"], w["window_start"]))
    state = dict(open_incidents)
    rows: list[dict[str, Any]] = []
    for window in ordered:
        key = (window["key_kind"], window["key"])
        incident = state.get(key)
        if window["is_anomaly"]:
            if incident is not None and window["window_start"] - incident.last_alerted < repeat_suppression:
                continue  # suppressed: the key is still in its incident
            rows.append(_row(window, FIRING, repeat=incident is not None))
            state[key] = OpenIncident(window["window_start"])
        elif incident is not None:
            rows.append(_row(window, RESOLVED, repeat=False))
            del state[key]
    return rows


def _row(window: Mapping[str, Any], state: str, *, repeat: bool) -> dict[str, Any]:
    firing = state == FIRING
    return {
        "alert_id": alert_id(window["key_kind"], window["key"], window["window_start"], state),
        "state": state,
        "key_kind": window["key_kind"],
        "key": window["key"],
        "window_start": window["window_start"],
        "window_end": window["window_end"],
        "severity": window["severity"] if firing else "resolved",
        "score": window["score"],
        "distance": window["distance"],
        "threshold": window["threshold"],
        "cluster": window["cluster"],
        "explanation": window["explanation"] if firing else "back within its cluster's threshold",
        "repeat": repeat,
        "model_version": window["model_version"],
    }
