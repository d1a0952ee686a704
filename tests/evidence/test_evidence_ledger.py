"""The ledger chain: construction, append-only triggers on both databases, parallel writers."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.evidence.ledger import GENESIS_HASH, canonical_json, entries_for, entry_hash, record_evidence
from lms.evidence.models import LedgerEntry, drop_ledger_triggers, install_ledger_triggers
from lms.evidence.verify import verify_ledger
from lms.org.models import Enterprise
from tests.support.race import race

TEST_KIND = "test_enterprise_scored"  # registered in conftest.py


def _entries(db):
    return db.session.execute(sa.select(LedgerEntry).order_by(LedgerEntry.seq)).scalars().all()


def test_canonical_json_is_one_text_per_payload():
    payload = {
        "b": Decimal("2.50"),
        "a": "鹏城",
        "d": date(2026, 5, 1),
        "n": None,
        "i": Decimal("3.0"),
        "h": Decimal("100"),
    }
    assert canonical_json(payload) == '{"a":"鹏城","b":"2.5","d":"2026-05-01","h":"100","i":"3","n":null}'
    assert canonical_json(json.loads(canonical_json(payload))) == canonical_json(payload)
    with pytest.raises(TypeError):
        canonical_json({"x": object()})


def test_chain_links_each_entry_to_the_one_before(db, factory):
    unit = factory.tree()["north_a"]
    first, second = factory.enterprise(unit, credit_score=80), factory.enterprise(unit, credit_score=70)
    actor = factory.user("officer", unit=unit)
    record_evidence(TEST_KIND, first, actor)
    record_evidence(TEST_KIND, second, actor)
    first.credit_score = 85
    record_evidence(TEST_KIND, first, None)
    db.session.commit()

    entries = _entries(db)
    assert [e.seq for e in entries] == [1, 2, 3]
    assert entries[0].prev_hash == GENESIS_HASH
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    for e in entries:
        assert e.hash == entry_hash(
            seq=e.seq,
            kind=e.kind,
            subject_type=e.subject_type,
            subject_id=e.subject_id,
            payload=e.payload,
            created_at=e.created_at,
            actor_id=e.actor_id,
            prev_hash=e.prev_hash,
        )
    assert json.loads(entries[2].payload)["credit_score"] == 85
    assert entries[0].actor_id == actor.id and entries[2].actor_id is None
    assert entries[0].reference == f"#1·{entries[0].hash[:12]}"

    assert [e.seq for e in entries_for("enterprise", first.id)] == [1, 3]
    assert [e.seq for e in entries_for("enterprise", second.id, kinds=(TEST_KIND,))] == [2]
    assert entries_for("enterprise", 999_999) == []


def test_entry_rolls_back_with_the_fact(db, factory):
    enterprise = factory.enterprise(factory.tree()["north_a"], credit_score=60)
    db.session.commit()
    enterprise.credit_score = 10
    record_evidence(TEST_KIND, enterprise)
    db.session.rollback()
    assert _entries(db) == []
    assert verify_ledger().ok


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE ledger_entry SET payload = '{}' WHERE seq = 1",
        "UPDATE ledger_entry SET seq = 7 WHERE seq = 1",
        "DELETE FROM ledger_entry WHERE seq = 1",
        "DELETE FROM ledger_entry",
    ],
)
def test_triggers_refuse_update_and_delete(db, factory, statement):
    record_evidence(TEST_KIND, factory.enterprise(factory.tree()["north_a"]))
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError) as refused:
        db.session.execute(sa.text(statement))
    assert "append-only" in str(refused.value)
    db.session.rollback()
    assert len(_entries(db)) == 1
    assert verify_ledger().ok


def test_install_ledger_triggers_can_run_again_after_a_drop(db, factory):
    record_evidence(TEST_KIND, factory.enterprise(factory.tree()["north_a"]))
    db.session.commit()
    with db.engine.begin() as connection:
        drop_ledger_triggers(connection)
        install_ledger_triggers(connection)
        install_ledger_triggers(connection)  # what a migration re-run would do
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM ledger_entry"))
    db.session.rollback()
    assert len(_entries(db)) == 1


@pytest.mark.slow
def test_parallel_writers_never_fork_the_chain(app, db, factory):
    unit = factory.tree()["north_a"]
    enterprise_ids = [factory.enterprise(unit, credit_score=50 + n).id for n in range(4)]
    db.session.commit()
    threads_count, per_thread = 8, 10

    def writer(n: int) -> None:
        for _ in range(per_thread):
            enterprise = db.session.get(Enterprise, enterprise_ids[n % len(enterprise_ids)])
            record_evidence(TEST_KIND, enterprise)
            db.session.commit()

    assert not race(app, writer, threads_count, commit=False).errors
    entries = _entries(db)
    assert [e.seq for e in entries] == list(range(1, threads_count * per_thread + 1))
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    result = verify_ledger()
    assert result.ok, [p.describe() for p in result.problems]
    assert result.checked == threads_count * per_thread


def test_entries_join_the_chain_at_commit_and_vanish_with_a_rollback(db, factory):
    """An entry is chained when its transaction commits; a rolled-back savepoint or transaction takes the
    entries it recorded with it, and the chain stays contiguous."""
    unit = factory.tree()["north_a"]
    kept = factory.enterprise(unit, credit_score=80)
    dropped = factory.enterprise(unit, credit_score=70)
    db.session.commit()
    entry = record_evidence(TEST_KIND, kept)
    assert entry.seq is None  # not chained yet: the head is not locked while the transaction goes on
    try:
        with db.session.begin_nested():
            record_evidence(TEST_KIND, dropped)
            raise RuntimeError("the savepoint fails")
    except RuntimeError:
        pass
    db.session.commit()
    assert entry.seq == 1 and entry.prev_hash == "0" * 64
    record_evidence(TEST_KIND, dropped)
    db.session.rollback()
    rows = db.session.execute(
        sa.select(LedgerEntry.seq, LedgerEntry.subject_id).order_by(LedgerEntry.seq)
    ).all()
    assert rows == [(1, kept.id)]


def test_reading_the_ledger_in_the_transaction_sees_what_it_recorded(db, factory):
    enterprise = factory.enterprise(factory.tree()["north_a"], credit_score=80)
    record_evidence(TEST_KIND, enterprise)
    assert [e.seq for e in entries_for("enterprise", enterprise.id)] == [1]
    db.session.commit()
    assert db.session.execute(sa.select(sa.func.count(LedgerEntry.id))).scalar_one() == 1
