"""The record pass reads the kinds declared ``columns_only`` as plain rows (driver tuples on PostgreSQL, in
worker processes from the command line) and hands each row to the kind's own describe(). On the demo data,
where every such kind is recorded through the application's own services, the payload recomputed from a row
is, byte for byte, the one written from the loaded object; and a change to any field of it is found."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lms.evidence import verify
from lms.evidence.ledger import KINDS, group_of
from lms.evidence.models import Certificate, LedgerEntry
from lms.evidence.verify import verify_ledger

ROW_KINDS = {
    "attempt_graded",
    "essay_marked",
    "attendance_marked",
    "course_completed",
    "certificate_issued",
    "certificate_revoked",
    "certificate_pseudonymised",
    "certification_outcome",
}


@pytest.fixture
def recorded(db, demo):
    """The demo, plus a revoked certificate and one whose holder was pseudonymised."""
    from lms.demo import load_demo
    from lms.evidence.services import revoke_certificate
    from lms.privacy.services import pseudonymise

    load_demo(echo=lambda *_: None)
    admin = demo.user("admin")
    certificates = db.session.execute(sa.select(Certificate).order_by(Certificate.id)).scalars().all()
    first = certificates[0]
    second = next(c for c in certificates if c.user_id != first.user_id)  # a holder with no revoked one
    revoke_certificate(admin, first, "Issued in error.")
    pseudonymise(second.user, reason="request", actor=admin)
    db.session.commit()
    return db


def _latest_entries(db) -> dict[tuple, LedgerEntry]:
    """The latest entry of every subject in every group, worked out here from all entries."""
    latest = {}
    for entry in db.session.execute(sa.select(LedgerEntry).order_by(LedgerEntry.seq)).scalars():
        latest[(group_of(entry.kind), entry.subject_type, entry.subject_id)] = entry
    return latest


def _in_parallel(monkeypatch, **options):
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 1)
    return verify_ledger(snapshot=True, workers=2, **options)


@pytest.mark.slow
def test_every_row_kind_is_read_as_rows_and_gives_the_recorded_payload(recorded, monkeypatch):
    assert {kind for spec in KINDS.values() if spec.columns_only for kind in [spec.name]} >= ROW_KINDS
    planned = {kind for plan in verify._row_plans() for kind in plan.kinds}
    assert planned >= ROW_KINDS
    latest = _latest_entries(recorded)
    assert {entry.kind for entry in latest.values()} >= ROW_KINDS  # each compared with its record
    entries = recorded.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    for result in (verify_ledger(), verify_ledger(snapshot=True), _in_parallel(monkeypatch)):
        # Equal strings: the payload from the row is the recorded payload, byte for byte.
        assert result.ok, [p.describe() for p in result.problems]
        assert (result.checked, result.subjects_checked) == (entries, len(latest))


@pytest.mark.slow
def test_a_change_to_any_field_of_a_row_kind_is_found(recorded, tamper, monkeypatch):
    """For one latest entry of each kind read as rows, each field of its payload in turn: the entry no longer
    matches its record (and no longer its own hash)."""
    postgres = recorded.engine.dialect.name == "postgresql"
    chosen = {}
    for entry in _latest_entries(recorded).values():
        if entry.kind in ROW_KINDS:
            chosen.setdefault(entry.kind, (entry.seq, entry.payload))
    assert set(chosen) == ROW_KINDS
    for kind, (seq, payload) in sorted(chosen.items()):
        fields = json.loads(payload)
        for index, field in enumerate(sorted(fields)):
            changed = {**fields, field: _other(fields[field])}
            tamper("UPDATE ledger_entry SET payload = :p WHERE seq = :s", p=_canonical(changed), s=seq)
            # Every field in one process; one field per kind in worker processes as well (PostgreSQL).
            runs = [verify_ledger()]
            if postgres and index == 0:
                runs.append(_in_parallel(monkeypatch))
            for result in runs:
                found = {(p.seq, p.reason) for p in result.problems}
                assert found == {(seq, "hash"), (seq, "record_differs")}, (kind, field, found)
                differs = next(p for p in result.problems if p.reason == "record_differs")
                assert f"{field} (entry:" in differs.message, (kind, field, differs.message)
        tamper("UPDATE ledger_entry SET payload = :p WHERE seq = :s", p=payload, s=seq)
    assert verify_ledger().ok


# A change to one column of one record of each table: (table, field, PostgreSQL value, SQLite value).
RECORD_CHANGES = [
    (
        "registration",
        "checked_in_at",
        "checked_in_at + interval '1 second'",
        "datetime(checked_in_at, '+1 second')",
    ),
    ("certificate", "issued_at", "issued_at - interval '1 day'", "datetime(issued_at, '-1 day')"),
    ("certificate", "hours", "hours + 1", "hours + 1"),
    ("attempt", "score", "0", "0"),
    (
        "enrollment",
        "completed_at",
        "completed_at + interval '1 minute'",
        "datetime(completed_at, '+1 minute')",
    ),
]


@pytest.mark.slow
def test_records_changed_in_their_tables_are_found_from_their_rows(recorded, monkeypatch):
    """Times (stored naive, described aware), decimals and scores as the row gives them: each changed record
    is reported, naming the field, by one process and by worker processes."""
    on_postgres = recorded.engine.dialect.name == "postgresql"
    latest = sorted(_latest_entries(recorded).values(), key=lambda e: e.seq)
    expected, taken = {}, set()
    for table, field, postgres, sqlite in RECORD_CHANGES:
        target = next(
            e
            for e in latest
            if e.kind in ROW_KINDS
            and KINDS[e.kind].model.__tablename__ == table
            and e.seq not in taken
            and json.loads(e.payload).get(field) not in (None, "0", "0.0000")
        )
        taken.add(target.seq)
        expected[target.seq] = field
        recorded.session.execute(
            sa.text(f"UPDATE {table} SET {field} = {postgres if on_postgres else sqlite} WHERE id = :id"),
            {"id": target.subject_id},
        )
    recorded.session.commit()
    runs = [verify_ledger()]
    if on_postgres:
        runs.append(_in_parallel(monkeypatch))
    for result in runs:
        assert [(p.seq, p.reason) for p in result.problems] == [
            (seq, "record_differs") for seq in sorted(expected)
        ]
        for problem in result.problems:
            assert f"{expected[problem.seq]} (entry:" in problem.message


def _other(value):
    """A different JSON value of the same kind."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, list):
        return [*value, 1]
    return {"x": 1}


def _canonical(payload: dict) -> str:
    from lms.evidence.ledger import canonical_json

    return canonical_json(payload)
