"""Checking the ledger: the chain itself, and every subject against what its latest entry says.

Two streaming passes, each reading the entries in batches so that millions of rows never sit in memory:

1. the chain: sequence numbers run 1, 2, 3, … without a gap; each entry names the hash of the one before it;
   its payload is canonical JSON; its stored hash is the one recomputed from its contents;
2. the records: for every subject and kind group, the latest entry must equal ``describe()`` of the record
   as it is now (a record that no longer exists is a mismatch). A group whose kinds read only their model's
   columns is read as plain rows, the latest entries joined with their records in one query; the others load
   their records as objects a batch at a time.

The row-read groups are compared first: a latest entry equal, byte for byte, to ``canonical_json()`` of a
description that is canonical by construction (:func:`canonical_by_construction`) has a canonical payload,
and the chain pass, which still checks every entry in the same order, takes that as its canonical check of
that entry instead of parsing and encoding the payload again (see :class:`_Proven`).

From the command line on PostgreSQL, worker processes share the work (ranges of the chain, kind groups), all
reading one snapshot. The result names the problems in sequence order; the command line, the admin page and
the tests read it.
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import itertools
import json
import operator
import textwrap
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.evidence.ledger import (
    _C_ENCODE,
    GENESIS_HASH,
    KINDS,
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
        self.problems.append(problem)
        if len(self.problems) > 2 * max_problems + 100:
            self._keep(max_problems)

    def _keep(self, max_problems: int) -> None:
        """Keep the first ``max_problems`` problems in sequence order, whatever order they were found in."""
        self.problems.sort(key=_problem_order)
        del self.problems[max(0, max_problems) :]


_RECORD_REASONS = ("record_missing", "record_differs", "unknown_kind")


def _problem_order(problem: Problem) -> tuple:
    """Sequence order; for one entry, what is wrong with the entry before what is wrong with its record."""
    return problem.seq, problem.reason in _RECORD_REASONS


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
        connection = db.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        connection.execute(sa.text(_READ_EVERY_ROW))


# Every cursor here is read to its end: plan for all of its rows, not for the first tenth (the default, which
# favours index lookups row by row over one hash join).
_READ_EVERY_ROW = "SET LOCAL cursor_tuple_fraction = 1.0"
# A worker's queries get no parallel workers of the server's: the worker processes are the parallelism.
_WORKER_SETTINGS = (_READ_EVERY_ROW, "SET LOCAL max_parallel_workers_per_gather = 0")


# The chain pass costs a few microseconds of Python per entry, so it calls what json.loads / json.dumps call
# underneath (the C scanner and encoder of the standard library) without their per-call set-up: the same parse
# and the same canonical text as :func:`lms.evidence.ledger.canonical_json`, checked by the tests.
_SCAN = json.JSONDecoder().scan_once
_ENCODE = _C_ENCODE


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


# Values whose canonical text parses back to a value with the same canonical text: JSON's scalars, and the
# types canonical_json's default writes as strings (lms.evidence.ledger._plain). Exact types: a subclass may
# change how it compares, sorts or encodes.
_SCALARS = frozenset({str, int, float, bool, type(None), Decimal, datetime, date})
_KEYS = frozenset({str})


def canonical_by_construction(value) -> bool:
    """Whether ``canonical_json(value)`` is sure to be a canonical payload (:func:`is_canonical_payload`):
    ``value`` is a dict whose keys are all ``str`` and whose values are scalars of :data:`_SCALARS`, or such
    dicts, or lists or tuples of these. The encoder then writes each dict's keys sorted (as text, each once),
    without spaces, every string escaped one way and every number as ``repr()`` gives it; parsing that text
    gives a value of the same structure, keys, strings and numbers, which the encoder writes as the same text.
    Keys of other types are what could break it (``{10: 1, 9: 2}`` is written with "9" after "10"), and
    objects of other types are not looked into: False, and the payload is checked by parsing it."""
    if type(value) is not dict or not _KEYS.issuperset(map(type, value)):
        return False
    return _SCALARS.issuperset(map(type, value.values())) or all(map(_plain_value, value.values()))


def _plain_value(value) -> bool:
    kind = type(value)
    if kind in _SCALARS:
        return True
    if kind is dict:
        return canonical_by_construction(value)
    if kind is list or kind is tuple:
        return all(map(_plain_value, value))
    return False


@dataclass
class _Proven:
    """The entries, by seq from ``base`` on (one byte each, 1: proven), whose payload the records pass has
    proven canonical: the latest entry of a row-read group equal to ``canonical_json(describe(record))`` where
    the description is canonical by construction. Equal texts, so the payload is canonical too.

    A seq names one entry only while seqs are unique, which the chain pass itself checks: an entry whose seq
    repeats one before it is a seq_gap there (it expected the next number). A range of the chain in which a
    seq_gap is found is therefore checked again without these flags (:func:`_check_range`): every entry's
    payload is then parsed, as without this shortcut. Either way each entry gets the canonical check once, in
    its place among the checks of the chain, with the same result."""

    base: int
    flags: bytearray

    @classmethod
    def covering(cls, low: int | None, high: int | None) -> _Proven | None:
        return None if low is None else cls(low, bytearray(high - low + 1))

    def slice(self, lo: int, hi: int) -> _Proven:
        return _Proven(lo, self.flags[lo - self.base : hi - self.base + 1])

    def merge(self, flags: bytes) -> None:
        """Add another pass's flags (over the same seqs)."""
        size = len(self.flags)
        both = int.from_bytes(self.flags, "little") | int.from_bytes(flags, "little")
        self.flags[:] = both.to_bytes(size, "little")


