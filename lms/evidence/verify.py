"""Checking the ledger: the chain itself, and every subject against what its latest entry says.

Two streaming passes, each reading the entries in batches so that millions of rows never sit in memory:

1. the chain: sequence numbers run 1, 2, 3, … without a gap; each entry names the hash of the one before it;
   its payload is canonical JSON; its stored hash is the one recomputed from its contents;
2. the records: for every subject and kind group, the latest entry must equal ``describe()`` of the record
   as it is now (a record that no longer exists is a mismatch). Records are loaded a batch at a time.

The result names the problems in sequence order; the command line, the admin page and the tests read it.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.evidence.ledger import (
    GENESIS_HASH,
    KINDS,
    _plain,
    canonical_json,
    entry_hash,
    seal_pending,
)
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
# created_at as stored (naive UTC): its ISO text plus "+00:00" is what the aware value's isoformat() gives,
# without the per-row conversion of the column type.
_STORED_CREATED = sa.type_coerce(LedgerEntry.created_at, sa.DateTime()).label("created_at")
_CHAIN_COLUMNS = (*_COLUMNS[:5], _STORED_CREATED, *_COLUMNS[6:])


def _stream(stmt, batch_size: int):
    """Rows in batches: a server-side cursor on PostgreSQL, an incremental cursor on SQLite. Core rows on the
    session's connection (same transaction and snapshot), without the ORM's per-row overhead."""
    result = db.session.connection().execute(stmt.execution_options(yield_per=batch_size))
    yield from result.partitions()


def _stream_tuples(stmt, batch_size: int):
    """Plain tuples in batches. On PostgreSQL straight from a named (server-side) cursor of the driver, on the
    session's connection (same transaction and snapshot): no result object or row wrapper per row."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        yield from _stream(stmt, batch_size)
        return
    compiled = stmt.compile(dialect=connection.dialect)
    driver = connection.connection.dbapi_connection
    with driver.cursor(name="lms_verify_chain") as cursor:
        cursor.execute(str(compiled), compiled.params)
        while rows := cursor.fetchmany(batch_size):
            yield rows


def _start_snapshot() -> None:
    """Read every batch from one snapshot, so that writers committing meanwhile cannot make the two passes
    disagree. (SQLite transactions begin IMMEDIATE and so already see a stable database.)"""
    db.session.rollback()
    if db.engine.dialect.name == "postgresql":
        db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


# The chain pass costs a few microseconds of Python per entry, so it calls what json.loads / json.dumps call
# underneath (the C scanner and encoder of the standard library) without their per-call set-up: the same parse
# and the same canonical text as :func:`lms.evidence.ledger.canonical_json`, checked by the tests.
_SCAN = json.JSONDecoder().scan_once
_ENCODE = (
    json.encoder.c_make_encoder(
        None, _plain, json.encoder.encode_basestring, None, ":", ",", True, False, True
    )
    if json.encoder.c_make_encoder is not None
    else None
)


def is_canonical_payload(payload: str) -> bool:
    """The payload parses as a JSON object whose canonical text is exactly the payload."""
    try:
        decoded, end = _SCAN(payload, 0)
    except (StopIteration, ValueError):
        return False
    if end != len(payload) or type(decoded) is not dict:
        return False  # text after the value, or not an object: json.loads + canonical_json refuse it too
    if _ENCODE is None:
        return canonical_json(decoded) == payload
    return "".join(_ENCODE(decoded, 0)) == payload


