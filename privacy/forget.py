"""Right to erasure: delete every row of one person from every table that can hold it, then vacuum.

``forget(spark, lake, "email:jane@example.com", config, hash_key)``:

1. The identifier is normalized and hashed exactly as identity and silver hash it.
2. The person: ``identity_map`` rows with that (identifier_type, identifier_hash) give person ids and,
   through them, all the person's identifier hashes. Bronze is also matched directly (raw
   identifiers hashed on the fly, trait/property e-mails and phones included) and the identifier
   set grows over linked rows until it stops growing (at most ``_MAX_ROUNDS``). A row reached only
   through a cookie or device id is the person's when it has no user id or one of theirs: on a
   shared computer the other account holders' signed-in rows stay.
3. Rows are deleted by ``event_id IN (...)`` (or person_id / identifier_hash for identity tables),
   so the Delta log records event ids, never an identifier; tables derived per event (``event_items``)
   lose the same event ids; dead letters whose raw text holds one of
   the person's raw identifiers go too. Then every touched table is vacuumed with retention 0, so
   older versions' files no longer hold the rows.
4. A receipt (no PII) goes to ``forget_receipts``. Re-running finds nothing more and deletes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from lakehouse import Lakehouse, TableSpec
from privacy.config import PrivacyConfig
from privacy.hashing import (
    IDENTIFIER_TYPES,
    keyed_hash,
    keyed_hash_column,
    normalize_email_column,
    normalize_identifier,
    normalize_phone_column,
)
from privacy.tables import FORGET_RECEIPT_SCHEMA, FORGET_RECEIPTS

IDENTITY_MAP = "identity_map"
_RECEIPT_WRITER = "privacy.forget"
_MAX_ROUNDS = 5
_DELETE_CHUNK = 2_000
_MIN_RAW_LENGTH = 6  # shorter raw ids are not searched for in dead-letter text
_RAW_ID_COLUMNS = ("anonymous_id", "user_id", "device_id")
# Columns outside bronze, silver and identity_map that tie a row to a person, and what they hold.
_LINKING_COLUMNS = {
    "person_id": "person", "old_person_id": "person", "new_person_id": "person",
    "src_hash": "hash", "dst_hash": "hash", "cause_src_hash": "hash", "cause_dst_hash": "hash",
    "anonymous_id": "raw", "user_id": "raw", "device_id": "raw",
}  # fmt: skip
_EMAIL_KEY = r"(?i)e-?mail"
_PHONE_KEY = r"(?i)phone|mobile|msisdn"


class InvalidIdentifierError(ValueError):
    """The identifier is not ``TYPE:VALUE`` with a known type and a valid value."""


@dataclass(frozen=True)
class ForgetReceipt:
    """What one erasure did. ``request_hash`` identifies the request without being an identifier hash."""

    receipt_id: str
    request_hash: str
    identifier_type: str
    person_ids: tuple[str, ...]
    rows_removed: dict[str, int] = field(default_factory=dict)
    files_vacuumed: int = 0
    requested_at: datetime | None = None
    completed_at: datetime | None = None

    @property
    def total_rows_removed(self) -> int:
        return sum(self.rows_removed.values())


@dataclass
class _Person:
    """Everything known to be the person's: identifier hashes by type, person ids, raw bronze ids."""

    hashes: dict[str, set[str]]
    person_ids: set[str] = field(default_factory=set)
    raw_ids: set[str] = field(default_factory=set)

    def size(self) -> int:
        return sum(len(v) for v in self.hashes.values()) + len(self.person_ids)

    def all_hashes(self) -> list[str]:
        return sorted(set().union(*self.hashes.values()))


def parse_identifier(identifier: str, default_region: str = "US") -> tuple[str, str]:
    """``TYPE:VALUE`` -> (type, normalized value); InvalidIdentifierError when malformed."""
    kind, sep, value = identifier.partition(":")
    kind = kind.strip().lower()
    if not sep or kind not in IDENTIFIER_TYPES:
        raise InvalidIdentifierError(
            f"identifier must be TYPE:VALUE with TYPE one of {', '.join(IDENTIFIER_TYPES)}"
        )
    normalized = normalize_identifier(kind, value, default_region)
    if normalized is None:
        raise InvalidIdentifierError(f"identifier: not a valid {kind} value")
    return kind, normalized