_NOTHING_PROVEN = _Proven(0, bytearray())


def _created_text_column():
    """created_at as the text the hash covers (``2026-12-04T08:30:00.000000``, naive UTC as stored): formatted
    by PostgreSQL in the query, by Python from the stored value elsewhere."""
    if db.engine.dialect.name == "postgresql":
        return sa.func.to_char(LedgerEntry.created_at, 'YYYY-MM-DD"T"HH24:MI:SS.US').label("created_at")
    return _STORED_CREATED


def _check_rows(
    result: VerificationResult,
    batches,
    state: tuple,
    as_text: bool,
    max_problems: int,
    proven: _Proven = _NOTHING_PROVEN,
) -> tuple:
    """Check entries in sequence order from ``state`` = (expected seq, previous hash, previous seq), the state
    after every entry before them; returns the state after them and whether a seq_gap was found. A payload
    ``proven`` canonical is not parsed again."""
    expected_seq, previous_hash, previous_seq = state
    canonical, sha256 = is_canonical_payload, hashlib.sha256
    flags, base = proven.flags, proven.base
    size = len(flags)
    gaps = False
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
                gaps = True
            elif prev_hash != previous_hash:
                problem = ("prev_hash", {"previous": previous_seq})
            elif not (0 <= seq - base < size and flags[seq - base]) and not canonical(payload):
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
    return (expected_seq, previous_hash, previous_seq), gaps


def _check_range(batches, state: tuple, as_text: bool, max_problems: int, proven: _Proven | None):
    """Check a range of the chain (``batches()`` reads it), taking the ``proven`` payloads as canonical unless
    the range has a seq_gap: then again, every payload parsed (see :class:`_Proven`). Returns the range's
    result and the state after it."""
    part = VerificationResult()
    state_after, gaps = _check_rows(part, batches(), state, as_text, max_problems, proven or _NOTHING_PROVEN)
    if gaps and proven is not None:
        part = VerificationResult()
        state_after, _gaps = _check_rows(part, batches(), state, as_text, max_problems)
    return part, state_after


def _chain_select():
    created = _created_text_column()
    stmt = sa.select(*_COLUMNS[:5], created, *_COLUMNS[6:]).order_by(LedgerEntry.seq)
    return stmt, created is not _STORED_CREATED


def _check_chain(
    result: VerificationResult, batch_size: int, max_problems: int, proven: _Proven | None
) -> None:
    stmt, as_text = _chain_select()
    part, state = _check_range(
        lambda: _stream_tuples(stmt, batch_size), (1, GENESIS_HASH, 0), as_text, max_problems, proven
    )
    _add_part(result, part)
    if state[2]:
        result.head_seq, result.head_hash = state[2], state[1]


def _add_part(result: VerificationResult, part: VerificationResult) -> None:
    result.checked += part.checked
    result.subjects_checked += part.subjects_checked
    result.problem_count += part.problem_count
    result.problems.extend(part.problems)