def _created_text_column():
    """created_at as the text the hash covers (``2026-12-04T08:30:00.000000``, naive UTC as stored): formatted
    by PostgreSQL in the query, by Python from the stored value elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(LedgerEntry.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US').label("created_at")
    return _STORED_CREATED


def _check_rows(result: VerificationResult, batches, state: tuple, as_text: bool, max_problems: int) -> tuple:
    """Check entries in sequence order from ``state`` = (expected seq, previous hash, previous seq), the state
    after every entry before them; returns the state after them."""
    expected_seq, previous_hash, previous_seq = state
    canonical, sha256 = is_canonical_payload, hashlib.sha256
    for batch in batches:
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
            elif not canonical(payload):
                problem = ("not_canonical", {})
            else:
                # The material of lms.evidence.ledger.stored_entry_hash, built in one step.
                when = created_at if as_text else created_at.isoformat(timespec="microseconds")
                actor = "" if actor_id is None else actor_id
                head = f"{seq}\n{kind}\n{subject_type}\n{subject_id}\n"
                material = f"{head}{payload}\n{when}+00:00\n{actor}\n{prev_hash}"
                if stored_hash != sha256(material.encode("utf-8")).hexdigest():
                    problem = ("hash", {})
            if problem is not None:
                result._add(Problem(seq, kind, subject_type, subject_id, *problem), max_problems)
            expected_seq, previous_hash, previous_seq = seq + 1, stored_hash, seq
        result.checked += len(batch)
    return expected_seq, previous_hash, previous_seq


def _chain_select():
    created = _created_text_column()
    stmt = sa.select(*_COLUMNS[:5], created, *_COLUMNS[6:]).order_by(LedgerEntry.seq)
    return stmt, created is not _STORED_CREATED


def _check_chain(result: VerificationResult, batch_size: int, max_problems: int, workers: int = 1) -> None:
    stmt, as_text = _chain_select()
    if workers > 1 and as_text and _check_chain_in_parallel(result, stmt, batch_size, max_problems, workers):
        return
    state = _check_rows(result, _stream_tuples(stmt, batch_size), (1, GENESIS_HASH, 0), as_text, max_problems)
    if state[2]:
        result.head_seq, result.head_hash = state[2], state[1]


# -- The chain in parallel (PostgreSQL, the command line) --------------------------------------------------
# The chain is cut into ranges of sequence numbers, each checked by a worker process on its own connection
# that imports this transaction's snapshot (pg_export_snapshot), so every worker reads exactly the ledger this
# process reads. A worker starts from the entry just before its range, read in that snapshot: the state the
# single pass would have there. The same checks, in the same order within a range; ranges are put back in
# order, so the result (problems, counts, head) is the single pass's.

PARALLEL_MIN_ENTRIES = 100_000  # below this a single pass is quicker than starting workers
RANGES_PER_WORKER = 4


@dataclass
class _Segment:
    checked: int
    problems: list
    problem_count: int
    last: tuple  # (seq, hash) of the range's last entry, or () when it had none


def _chain_worker(job) -> _Segment:
    import psycopg
    from psycopg import sql as pgsql

    conninfo, connect_args, snapshot, range_sql, previous_sql, lo, hi, batch_size, max_problems = job
    part = VerificationResult()
    with psycopg.connect(conninfo, **connect_args) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        connection.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(snapshot)))
        previous = connection.execute(previous_sql[0], {**previous_sql[1], "lo": lo}).fetchone()
        state = (previous[0] + 1, previous[1], previous[0]) if previous else (1, GENESIS_HASH, 0)

        def batches():
            with connection.cursor(name="lms_verify_range") as cursor:
                cursor.execute(range_sql[0], {**range_sql[1], "lo": lo, "hi": hi})
                while rows := cursor.fetchmany(batch_size):
                    yield rows

        state = _check_rows(part, batches(), state, True, max_problems)
        connection.rollback()
    last = (state[2], state[1]) if part.checked else ()
    return _Segment(part.checked, part.problems, part.problem_count, last)


def _check_chain_in_parallel(result, stmt, batch_size: int, max_problems: int, workers: int) -> bool:
    """Check the chain with ``workers`` processes; False (nothing done) when the ledger is too small."""
    import multiprocessing

    connection = db.session.connection()
    low, high = connection.execute(
        sa.select(sa.func.min(LedgerEntry.seq), sa.func.max(LedgerEntry.seq))
    ).one()
    if low is None or high - low + 1 < PARALLEL_MIN_ENTRIES:
        return False
    snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
    dialect = connection.dialect
    lo, hi = sa.bindparam("lo", type_=sa.Integer), sa.bindparam("hi", type_=sa.Integer)
    range_compiled = stmt.where(LedgerEntry.seq >= lo, LedgerEntry.seq <= hi).compile(dialect=dialect)
    previous_compiled = (
        sa.select(LedgerEntry.seq, LedgerEntry.hash)
        .where(LedgerEntry.seq < lo)
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
        .compile(dialect=dialect)
    )
    range_sql = (str(range_compiled), range_compiled.params)
    previous_sql = (str(previous_compiled), previous_compiled.params)
    url = connection.engine.url.set(drivername="postgresql")
    conninfo = url.render_as_string(hide_password=False)
    connect_args = dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}))
    pieces = workers * RANGES_PER_WORKER
    step = max(1, -(-(high - low + 1) // pieces))
    jobs = [
        (
            conninfo,
            connect_args,
            snapshot,
            range_sql,
            previous_sql,
            start,
            min(high, start + step - 1),
            batch_size,
            max_problems,
        )
        for start in range(low, high + 1, step)
    ]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        segments = pool.map(_chain_worker, jobs, chunksize=1)
    last = ()
    for segment in segments:
        result.checked += segment.checked
        result.problem_count += segment.problem_count
        room = max_problems - len(result.problems)
        result.problems.extend(segment.problems[: max(0, room)])
        last = segment.last or last
    if last:
        result.head_seq, result.head_hash = last
    return True


def _is_canonical(payload: str) -> bool:
    return is_canonical_payload(payload)


def _latest_seqs(kinds: list[str] | None, exclude: list[str] | None = None):
    """The latest entry of each (subject type, subject) among ``kinds`` (one group), or per kind among the
    kinds not in ``exclude`` (unregistered kinds: each its own group)."""
    stmt = sa.select(sa.func.max(LedgerEntry.seq))
    if kinds is not None:
        return stmt.where(LedgerEntry.kind.in_(kinds)).group_by(
            LedgerEntry.subject_type, LedgerEntry.subject_id
        )
    return stmt.where(LedgerEntry.kind.not_in(exclude)).group_by(
        LedgerEntry.subject_type, LedgerEntry.subject_id, LedgerEntry.kind
    )


_ENTRY = (
    LedgerEntry.seq.label("ledger_seq"),
    LedgerEntry.kind.label("ledger_kind"),
    LedgerEntry.subject_type.label("ledger_subject_type"),
    LedgerEntry.subject_id.label("ledger_subject_id"),
    LedgerEntry.payload.label("ledger_payload"),
)


def _groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for name, spec in KINDS.items():
        groups[spec.group].append(name)
    return groups


def _load_records(batch) -> dict[tuple[type, int], object]:
    """The current rows the batch's entries describe, one query per kind of record."""
    wanted: dict[tuple, set[int]] = defaultdict(set)
    for row in batch:
        spec = KINDS.get(row.ledger_kind)
        if spec is not None and spec.model is not None:
            wanted[(spec.model, spec.load_options)].add(row.ledger_subject_id)
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