def forget(
    spark: SparkSession, lake: Lakehouse, identifier: str, config: PrivacyConfig, hash_key: bytes
) -> ForgetReceipt:
    """Erase one person everywhere (see the module docstring); returns and stores the receipt."""
    requested_at = datetime.now(UTC)
    kind, normalized = parse_identifier(identifier, config.default_phone_region)
    person = _Person({t: set() for t in (*IDENTIFIER_TYPES, "email", "phone")})
    person.hashes[kind].add(keyed_hash(normalized, hash_key))
    request_hash = keyed_hash(f"forget\x1f{kind}\x1f{normalized}", hash_key)

    tables = [spec for spec in lake.catalog if lake.exists(spec) and spec.name != FORGET_RECEIPTS.name]
    identity = [spec for spec in tables if _has(spec, "identifier_hash")]
    bronze = [spec for spec in tables if _has(spec, *_RAW_ID_COLUMNS, "event_id")]
    silver = [spec for spec in tables if _has(spec, "event_id") and _hashed_columns(spec)]
    _grow(lake, person, identity, bronze, hash_key, config.default_phone_region)

    rows_removed: dict[str, int] = {}
    erased_events: set[str] = set()
    for spec in bronze:
        keyed = _keyed_bronze(lake.read(spec), hash_key, config.default_phone_region)
        ids = [r[0] for r in keyed.where(_belongs(person)).select("event_id").distinct().collect()]
        erased_events.update(ids)
        rows_removed[spec.name] = _delete_in(lake, spec, "event_id", ids)
    for spec in silver:
        rows = lake.read(spec)
        ids = [r[0] for r in rows.where(_belongs(person, rows.columns)).select("event_id").distinct().collect()]
        erased_events.update(ids)
        rows_removed[spec.name] = _delete_in(lake, spec, "event_id", ids)
    # Tables derived per event (event_items, ...) hold no identifier but are the person's rows too.
    for spec in tables:
        if spec.name not in rows_removed and _has(spec, "event_id"):
            rows_removed[spec.name] = _delete_in(lake, spec, "event_id", sorted(erased_events))
    for spec in identity:
        removed = _delete_in(lake, spec, "identifier_hash", person.all_hashes())
        if _has(spec, "person_id"):
            removed += _delete_in(lake, spec, "person_id", sorted(person.person_ids))
        rows_removed[spec.name] = removed
    # Every other table, by whatever ties its rows to the person: person ids, identifier hashes
    # (graph edges, merge causes) or raw ids (bot_sessions, dead-letter text).
    wanted = {"person": sorted(person.person_ids), "hash": person.all_hashes(), "raw": sorted(person.raw_ids)}
    for spec in tables:
        linking = {c: kind for c, kind in _LINKING_COLUMNS.items() if _has(spec, c)}
        searchable = _has(spec, "raw_text") and bool(spec.keys)
        if spec.name in rows_removed or not (linking or searchable):
            continue
        removed = sum(_delete_in(lake, spec, column, wanted[kind]) for column, kind in linking.items() if wanted[kind])
        if searchable:
            removed += _delete_raw_text(lake, spec, person.raw_ids)
        rows_removed[spec.name] = removed

    files = sum(lake.vacuum(name) for name, removed in rows_removed.items() if removed)
    receipt = ForgetReceipt(
        receipt_id=uuid.uuid4().hex,
        request_hash=request_hash,
        identifier_type=kind,
        person_ids=tuple(sorted(person.person_ids)),
        rows_removed={name: n for name, n in sorted(rows_removed.items())},
        files_vacuumed=files,
        requested_at=requested_at,
        completed_at=datetime.now(UTC),
    )
    _store(spark, lake, receipt)
    return receipt


def _grow(
    lake: Lakehouse,
    person: _Person,
    identity: list[TableSpec],
    bronze: list[TableSpec],
    hash_key: bytes,
    region: str,
) -> None:
    """Extend the person's identifier set over identity and bronze until it stops growing."""
    keyed = [_keyed_bronze(lake.read(spec), hash_key, region).persist(StorageLevel.MEMORY_AND_DISK) for spec in bronze]
    try:
        for _ in range(_MAX_ROUNDS):
            before = person.size()
            for spec in identity:
                _grow_from_identity(lake.read(spec), person)
            for frame in keyed:
                linked = frame.where(_belongs(person)).select(*_HASH_OF.values(), *_RAW_ID_COLUMNS).distinct()
                for row in linked.collect():
                    for kind, column in _HASH_OF.items():
                        if row[column] is not None:
                            person.hashes[kind].add(row[column])
                    person.raw_ids.update(v for v in (row[c] for c in _RAW_ID_COLUMNS) if v)
            if person.size() == before:
                return
    finally:
        for frame in keyed:
            frame.unpersist()


def _grow_from_identity(identity: DataFrame, person: _Person) -> None:
    matched = F.lit(False)
    for kind, hashes in person.hashes.items():
        if hashes:
            matched = matched | ((F.col("identifier_type") == kind) & F.col("identifier_hash").isin(sorted(hashes)))
    if person.person_ids:
        matched = matched | F.col("person_id").isin(sorted(person.person_ids))
    persons = {r[0] for r in identity.where(matched).select("person_id").distinct().collect() if r[0]}
    person.person_ids |= persons
    if persons:
        rows = identity.where(F.col("person_id").isin(sorted(persons))).select("identifier_type", "identifier_hash")
        for kind, value in rows.distinct().collect():
            person.hashes.setdefault(kind, set()).add(value)