def _is_canonical(payload: str) -> bool:
    return is_canonical_payload(payload)


# -- The records ---------------------------------------------------------------------------------------------

_ENTRY = (
    LedgerEntry.seq.label("ledger_seq"),
    LedgerEntry.kind.label("ledger_kind"),
    LedgerEntry.subject_type.label("ledger_subject_type"),
    LedgerEntry.subject_id.label("ledger_subject_id"),
    LedgerEntry.payload.label("ledger_payload"),
)
_ENTRY_WIDTH = len(_ENTRY)  # a row: the entry's seq, kind, subject type, subject id, payload, then the record


def _groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for name, spec in KINDS.items():
        groups[spec.group].append(name)
    return groups


def _latest(kinds: list[str] | None, exclude: list[str] | None = None):
    """The condition on an entry of being the latest of its subject (subject type and id) among ``kinds`` (one
    group): no later entry of the group names the same subject. With ``kinds=None``: among the entries of its
    own kind, for the kinds not in ``exclude`` (unregistered kinds, each its own group)."""
    later = sa.orm.aliased(LedgerEntry)
    same_group = later.kind.in_(kinds) if kinds is not None else later.kind == LedgerEntry.kind
    newer = sa.exists().where(
        later.subject_type == LedgerEntry.subject_type,
        later.subject_id == LedgerEntry.subject_id,
        same_group,
        later.seq > LedgerEntry.seq,
    )
    ours = LedgerEntry.kind.in_(kinds) if kinds is not None else LedgerEntry.kind.not_in(exclude)
    return sa.and_(ours, ~newer)


def _record_problem(result: VerificationResult, row, current: str | None, max_problems: int) -> None:
    """``row`` starts with the entry's columns; ``current`` is the record's payload now (None: no record)."""
    seq, kind, subject_type, subject_id, payload = row[:_ENTRY_WIDTH]
    names = {"subject_type": subject_type, "subject_id": subject_id}
    if current is None:
        result._add(Problem(seq, kind, subject_type, subject_id, "record_missing", names), max_problems)
        return
    details = {**names, "fields": _difference(payload, current)}
    result._add(Problem(seq, kind, subject_type, subject_id, "record_differs", details), max_problems)


@dataclass
class _RowPlan:
    """A kind group whose kinds all read nothing but their model's columns (``columns_only``): its latest
    entries, each outer-joined with its record's columns, in one query."""

    kinds: tuple[str, ...]
    model: type
    attributes: tuple[str, ...]  # the model's column attributes, selected in this order after the entry
    types: tuple  # their column types (what SQLAlchemy makes of a raw value)
    key_index: int  # where the record's primary key is in a row (None there: no record)
    stmt: sa.Select


def _row_plans() -> list[_RowPlan]:
    plans = []
    for kinds in _groups().values():
        specs = [KINDS[kind] for kind in kinds]
        model = specs[0].model
        if model is None or not all(spec.columns_only and spec.model is model for spec in specs):
            continue
        mapper = sa.inspect(model)
        key = mapper.primary_key[0]
        key_attr = mapper.get_property_by_column(key).key
        attrs = _columns_read(mapper, [spec.describe for spec in specs], key_attr)
        stmt = (
            sa.select(*_ENTRY, *[getattr(model, attr.key) for attr in attrs])
            .select_from(LedgerEntry)
            .outerjoin(model, key == LedgerEntry.subject_id)
            .where(_latest(kinds))
        )
        plans.append(
            _RowPlan(
                kinds=tuple(kinds),
                model=model,
                attributes=tuple(attr.key for attr in attrs),
                types=tuple(attr.columns[0].type for attr in attrs),
                key_index=_ENTRY_WIDTH + [attr.key for attr in attrs].index(key_attr),
                stmt=stmt,
            )
        )
    return plans


def _columns_read(mapper, describes, key_attr: str) -> list:
    """The column attributes a plan selects: those its kinds' describe() functions read, and the primary key
    (which tells a missing record). A row then carries only these, so the database formats and the driver
    parses nothing that no description reads. When the source of a describe() does not show plainly which
    attributes it reads, every column."""
    attrs = list(mapper.column_attrs)
    names = {key_attr}
    for describe in describes:
        read = _attributes_read(describe)
        if read is None or not read <= {attr.key for attr in attrs}:
            return attrs
        names |= read
    return [attr for attr in attrs if attr.key in names]


