"""`flask --app lms evidence verify`: exit codes and messages."""

from __future__ import annotations

import sqlalchemy as sa

from lms.evidence.ledger import record_evidence

TEST_KIND = "test_enterprise_scored"  # registered in conftest.py


def _ledger(db, factory, count=3):
    unit = factory.tree()["north_a"]
    enterprises = [factory.enterprise(unit, credit_score=70 + n) for n in range(count)]
    for enterprise in enterprises:
        record_evidence(TEST_KIND, enterprise)
    db.session.commit()
    return enterprises


def test_verify_passes_and_counts_entries(cli, db, factory):
    _ledger(db, factory)
    result = cli.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0, result.output
    assert "Ledger verified: 3 entries checked, 3 records compared with their latest entry." in result.output
    assert "Head: #3 " in result.output


def test_verify_on_an_empty_ledger(cli):
    result = cli.invoke(args=["evidence", "verify"])
    assert result.exit_code == 0
    assert "0 entries checked" in result.output


def test_verify_fails_after_a_row_is_altered(cli, db, factory, tamper):
    enterprises = _ledger(db, factory)
    tamper("UPDATE ledger_entry SET payload = replace(payload, '71', '99') WHERE seq = 2")
    result = cli.invoke(args=["evidence", "verify", "--batch-size", "1"])
    assert result.exit_code == 1
    assert (
        f"Ledger verification FAILED at entry #2 {TEST_KIND} (enterprise #{enterprises[1].id}): "
        "Its stored hash does not match the hash recomputed from its contents."
    ) in result.stderr
    assert "problem(s) in 3 entries checked." in result.stderr


def test_verify_fails_after_a_record_is_altered(cli, db, factory):
    enterprises = _ledger(db, factory)
    db.session.execute(
        sa.text("UPDATE enterprise SET credit_score = 10 WHERE id = :id"), {"id": enterprises[0].id}
    )
    db.session.commit()
    result = cli.invoke(args=["evidence", "verify"])
    assert result.exit_code == 1
    assert f"FAILED at entry #1 {TEST_KIND} (enterprise #{enterprises[0].id})" in result.stderr
    assert "credit_score (entry: 70, record: 10)" in result.stderr


def test_verify_lists_further_problems(cli, db, factory, tamper):
    _ledger(db, factory, count=4)
    tamper("DELETE FROM ledger_entry WHERE seq = 2", "UPDATE ledger_entry SET hash = 'x' WHERE seq = 4")
    result = cli.invoke(args=["evidence", "verify", "--show", "5"])
    assert result.exit_code == 1
    assert "FAILED at entry #3" in result.stderr and "entries are missing" in result.stderr
    assert "also #4" in result.stderr
