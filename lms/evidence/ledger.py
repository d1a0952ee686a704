"""Writing to the evidence ledger.

``record_evidence(kind, subject, actor)`` appends one entry in the caller's transaction: the facts it
records and the entry commit or roll back together (the entry is chained when the transaction commits, see
:func:`seal_pending`). Each kind registers how to describe its subject as a
payload; ``evidence verify`` uses the same description to check that the record still says what the
ledger says.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lms.core.statements import bound_values, built_once
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
    # Loader options (selectinload(...)) that let the verifier describe many subjects without a query each,
    # or a function giving them (so that a module names relationships only once every model is mapped).
    load_options: tuple | Callable[[], tuple] = ()
    # describe() reads only the model's own columns: the verifier may hand it a plain row of those columns
    # (attribute names as the model's) instead of a loaded object, which is many times faster.
    columns_only: bool = False


KINDS: dict[str, EvidenceKind] = {}


def evidence_kind(
    name: str,
    *,
    subject_type: str,
    model=None,
    group: str | None = None,
    load_options=(),
    columns_only: bool = False,
):
    """Register ``describe(subject) -> dict`` for a kind of entry.

    ``model`` is the class whose row ``subject_id`` names; ``evidence verify`` loads it and compares
    ``describe(row)`` with the latest entry of the same ``group`` for that subject. ``columns_only=True``
    promises that ``describe`` reads nothing but the model's column attributes (no relationship, property or
    query), so the verifier may pass it a Core row of those columns.
    """

    def decorator(describe):
        KINDS[name] = EvidenceKind(
            name=name,
            subject_type=subject_type,
            model=model,
            describe=describe,
            group=group or name,
            load_options=load_options if callable(load_options) else tuple(load_options),
            columns_only=columns_only,
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


# One encoder for every payload (json.dumps with options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain)
# What _CANONICAL.encode() calls underneath for a dict (the standard library's C encoder with the same
# options), built once instead of once per call: the same text. The writer and the verifier both use it.
_C_ENCODE = (
    json.encoder.c_make_encoder(
        None, _plain, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if json.encoder.c_make_encoder is not None
    else None
)


def canonical_json(payload: dict) -> str:
    """One byte-exact JSON text per payload: sorted keys, no spaces, UTF-8 kept, decimals as strings."""
    if _C_ENCODE is not None and type(payload) is dict:
        return "".join(_C_ENCODE(payload, 0))
    return _CANONICAL.encode(payload)


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
    return stored_entry_hash(
        seq,
        kind,
        subject_type,
        subject_id,
        payload,
        created_at.isoformat(timespec="microseconds"),
        actor_id,
        prev_hash,
    )


def stored_entry_hash(seq, kind, subject_type, subject_id, payload, created_text, actor_id, prev_hash) -> str:
    """The hash of an entry from its stored values, ``created_text`` being the ISO text of ``created_at`` in
    UTC with microseconds (``…T08:30:00.000000+00:00``). :func:`entry_hash` and the verifier both use it."""
    material = "\n".join(
        (
            str(seq),
            kind,
            subject_type,
            str(subject_id),
            payload,
            created_text,
            "" if actor_id is None else str(actor_id),
            prev_hash,
        )
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _lock_head(session) -> None:
    """Serialise ledger writers until commit so that the chain never forks."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_LOCK(), {"key": _ADVISORY_LOCK_KEY})
    # SQLite: every transaction begins IMMEDIATE (see lms/__init__.py), so writers are already serial.


_LOCK = built_once(lambda: sa.text("SELECT pg_advisory_xact_lock(:key)"))
_HEAD = built_once(  # of the table: the ORM's handling of its entity's columns cost more than the statement
    lambda: (
        sa.select(LedgerEntry.__table__.c.seq, LedgerEntry.__table__.c.hash)
        .order_by(LedgerEntry.__table__.c.seq.desc())
        .limit(1)
    )
)

_PENDING = "lms.ledger.pending"  # Session.info key: entries recorded in this transaction, not chained yet