def _attributes_read(describe) -> set[str] | None:
    """The attribute names ``describe(record)`` reads from its argument, found in its source: every use of
    the parameter must be ``record.name`` being read. None when the source cannot be read or the parameter is
    used in any other way (passed on, assigned, given to getattr, …), so that the caller selects every
    column. A row built from the selected columns has no other attribute: a read this analysis missed would
    raise AttributeError, never give a wrong payload."""
    if hasattr(describe, "__wrapped__"):
        return None  # a wrapper: getsource would give the wrapped function's source, not what runs
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(describe)))
    except (OSError, TypeError, SyntaxError):
        return None
    function = tree.body[0] if tree.body else None
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) or not function.args.args:
        return None
    parameter = function.args.args[0].arg
    names, read_through = set(), set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == parameter
        ):
            if not isinstance(node.ctx, ast.Load):
                return None
            names.add(node.attr)
            read_through.add(id(node.value))
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id == parameter and id(node) not in read_through:
            return None  # the record itself is used, not only attributes read from it
        if isinstance(node, ast.arg) and node.arg == parameter and node is not function.args.args[0]:
            return None  # an inner function or lambda with a parameter of the same name
    return names


def _record_class(plan: _RowPlan, processors=None) -> type:
    """A tuple subclass for the plan's rows whose attributes are the model's columns, so that a kind's own
    ``describe()``, the function that wrote the payload, reads a row as it reads a loaded object. A raw driver
    value that SQLAlchemy's column type would convert (``processors``: naive stored UTC becomes aware, …) is
    converted the same way when describe() reads it."""
    namespace: dict = {"__slots__": ()}
    processors = processors or [None] * len(plan.attributes)
    columns = zip(plan.attributes, processors, strict=True)
    for index, (name, process) in enumerate(columns, start=_ENTRY_WIDTH):
        if process is None:
            namespace[name] = property(operator.itemgetter(index))
        else:
            namespace[name] = property(lambda row, index=index, process=process: process(row[index]))
    return type(f"{plan.model.__name__}Row", (tuple,), namespace)


def _processors(plan: _RowPlan, dialect, description) -> list:
    """The conversions SQLAlchemy applies to the record's raw values from a cursor with ``description``."""
    return [
        type_.dialect_impl(dialect).result_processor(dialect, column.type_code)
        for type_, column in zip(plan.types, description[_ENTRY_WIDTH:], strict=True)
    ]


def _compare_rows(
    result: VerificationResult, batches, plan: _RowPlan, record_class, max_problems, proven: _Proven | None
) -> None:
    """Each latest entry against ``describe()`` of its record read from the same row; an entry equal to a
    description canonical by construction is marked in ``proven``."""
    describe = {kind: KINDS[kind].describe for kind in plan.kinds}
    key, as_record, canonical, plain = (
        plan.key_index,
        tuple.__new__,
        canonical_json,
        canonical_by_construction,
    )
    flags, base = (proven.flags, proven.base) if proven is not None else (bytearray(), 0)
    size = len(flags)
    for batch in batches:
        for row in batch:
            if row[key] is None:
                _record_problem(result, row, None, max_problems)
                continue
            description = describe[row[1]](as_record(record_class, row))
            current = canonical(description)
            if current != row[4]:
                _record_problem(result, row, current, max_problems)
            elif 0 <= row[0] - base < size and plain(description):
                flags[row[0] - base] = 1
        result.subjects_checked += len(batch)


def _batches(cursor, sql: str, params, batch_size: int):
    """Tuples in batches from a driver cursor. A named (server-side) cursor fetches them a batch at a time; an
    unnamed one has the server stream them (libpq's chunked mode), computing the next rows while these are
    checked: a worker's own connection, used for nothing else meanwhile."""
    if getattr(cursor, "name", None) is not None:  # a named cursor
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch_size):
            yield rows
        return
    rows = cursor.stream(sql, params, size=batch_size)
    while batch := list(itertools.islice(rows, batch_size)):
        yield batch


