"""Checking the ledger: the chain itself, and every subject against what its latest entry says.

Two streaming passes, each reading the entries in batches so that millions of rows never sit in memory:

1. the chain: sequence numbers run 1, 2, 3, … without a gap; each entry names the hash of the one before it;
   its payload is canonical JSON; its stored hash is the one recomputed from its contents;
2. the records: for every subject and kind group, the latest entry must equal ``describe()`` of the record
   as it is now (a record that no longer exists is a mismatch). Records are loaded a batch at a time.

The result names the problems in sequence order; the command line, the admin page and the tests read it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.evidence.ledger import GENESIS_HASH, KINDS, canonical_json, entry_hash
from lms.evidence.models import LedgerEntry
from lms.extensions import db

BATCH_SIZE = 2000
MAX_PROBLEMS = 100  # problems kept for display; all are counted

REASONS = {
    "seq_gap": _l(
        "Entry #%(seq)s comes where entry #%(expected)s was expected: entries are missing or out of order."
    ),
    "prev_hash": _l("Its previous-entry hash does not match the hash of entry #%(previous)s."),
    "not_canonical": _l("Its payload is not canonical JSON."),
    "hash": _l("Its stored hash does not match the hash recomputed from its contents."),
    "unknown_kind": _l(
        "Its kind “%(kind)s” is not registered, so the record it describes cannot be checked."
    ),
    "record_missing": _l("The %(subject_type)s #%(subject_id)s it describes no longer exists."),
    "record_differs": _l(
        "The %(subject_type)s #%(subject_id)s no longer says what the entry says: %(fields)s."
    ),
}
FIELD_DIFFERENCE = _l("%(field)s (entry: %(entry)s, record: %(record)s)")


@dataclass
class Problem:
    seq: int
    kind: str
    subject_type: str
    subject_id: int
    reason: str
    details: dict = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"{self.subject_type} #{self.subject_id}"

    @property
    def message(self) -> str:
        return str(REASONS[self.reason]) % self.details

    def describe(self) -> str:
        """One line naming the entry and what is wrong with it."""
        return f"#{self.seq} {self.kind} ({self.subject}): {self.message}"


@dataclass
class VerificationResult:
    checked: int = 0  # entries whose place in the chain was checked
    subjects_checked: int = 0  # latest entries compared with their records
    head_seq: int | None = None
    head_hash: str | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    unchecked_kinds: set[str] = field(default_factory=set)  # kinds without a model: chain only

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    def _add(self, problem: Problem, max_problems: int) -> None:
        self.problem_count += 1
        if len(self.problems) < max_problems:
            self.problems.append(problem)


_COLUMNS = (
    LedgerEntry.seq,
    LedgerEntry.kind,
    LedgerEntry.subject_type,
    LedgerEntry.subject_id,
    LedgerEntry.payload,
    LedgerEntry.created_at,
    LedgerEntry.actor_id,
    LedgerEntry.prev_hash,
    LedgerEntry.hash,
)


def _stream(stmt, batch_size: int):
    """Rows in batches: a server-side cursor on PostgreSQL, an incremental cursor on SQLite. Core rows on the
    session's connection (same transaction and snapshot), without the ORM's per-row overhead."""
    result = db.session.connection().execute(stmt.execution_options(yield_per=batch_size))
    yield from result.partitions()


def _start_snapshot() -> None:
    """Read every batch from one snapshot, so that writers committing meanwhile cannot make the two passes
    disagree. (SQLite transactions begin IMMEDIATE and so already see a stable database.)"""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def _check_chain(result: VerificationResult, batch_size: int, max_problems: int) -> None:
    expected_seq, previous_hash, previous_seq = 1, GENESIS_HASH, 0
    stmt = sa.select(*_COLUMNS).order_by(LedgerEntry.seq)
    for batch in _stream(stmt, batch_size):
        for (
            seq,
            kind,
            subject_type,
            subject_id,
            payload,
            created_at,
            actor_id,
            prev_hash,
            stored_hash,
        ) in batch:
            problem = None
            if seq != expected_seq:
                problem = ("seq_gap", {"seq": seq, "expected": expected_seq})
            elif prev_hash != previous_hash:
                problem = ("prev_hash", {"previous": previous_seq})
            elif not _is_canonical(payload):
                problem = ("not_canonical", {})
            elif stored_hash != entry_hash(
                seq=seq,
                kind=kind,
                subject_type=subject_type,
                subject_id=subject_id,
                payload=payload,
                created_at=created_at,
                actor_id=actor_id,
                prev_hash=prev_hash,
            ):
                problem = ("hash", {})
            if problem is not None:
                result._add(Problem(seq, kind, subject_type, subject_id, *problem), max_problems)
            expected_seq, previous_hash, previous_seq = seq + 1, stored_hash, seq
        result.checked += len(batch)
    if previous_seq:
        result.head_seq, result.head_hash = previous_seq, previous_hash


def _is_canonical(payload: str) -> bool:
    try:
        decoded = json.loads(payload)
    except ValueError:
        return False
    return isinstance(decoded, dict) and canonical_json(decoded) == payload


def _group_expression():
    """The kind group of each entry, in SQL (kinds whose group is their own name need no mapping)."""
    mapping = {name: spec.group for name, spec in KINDS.items() if spec.group != name}
    if not mapping:
        return LedgerEntry.kind
    return sa.case(mapping, value=LedgerEntry.kind, else_=LedgerEntry.kind)


def _latest_entries_stmt():
    latest = sa.select(sa.func.max(LedgerEntry.seq)).group_by(
        LedgerEntry.subject_type, LedgerEntry.subject_id, _group_expression()
    )
    return sa.select(*_COLUMNS).where(LedgerEntry.seq.in_(latest)).order_by(LedgerEntry.seq)


def _load_records(batch) -> dict[tuple[type, int], object]:
    """The current rows the batch's entries describe, one query per kind of record."""
    wanted: dict[tuple, set[int]] = defaultdict(set)
    for row in batch:
        spec = KINDS.get(row.kind)
        if spec is not None and spec.model is not None:
            wanted[(spec.model, spec.load_options)].add(row.subject_id)
    found: dict[tuple[type, int], object] = {}
    for (model, options), ids in wanted.items():
        key_column = sa.inspect(model).primary_key[0]
        stmt = sa.select(model).where(key_column.in_(ids)).execution_options(populate_existing=True)
        if options:
            stmt = stmt.options(*options)
        for record in db.session.execute(stmt).scalars():
            found[(model, getattr(record, key_column.key))] = record
    return found