# Hash column of each identifier type in silver and in the keyed bronze view.
_HASH_OF = {
    "anonymous_id": "anonymous_id_hash",
    "user_id": "user_id_hash",
    "device_id": "device_id_hash",
    "email": "email_hash",
    "phone": "phone_hash",
}


def _keyed_bronze(bronze: DataFrame, hash_key: bytes, region: str) -> DataFrame:
    """Bronze rows with their identifiers hashed as silver/identity hash them (nothing written)."""
    emails = F.map_values(F.map_filter(F.col("traits"), lambda k, _: k.rlike(_EMAIL_KEY)))
    emails = F.concat(emails, F.map_values(F.map_filter(F.col("properties"), lambda k, _: k.rlike(_EMAIL_KEY))))
    first_email = F.get(F.filter(F.transform(emails, normalize_email_column), lambda e: e.isNotNull()), 0)
    phone = F.coalesce(
        F.get(F.map_values(F.map_filter(F.col("traits"), lambda k, _: k.rlike(_PHONE_KEY))), 0),
        F.get(F.map_values(F.map_filter(F.col("properties"), lambda k, _: k.rlike(_PHONE_KEY))), 0),
    )
    hashed = {
        name: keyed_hash_column(F.when(F.trim(F.col(name)) != "", F.trim(F.col(name))), hash_key)
        for name in _RAW_ID_COLUMNS
    }
    return bronze.select(
        "event_id",
        *_RAW_ID_COLUMNS,
        *[value.alias(f"{name}_hash") for name, value in hashed.items()],
        keyed_hash_column(first_email, hash_key).alias("email_hash"),
        keyed_hash_column(normalize_phone_column(phone, region), hash_key).alias("phone_hash"),
    )


def _belongs(person: _Person, columns: Iterable[str] | None = None) -> Column:
    """Rows of the person: a strong id (user id, e-mail, phone, person id) or a cookie/device id on a
    row without another person's user id."""
    present = set(columns) if columns is not None else set(_HASH_OF.values())

    def hit(kind: str) -> Column:
        column, hashes = _HASH_OF[kind], person.hashes.get(kind)
        return F.col(column).isin(sorted(hashes)) if hashes and column in present else F.lit(False)

    strong = hit("user_id") | hit("email") | hit("phone")
    if person.person_ids and "person_id" in present:
        strong = strong | F.col("person_id").isin(sorted(person.person_ids))
    own_login = F.col("user_id_hash").isNull() | hit("user_id")
    weak = (hit("anonymous_id") | hit("device_id")) & own_login
    return F.coalesce(strong | weak, F.lit(False))


def _delete_in(lake: Lakehouse, spec: TableSpec, column: str, values: list[str]) -> int:
    removed = 0
    for start in range(0, len(values), _DELETE_CHUNK):
        chunk = values[start : start + _DELETE_CHUNK]
        quoted = ", ".join("'" + value.replace("'", "''") + "'" for value in chunk)
        removed += lake.delete(spec, f"{column} IN ({quoted})")
    return removed


def _delete_raw_text(lake: Lakehouse, spec: TableSpec, raw_ids: set[str]) -> int:
    needles = sorted(v for v in raw_ids if len(v) >= _MIN_RAW_LENGTH)
    if not needles:
        return 0
    key = spec.keys[0]
    text = F.col("raw_text")
    matched = F.lit(False)
    for needle in needles:
        matched = matched | (F.instr(text, needle) > 0)
    ids = [r[0] for r in lake.read(spec).where(matched).select(key).distinct().collect()]
    return _delete_in(lake, spec, key, ids)


def _store(spark: SparkSession, lake: Lakehouse, receipt: ForgetReceipt) -> None:
    row = (
        receipt.receipt_id,
        receipt.request_hash,
        receipt.identifier_type,
        list(receipt.person_ids),
        receipt.rows_removed,
        receipt.total_rows_removed,
        receipt.files_vacuumed,
        receipt.requested_at,
        receipt.completed_at,
    )
    # An append, not an upsert: delta-rs 1.6 panics merging into an empty table with a map column.
    # One batch per request, numbered by its completion time (ms), so a retried write stays single.
    assert receipt.completed_at is not None
    batch = int(receipt.completed_at.timestamp() * 1000)
    lake.append(FORGET_RECEIPTS, spark.createDataFrame([row], FORGET_RECEIPT_SCHEMA), _RECEIPT_WRITER, batch)


def _has(spec: TableSpec, *columns: str) -> bool:
    names = set(spec.schema.fieldNames())
    return all(c in names for c in columns)


def _hashed_columns(spec: TableSpec) -> list[str]:
    names = set(spec.schema.fieldNames())
    return [c for c in (*_HASH_OF.values(), "person_id") if c in names]