def _compare_plan_on_cursor(
    result, cursor, sql: str, params, plan, dialect, batch_size, max_problems, proven: _Proven | None
):
    """A plan's rows from a cursor of the driver: tuples, each value converted as SQLAlchemy would convert it,
    when describe() reads it."""
    batches = _batches(cursor, sql, params, batch_size)
    first = next(batches, None)
    if first is None:
        return
    record_class = _record_class(plan, _processors(plan, dialect, cursor.description))
    _compare_rows(result, itertools.chain([first], batches), plan, record_class, max_problems, proven)


def _check_plan(
    result: VerificationResult, plan: _RowPlan, batch_size: int, max_problems: int, proven: _Proven | None
) -> None:
    """One plan in this process, on the session's connection: driver tuples on PostgreSQL, Core rows (which
    SQLAlchemy has converted already) elsewhere."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        batches = _stream(plan.stmt, batch_size)
        _compare_rows(result, batches, plan, _record_class(plan), max_problems, proven)
        return
    dialect = connection.dialect
    sql, params = _compiled(plan.stmt, dialect)
    with connection.connection.dbapi_connection.cursor(name="lms_verify_records") as cursor:
        _compare_plan_on_cursor(result, cursor, sql, params, plan, dialect, batch_size, max_problems, proven)


def _compiled(stmt, dialect) -> tuple[str, dict]:
    """SQL and parameters for the driver (lists of kinds spelled out)."""
    compiled = stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    return str(compiled), compiled.params


def _load_records(batch) -> dict[tuple[type, int], object]:
    """The current rows the batch's entries describe, one query per kind of record."""
    wanted: dict[tuple, set[int]] = defaultdict(set)
    for row in batch:
        spec = KINDS.get(row.ledger_kind)
        if spec is not None and spec.model is not None:
            wanted[(spec.model, spec.load_options)].add(row.ledger_subject_id)
    found: dict[tuple[type, int], object] = {}
    for (model, options), ids in wanted.items():
        options = tuple(options()) if callable(options) else options
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


def _check_other_groups(result: VerificationResult, batch_size: int, max_problems: int, planned) -> None:
    """The groups without a row plan: records loaded as objects a batch at a time (kinds whose describe()
    reads related rows), kinds without a model (chain only), and the latest entries of unregistered kinds."""
    for kinds in _groups().values():
        spec = KINDS[kinds[0]]
        if tuple(kinds) in planned:
            continue
        stmt = sa.select(*_ENTRY).where(_latest(kinds))
        if spec.model is None:
            for batch in _stream(stmt, batch_size):
                result.unchecked_kinds.update(row.ledger_kind for row in batch)
            continue
        for batch in _stream(stmt, batch_size):
            records = _load_records(batch)
            for row in batch:
                record = records.get((spec.model, row.ledger_subject_id))
                current = None if record is None else canonical_json(KINDS[row.ledger_kind].describe(record))
                if current != row.ledger_payload:
                    _record_problem(result, row, current, max_problems)
            result.subjects_checked += len(batch)
    if not set(_kinds_present()) - set(KINDS):
        return  # no entry of an unregistered kind: spare the query that looks for their latest entries
    stmt = sa.select(*_ENTRY).where(_latest(None, exclude=list(KINDS)))
    for batch in _stream(stmt, batch_size):
        for row in batch:
            problem = Problem(*row[:4], "unknown_kind", {"kind": row.ledger_kind})
            result._add(problem, max_problems)


# Each kind in the ledger once, in a handful of index lookups (ix_ledger_entry_kind_time): the least kind,
# then the least one after it, and so on; instead of the full reading of the ledger (twice over: the entries
# and the later ones) that looking for the latest entries of unregistered kinds takes.
_KINDS_PRESENT = sa.text(
    "WITH RECURSIVE present(kind) AS ("
    " SELECT min(kind) FROM ledger_entry"
    " UNION ALL"
    " SELECT (SELECT min(kind) FROM ledger_entry WHERE kind > present.kind) FROM present"
    " WHERE present.kind IS NOT NULL"
    ") SELECT kind FROM present WHERE kind IS NOT NULL"
)


def _kinds_present() -> list[str]:
    return list(db.session.execute(_KINDS_PRESENT).scalars())