def _compare(result: VerificationResult, row, spec, record, max_problems: int) -> None:
    """One latest entry against its record (``None``: the record no longer exists)."""
    result.subjects_checked += 1
    names = {"subject_type": row.ledger_subject_type, "subject_id": row.ledger_subject_id}
    if record is None:
        result._add(
            Problem(row.ledger_seq, row.ledger_kind, *names.values(), "record_missing", names), max_problems
        )
        return
    current = canonical_json(spec.describe(record))
    if current != row.ledger_payload:
        result._add(
            Problem(
                row.ledger_seq,
                row.ledger_kind,
                *names.values(),
                "record_differs",
                {**names, "fields": _difference(row.ledger_payload, current)},
            ),
            max_problems,
        )


def _check_records(result: VerificationResult, batch_size: int, max_problems: int) -> None:
    """Per kind group: the latest entry of every subject, joined in the database with the record's columns
    when ``describe`` needs nothing else (one streamed query, no object per row), otherwise loaded as objects
    a batch at a time."""
    registered = list(KINDS)
    for _group, kinds in _groups().items():
        spec = KINDS[kinds[0]]
        latest = LedgerEntry.seq.in_(_latest_seqs(kinds))
        if spec.model is None:
            stmt = sa.select(*_ENTRY).where(latest)
            for batch in _stream(stmt, batch_size):
                for row in batch:
                    result.unchecked_kinds.add(row.ledger_kind)
            continue
        mapper = sa.inspect(spec.model)
        key = mapper.primary_key[0]
        if spec.columns_only:
            columns = [getattr(spec.model, attr.key) for attr in mapper.column_attrs]
            stmt = (
                sa.select(*_ENTRY, *columns)
                .select_from(LedgerEntry)
                .outerjoin(spec.model, key == LedgerEntry.subject_id)
                .where(latest)
            )
            key_name = mapper.get_property_by_column(key).key
            for batch in _stream(stmt, batch_size):
                for row in batch:
                    spec_of_row = KINDS[row.ledger_kind]
                    record = row if getattr(row, key_name) is not None else None
                    _compare(result, row, spec_of_row, record, max_problems)
            continue
        for batch in _stream(sa.select(*_ENTRY).where(latest), batch_size):
            records = _load_records(batch)
            for row in batch:
                _compare(
                    result,
                    row,
                    KINDS[row.ledger_kind],
                    records.get((spec.model, row.ledger_subject_id)),
                    max_problems,
                )
    stmt = sa.select(*_ENTRY).where(LedgerEntry.seq.in_(_latest_seqs(None, exclude=registered)))
    for batch in _stream(stmt, batch_size):
        for row in batch:
            result._add(
                Problem(
                    row.ledger_seq,
                    row.ledger_kind,
                    row.ledger_subject_type,
                    row.ledger_subject_id,
                    "unknown_kind",
                    {"kind": row.ledger_kind},
                ),
                max_problems,
            )


def verify_ledger(
    *,
    batch_size: int = BATCH_SIZE,
    max_problems: int = MAX_PROBLEMS,
    snapshot: bool = False,
    workers: int = 1,
) -> VerificationResult:
    """Check the whole ledger. ``snapshot=True`` ends the session's transaction and reads from a fresh,
    consistent one (the command and the admin page; tests read what they just committed). ``workers`` > 1
    checks the chain of a large ledger on PostgreSQL with that many processes (the command line only: a web
    worker must not fork), with the same result."""
    seal_pending()  # what this transaction recorded is part of the ledger it checks
    if snapshot:
        _start_snapshot()
    result = VerificationResult()
    # Workers read the snapshot of this transaction, which must hold nothing uncommitted: only with snapshot.
    _check_chain(result, batch_size, max_problems, workers if snapshot else 1)
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
