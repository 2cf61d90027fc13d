"""Accuracy of person clusters against the generator's ground truth (truth/identifiers.csv).

Pairwise metrics over identifiers: a pair is predicted when both identifiers have the same
person_id, true when the truth gives them the same person. Bots (``bot:<id>``) and identifiers the
truth marks ``shared`` (used by several persons) have no single true person and are left out.
Identifiers are compared by (type, keyed hash of the normalized value), as identity tables hold them;
truth rows that normalize to the same identifier (an email in other capitalisation) count once.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from identity.config import IdentityConfig
from privacy.hashing import keyed_hash, normalize_email, normalize_phone


@dataclass(frozen=True)
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    identifiers: int
    missing: int
    true_pairs: int
    predicted_pairs: int

    def __str__(self) -> str:
        return (f"precision {self.precision:.4f} recall {self.recall:.4f} F1 {self.f1:.4f} "
                f"({self.identifiers} identifiers, {self.missing} not in the map)")


def truth_persons(truth_dir: Path, key: bytes, config: IdentityConfig) -> dict[tuple[str, str], str]:
    """(identifier_type, identifier_hash) -> true person id, without bots and shared identifiers.

    Phones in local format are read in the region of their person's country (persons.csv).
    """
    countries = {r["person_id"]: r["country"] for r in _rows(truth_dir / "persons.csv")}
    truth: dict[tuple[str, str], str] = {}
    for row in _rows(truth_dir / "identifiers.csv"):
        person, kind = row["person_id"], row["identifier_type"]
        value: str | None = row["identifier_value"]
        if person == "shared" or person.startswith("bot:"):
            continue
        if kind == "email":
            value = normalize_email(value)
        elif kind == "phone":
            value = normalize_phone(value, countries.get(person, config.default_phone_region))
        else:
            value = value.strip() if value else None
        if value:
            truth[(kind, keyed_hash(value, key))] = person
    return truth


def pairwise_scores(predicted: dict[tuple[str, str], str], truth: dict[tuple[str, str], str]) -> PairwiseScores:
    """Pairwise precision/recall/F1; an identifier missing from ``predicted`` is its own person."""
    cells: Counter[tuple[str, str]] = Counter()
    missing = 0
    for identifier, person in truth.items():
        guess = predicted.get(identifier)
        if guess is None:
            missing += 1
            guess = f"missing:{identifier}"
        cells[(guess, person)] += 1
    clusters: Counter[str] = Counter()
    persons: Counter[str] = Counter()
    for (guess, person), n in cells.items():
        clusters[guess] += n
        persons[person] += n
    same = sum(_pairs(n) for n in cells.values())
    predicted_pairs = sum(_pairs(n) for n in clusters.values())
    true_pairs = sum(_pairs(n) for n in persons.values())
    precision = same / predicted_pairs if predicted_pairs else 1.0
    recall = same / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(precision, recall, f1, len(truth), missing, true_pairs, predicted_pairs)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def linkable_truth(
    truth: dict[tuple[str, str], str], edges: list[tuple[tuple[str, str], tuple[str, str]]]
) -> dict[tuple[str, str], str]:
    """The truth split into what the data can show: a person's identifiers that no event links
    (two cookies on two devices, never signed in) are different labels.

    Labels are true persons refined by the components of the edges whose two ends belong to the same
    true person (edges across persons, such as a shared cookie, link nothing here).
    """
    parent = {identifier: identifier for identifier in truth}

    def find(x: tuple[str, str]) -> tuple[str, str]:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a in truth and b in truth and truth[a] == truth[b]:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {identifier: f"{person}/{find(identifier)}" for identifier, person in truth.items()}