# -- In parallel (PostgreSQL, the command line) --------------------------------------------------------------
# Worker processes check ranges of the chain and the row-plan groups, each job on a connection of its own that
# imports this transaction's snapshot (pg_export_snapshot), so every worker reads exactly the ledger and the
# records this process reads; meanwhile this process checks the other groups. The row-plan groups come first,
# and the chain's ranges once they are all done, with the payloads they proved canonical (as in one pass).
# A chain worker starts from the entry just before its range, read in that snapshot: the state the single
# pass would have there. The same checks, in the same order within a range; ranges are put back in order, and
# the problems kept are the first in sequence order either way, so the result (problems, counts, head) is the
# single pass's.

PARALLEL_MIN_ENTRIES = 100_000  # below this a single pass is quicker than starting workers
RANGES_PER_WORKER = 8

# What the workers need and cannot be sent to them (the dialect, the plans' column types): set before the
# pool forks its processes, which inherit it, and cleared after.
_FORKED: dict = {}


@dataclass
class _Part:
    checked: int = 0
    subjects_checked: int = 0
    problems: list = field(default_factory=list)
    problem_count: int = 0
    last: tuple = ()  # chain ranges: (seq, hash) of the range's last entry, or () when it had none
    proven: bytes = b""  # record groups: their _Proven flags over the whole chain


def _work(job: tuple) -> _Part:
    """One job in a worker process: ``("chain", lo, hi, proven)`` (the _Proven flags of the range) or
    ``("records", plan index)``."""
    shared = _FORKED
    connection = _worker_connection()
    proven = b""
    if job[0] == "records":
        part = VerificationResult()
        plan, sql, params = shared["plans"][job[1]]
        found = _Proven.covering(shared["low"], shared["high"])
        with _worker_cursor(connection) as cursor:
            _compare_plan_on_cursor(
                part, cursor, sql, params, plan, shared["dialect"], shared["batch_size"], shared["max"], found
            )
        state, proven = None, bytes(found.flags)
    else:
        part, state = _chain_range(connection, job[1], job[2], _Proven(job[1], bytearray(job[3])))
    part._keep(shared["max"])
    last = (state[2], state[1]) if state and part.checked else ()
    return _Part(part.checked, part.subjects_checked, part.problems, part.problem_count, last, proven)


_WORKER: dict = {}  # in a worker process: its connection, for all of its jobs


def _worker_connection():
    """This worker's connection, opened at its first job: a read-only transaction in the exported snapshot,
    closed when the worker process ends."""
    import multiprocessing.util

    import psycopg
    from psycopg import sql as pgsql

    connection = _WORKER.get("connection")
    if connection is None:
        shared = _FORKED
        connection = psycopg.connect(shared["conninfo"], **shared["connect_args"])
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        connection.execute(pgsql.SQL("SET TRANSACTION SNAPSHOT {}").format(pgsql.Literal(shared["snapshot"])))
        for setting in _WORKER_SETTINGS:
            connection.execute(setting)
        _WORKER["connection"] = connection
        multiprocessing.util.Finalize(None, connection.close, exitpriority=10)
    return connection


def _chain_range(connection, lo: int, hi: int, proven: _Proven) -> tuple:
    shared = _FORKED
    previous_sql, range_sql = shared["previous_sql"], shared["range_sql"]
    previous = connection.execute(previous_sql[0], {**previous_sql[1], "lo": lo}).fetchone()
    state = (previous[0] + 1, previous[1], previous[0]) if previous else (1, GENESIS_HASH, 0)

    def batches():
        with _worker_cursor(connection) as cursor:
            params = {**range_sql[1], "lo": lo, "hi": hi}
            yield from _batches(cursor, range_sql[0], params, shared["batch_size"])

    return _check_range(batches, state, True, shared["max"], proven)


def _worker_cursor(connection):
    """A cursor whose results the server streams where the driver can receive them in chunks (psycopg 3.2
    with libpq 17 or later), otherwise a named (server-side) cursor."""
    import psycopg

    capabilities = getattr(psycopg, "capabilities", None)
    if capabilities is not None and capabilities.has_stream_chunked():
        return connection.cursor()
    return connection.cursor(name="lms_verify_worker")


