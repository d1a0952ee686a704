"""Writing to the evidence ledger.

``record_evidence(kind, subject, actor)`` appends one entry in the caller's transaction: the facts it
records and the entry commit or roll back together. Each kind registers how to describe its subject as a
payload; ``evidence verify`` uses the same description to check that the record still says what the
ledger says.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from lms.database import utcnow
from lms.evidence.models import LedgerEntry
from lms.extensions import db

GENESIS_HASH = "0" * 64
_ADVISORY_LOCK_KEY = 7_341_002  # any constant; identifies "the ledger head" among advisory locks


@dataclass
class EvidenceKind:
    name: str
    subject_type: str
    model: type | None
    describe: Callable[[object], dict]
    # Entries in one group describe the same facts of a subject; the latest one must match the record.
    group: str
    # Loader options (selectinload(...)) that let the verifier describe many subjects without a query each.
    load_options: tuple = ()


KINDS: dict[str, EvidenceKind] = {}


def evidence_kind(name: str, *, subject_type: str, model=None, group: str | None = None, load_options=()):
    """Register ``describe(subject) -> dict`` for a kind of entry.

    ``model`` is the class whose row ``subject_id`` names; ``evidence verify`` loads it and compares
    ``describe(row)`` with the latest entry of the same ``group`` for that subject.
    """

    def decorator(describe):
        KINDS[name] = EvidenceKind(
            name=name,
            subject_type=subject_type,
            model=model,
            describe=describe,
            group=group or name,
            load_options=tuple(load_options),
        )
        return describe

    return decorator


def _plain(value):
    if isinstance(value, Decimal):
        # One text per number whatever the column's scale: 2.5, 2.50 and 2.500 are all "2.5".
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a ledger payload")


def canonical_json(payload: dict) -> str:
    """One byte-exact JSON text per payload: sorted keys, no spaces, UTF-8 kept, decimals as strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)


def entry_hash(
    *,
    seq: int,
    kind: str,
    subject_type: str,
    subject_id: int,
    payload: str,
    created_at: datetime,
    actor_id: int | None,
    prev_hash: str,
) -> str:
    material = "\n".join(
        [
            str(seq),
            kind,
            subject_type,
            str(subject_id),
            payload,
            created_at.isoformat(timespec="microseconds"),
            "" if actor_id is None else str(actor_id),
            prev_hash,
        ]
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _lock_head() -> None:
    """Serialise ledger writers until commit so that the chain never forks."""
    bind = db.session.get_bind()
    if bind.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
    # SQLite: every transaction begins IMMEDIATE (see lms/__init__.py), so writers are already serial.


def record_evidence(kind: str, subject, actor=None, *, payload: dict | None = None) -> LedgerEntry:
    """Append an entry describing ``subject`` now. The caller's transaction commits it with the fact."""
    spec = KINDS[kind]
    db.session.flush()  # the subject's id and current values must be in the database first
    body = canonical_json(payload if payload is not None else spec.describe(subject))
    _lock_head()
    head = db.session.execute(
        sa.select(LedgerEntry.seq, LedgerEntry.hash).order_by(LedgerEntry.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (head.seq + 1, head.hash) if head else (1, GENESIS_HASH)
    created_at = utcnow()
    actor_id = getattr(actor, "id", None)
    entry = LedgerEntry(
        seq=seq,
        kind=kind,
        subject_type=spec.subject_type,
        subject_id=subject.id,
        payload=body,
        created_at=created_at,
        actor_id=actor_id,
        prev_hash=prev_hash,
        hash=entry_hash(
            seq=seq,
            kind=kind,
            subject_type=spec.subject_type,
            subject_id=subject.id,
            payload=body,
            created_at=created_at,
            actor_id=actor_id,
            prev_hash=prev_hash,
        ),
    )
    db.session.add(entry)
    db.session.flush()
    for hook in AFTER_RECORD:
        hook(kind, subject, entry)
    return entry


# Functions called with (kind, subject, entry) in the transaction that records a fact (the xAPI outbox).
AFTER_RECORD: list = []


def group_of(kind: str) -> str:
    """The group a kind belongs to (an unregistered kind is its own group)."""
    spec = KINDS.get(kind)
    return spec.group if spec is not None else kind


def entries_for(
    subject_type: str, subject_id: int, kinds: tuple[str, ...] | None = None
) -> list[LedgerEntry]:
    """A subject's ledger entries, oldest first, for pages and documents that cite their evidence."""
    stmt = sa.select(LedgerEntry).where(
        LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == subject_id
    )
    if kinds:
        stmt = stmt.where(LedgerEntry.kind.in_(kinds))
    return list(db.session.execute(stmt.order_by(LedgerEntry.seq)).scalars())


def latest_entry(
    subject_type: str, subject_id: int, kinds: tuple[str, ...] | None = None
) -> LedgerEntry | None:
    stmt = sa.select(LedgerEntry).where(
        LedgerEntry.subject_type == subject_type, LedgerEntry.subject_id == subject_id
    )
    if kinds:
        stmt = stmt.where(LedgerEntry.kind.in_(kinds))
    return db.session.execute(stmt.order_by(LedgerEntry.seq.desc()).limit(1)).scalar_one_or_none()