def record_evidence(kind: str, subject, actor=None, *, payload: dict | None = None) -> LedgerEntry:
    """Record an entry describing ``subject`` now; the caller's transaction commits it with the fact.

    The payload is taken at once. The entry joins the chain when the transaction commits (or earlier, as soon
    as the transaction reads the ledger): only then is the head locked, read and extended, so that the lock
    that serialises ledger writers is held for the last moments of the transaction rather than for
    everything the transaction does after recording. Its ``seq`` and hashes are set then.
    """
    spec = KINDS[kind]
    db.session.flush()  # the subject's id and current values must be in the database first
    body = canonical_json(payload if payload is not None else spec.describe(subject))
    entry = LedgerEntry(
        kind=kind,
        subject_type=spec.subject_type,
        subject_id=subject.id,
        payload=body,
        actor_id=getattr(actor, "id", None),
    )
    session = db.session()
    # Kept with the (sub)transaction it was recorded in: rolling that back forgets the entry with the facts.
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((entry, transaction))
    for hook in AFTER_RECORD:
        hook(kind, subject, entry)
    return entry


# Functions called with (kind, subject, entry) in the transaction that records a fact (the xAPI outbox).
# The entry is not chained yet: its seq and hash are given when the transaction commits.
AFTER_RECORD: list = []


def seal_pending(session=None) -> None:
    """Chain the entries recorded in ``session``'s transaction: lock the head, then give each its place."""
    session = session if session is not None else db.session()
    pending = session.info.get(_PENDING)
    if not pending:
        return
    # Everything else the transaction wrote goes to the database before the head is locked: the lock that
    # serialises every writer of evidence is then held only to read the head, insert the entries and commit.
    session.flush()
    pending = session.info.pop(_PENDING, None)
    if not pending:  # the flush itself may have rolled back a savepoint that held them
        return
    _lock_head(session)
    head = session.execute(_HEAD()).first()
    seq, prev_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    created_at = utcnow()
    rows = []
    for entry, _transaction in pending:
        seq += 1
        entry.seq, entry.created_at, entry.prev_hash = seq, created_at, prev_hash
        entry.hash = prev_hash = entry_hash(
            seq=seq,
            kind=entry.kind,
            subject_type=entry.subject_type,
            subject_id=entry.subject_id,
            payload=entry.payload,
            created_at=created_at,
            actor_id=entry.actor_id,
            prev_hash=entry.prev_hash,
        )
        rows.append({column: getattr(entry, column) for column in _ENTRY_COLUMNS})
    # The rows go in by a statement built once, not through the unit of work: the entries stay as they were
    # given back by record_evidence (chained, with no id), and nothing else of the session is flushed here.
    session.execute(_INSERT_ENTRIES(), rows)


_ENTRY_COLUMNS = tuple(column.name for column in LedgerEntry.__table__.columns if column.name != "id")
_INSERT_ENTRIES = built_once(
    lambda: sa.insert(LedgerEntry.__table__).values(bound_values(LedgerEntry.__table__, _ENTRY_COLUMNS))
)


# Appended, while lms.reports.stored puts its commit hook first (insert=True): whatever the order in which the
# modules were imported, the stored results are written before the seal, so that the ledger lock covers the
# ledger rows alone. Forgetting on rollback comes first (insert=True).
@sa.event.listens_for(Session, "before_commit")
def _seal_at_commit(session) -> None:
    # Releasing a savepoint "commits" too: the entries wait for the outermost commit, so that the lock is not
    # taken in the middle of the transaction and held through the rest of it.
    if session.get_nested_transaction() is None:
        seal_pending(session)


@sa.event.listens_for(Session, "after_soft_rollback", insert=True)
def _forget_on_rollback(session, previous_transaction) -> None:
    """Entries recorded in a transaction or savepoint that rolled back are forgotten with it."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (entry, transaction)
            for entry, transaction in pending
            if not _within(transaction, previous_transaction)
        ]


def _within(transaction, ancestor) -> bool:
    while transaction is not None:
        if transaction is ancestor:
            return True
        transaction = transaction.parent
    return False


@sa.event.listens_for(Session, "do_orm_execute")
def _seal_before_reading(state) -> None:
    """A transaction that reads the ledger sees the entries it recorded."""
    if state.session.info.get(_PENDING) and any(m.class_ is LedgerEntry for m in state.all_mappers):
        seal_pending(state.session)


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