def _difference(entry_payload: str, current_payload: str) -> str:
    """Which top-level fields differ, with both values, for the operator who investigates."""
    entry, current = json.loads(entry_payload), json.loads(current_payload)
    fields = []
    for key in sorted(set(entry) | set(current)):
        if entry.get(key, None) != current.get(key, None) or (key in entry) != (key in current):
            fields.append(
                str(FIELD_DIFFERENCE)
                % {
                    "field": key,
                    "entry": _short(entry.get(key, "—")),
                    "record": _short(current.get(key, "—")),
                }
            )
    return ", ".join(fields) or "—"


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


def _check_records(result: VerificationResult, batch_size: int, max_problems: int) -> None:
    for batch in _stream(_latest_entries_stmt(), batch_size):
        records = _load_records(batch)
        for row in batch:
            spec = KINDS.get(row.kind)
            if spec is None:
                result._add(
                    Problem(
                        row.seq,
                        row.kind,
                        row.subject_type,
                        row.subject_id,
                        "unknown_kind",
                        {"kind": row.kind},
                    ),
                    max_problems,
                )
                continue
            if spec.model is None:
                result.unchecked_kinds.add(row.kind)
                continue
            result.subjects_checked += 1
            names = {"subject_type": row.subject_type, "subject_id": row.subject_id}
            record = records.get((spec.model, row.subject_id))
            if record is None:
                result._add(
                    Problem(row.seq, row.kind, row.subject_type, row.subject_id, "record_missing", names),
                    max_problems,
                )
                continue
            current = canonical_json(spec.describe(record))
            if current != row.payload:
                result._add(
                    Problem(
                        row.seq,
                        row.kind,
                        row.subject_type,
                        row.subject_id,
                        "record_differs",
                        {**names, "fields": _difference(row.payload, current)},
                    ),
                    max_problems,
                )


def verify_ledger(
    *, batch_size: int = BATCH_SIZE, max_problems: int = MAX_PROBLEMS, snapshot: bool = False
) -> VerificationResult:
    """Check the whole ledger. ``snapshot=True`` ends the session's transaction and reads from a fresh,
    consistent one (the command and the admin page; tests read what they just committed)."""
    if snapshot:
        _start_snapshot()
    result = VerificationResult()
    _check_chain(result, batch_size, max_problems)
    _check_records(result, batch_size, max_problems)
    result.problems.sort(
        key=lambda p: (p.seq, p.reason in ("record_missing", "record_differs", "unknown_kind"))
    )
    return result


def check_entry(entry: LedgerEntry) -> tuple[list[Problem], bool]:
    """Check one entry (its link to the one before, its hash and, when it is the latest of its group for its
    subject, the record). Returns the problems and whether it is that latest entry."""
    problems: list[Problem] = []

    def add(reason, details=None):
        problems.append(
            Problem(entry.seq, entry.kind, entry.subject_type, entry.subject_id, reason, details or {})
        )

    previous = db.session.execute(
        sa.select(LedgerEntry.seq, LedgerEntry.hash)
        .where(LedgerEntry.seq < entry.seq)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    ).first()
    expected = previous.seq + 1 if previous is not None else 1
    if entry.seq != expected:
        add("seq_gap", {"seq": entry.seq, "expected": expected})
    elif entry.prev_hash != (previous.hash if previous is not None else GENESIS_HASH):
        add("prev_hash", {"previous": previous.seq if previous is not None else 0})
    elif not _is_canonical(entry.payload):
        add("not_canonical")
    elif entry.hash != entry_hash(
        seq=entry.seq,
        kind=entry.kind,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        payload=entry.payload,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        prev_hash=entry.prev_hash,
    ):
        add("hash")

    spec = KINDS.get(entry.kind)
    kinds = [name for name, other in KINDS.items() if spec is not None and other.group == spec.group] or [
        entry.kind
    ]
    latest_seq = db.session.execute(
        sa.select(sa.func.max(LedgerEntry.seq)).where(
            LedgerEntry.subject_type == entry.subject_type,
            LedgerEntry.subject_id == entry.subject_id,
            LedgerEntry.kind.in_(kinds),
        )
    ).scalar_one()
    is_latest = latest_seq == entry.seq
    if is_latest:
        names = {"subject_type": entry.subject_type, "subject_id": entry.subject_id}
        if spec is None:
            add("unknown_kind", {"kind": entry.kind})
        elif spec.model is not None:
            record = db.session.get(spec.model, entry.subject_id, populate_existing=True)
            if record is None:
                add("record_missing", names)
            else:
                current = canonical_json(spec.describe(record))
                if current != entry.payload:
                    add("record_differs", {**names, "fields": _difference(entry.payload, current)})
    return problems, is_latest