def _chain_jobs(connection, low: int, high: int, workers: int) -> list[tuple]:
    """The chain's ranges, and the statements that read a range and the entry before it, for the workers."""
    stmt, _as_text = _chain_select()
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
    _FORKED["range_sql"] = (str(range_compiled), range_compiled.params)
    _FORKED["previous_sql"] = (str(previous_compiled), previous_compiled.params)
    step = max(1, -(-(high - low + 1) // (workers * RANGES_PER_WORKER)))
    return [(start, min(high, start + step - 1)) for start in range(low, high + 1, step)]


def _seq_bounds(connection) -> tuple:
    """The least and the greatest seq in the ledger (None, None when it is empty)."""
    return tuple(
        connection.execute(sa.select(sa.func.min(LedgerEntry.seq), sa.func.max(LedgerEntry.seq))).one()
    )


def _verify_in_parallel(result, plans, batch_size: int, max_problems: int, workers: int, meanwhile) -> bool:
    """Check the chain and the planned groups with ``workers`` processes while this one runs ``meanwhile``;
    False (nothing done) when the ledger is too small or not on PostgreSQL."""
    import multiprocessing

    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return False
    low, high = _seq_bounds(connection)
    if low is None or high - low + 1 < PARALLEL_MIN_ENTRIES:
        return False
    dialect = connection.dialect
    url = connection.engine.url.set(drivername="postgresql")
    _FORKED.update(
        conninfo=url.render_as_string(hide_password=False),
        connect_args=dict(current_app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {})),
        snapshot=connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one(),
        dialect=dialect,
        batch_size=batch_size,
        max=max_problems,
        plans=[(plan, *_compiled(plan.stmt, dialect)) for plan in plans],
        low=low,
        high=high,
    )
    try:
        ranges = _chain_jobs(connection, low, high, workers)
        pool = multiprocessing.get_context("fork").Pool(workers)
        chain: list = []

        def check_chain(record_parts):
            """When every group is compared (in the pool's result thread): the chain's ranges, each with the
            payloads proven canonical in it."""
            try:
                proven = _Proven.covering(low, high)
                for part in record_parts:
                    proven.merge(part.proven)
                jobs = [("chain", lo, hi, bytes(proven.slice(lo, hi).flags)) for lo, hi in ranges]
                chain.append(pool.map_async(_work, jobs, chunksize=1))
            except BaseException as error:  # noqa: BLE001 - raised again below, in this thread
                chain.append(error)

        try:
            # The groups first: the largest jobs.
            records = pool.map_async(
                _work, [("records", index) for index in range(len(plans))], chunksize=1, callback=check_chain
            )
            meanwhile()
            parts = records.get()  # its callback has run when get() returns
            if isinstance(chain[0], BaseException):
                raise chain[0]
            parts += chain[0].get()
            pool.close()  # the workers end normally, closing their connections
            pool.join()
        finally:
            pool.terminate()
    finally:
        _FORKED.clear()
    for part in parts:
        result.checked += part.checked
        result.subjects_checked += part.subjects_checked
        result.problem_count += part.problem_count
        result.problems.extend(part.problems)
        if part.last:
            result.head_seq, result.head_hash = part.last  # the chain's ranges come in order
    result._keep(max_problems)
    return True


def verify_ledger(
    *,
    batch_size: int = BATCH_SIZE,
    max_problems: int = MAX_PROBLEMS,
    snapshot: bool = False,
    workers: int = 1,
) -> VerificationResult:
    """Check the whole ledger. ``snapshot=True`` ends the session's transaction and reads from a fresh,
    consistent one (the command and the admin page; tests read what they just committed). ``workers`` > 1
    shares the work of a large ledger on PostgreSQL among that many processes (the command line only: a web
    worker must not fork), with the same result."""
    seal_pending()  # what this transaction recorded is part of the ledger it checks
    if snapshot:
        _start_snapshot()
    result = VerificationResult()
    plans = _row_plans()
    planned = {plan.kinds for plan in plans}

    def meanwhile():
        _check_other_groups(result, batch_size, max_problems, planned)

    # Workers read the snapshot of this transaction, which must hold nothing uncommitted: only with snapshot.
    parallel = snapshot and workers > 1
    if not (parallel and _verify_in_parallel(result, plans, batch_size, max_problems, workers, meanwhile)):
        # The groups first: the chain pass takes the payloads they prove canonical as checked.
        proven = _Proven.covering(*_seq_bounds(db.session.connection()))
        for plan in plans:
            _check_plan(result, plan, batch_size, max_problems, proven)
        _check_chain(result, batch_size, max_problems, proven)
        meanwhile()
    result._keep(max_problems)
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
