"""`evidence verify` passes on an honest ledger and names the first entry that no longer matches."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lms.evidence.ledger import record_evidence
from lms.evidence.models import LedgerEntry
from lms.evidence.verify import check_entry, verify_ledger

TEST_KIND = "test_enterprise_scored"  # registered in conftest.py
TEST_ROW_KIND = "test_enterprise_scored_rows"  # the same, columns_only=True


@pytest.fixture(params=[TEST_KIND, TEST_ROW_KIND])
def kind(request):
    """Every check runs on a kind whose records are loaded as objects and on one read as joined rows."""
    return request.param


@pytest.fixture
def chain(db, factory, kind):
    """Five entries: enterprise A (seq 1, 3, 5), B (seq 2), C (seq 4)."""
    unit = factory.tree()["north_a"]
    a = factory.enterprise(unit, credit_score=80)
    b = factory.enterprise(unit, credit_score=70)
    c = factory.enterprise(unit, credit_score=60)
    record_evidence(kind, a)
    record_evidence(kind, b)
    a.credit_score = 82
    record_evidence(kind, a)
    record_evidence(kind, c)
    a.is_key = True
    record_evidence(kind, a)
    db.session.commit()
    return {"a": a, "b": b, "c": c}


def _first(result):
    assert not result.ok
    first = result.first_problem
    return first.seq, first.reason


def test_fresh_chain_verifies(chain):
    result = verify_ledger()
    assert result.ok, [p.describe() for p in result.problems]
    assert result.checked == 5
    assert result.subjects_checked == 3  # the latest entry of each enterprise
    assert result.head_seq == 5


def test_empty_ledger_verifies(db):
    result = verify_ledger()
    assert result.ok and result.checked == 0 and result.head_seq is None


def test_small_batches_give_the_same_result(chain):
    assert verify_ledger(batch_size=2).ok
    assert verify_ledger(batch_size=1, snapshot=True).checked == 5


def test_changed_payload_is_detected(chain, tamper):
    entry = chain["b"]
    tamper(
        "UPDATE ledger_entry SET payload = :payload WHERE seq = 2",
        payload=json.dumps(
            {"credit_score": 99, "is_key": False, "name": entry.name_en},
            sort_keys=True,
            separators=(",", ":"),
        ),
    )
    result = verify_ledger()
    assert _first(result) == (2, "hash")
    # The record no longer matches what the (altered) entry claims either.
    assert {(p.seq, p.reason) for p in result.problems} == {(2, "hash"), (2, "record_differs")}


def test_non_canonical_payload_is_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET payload = :payload WHERE seq = 4", payload='{ "credit_score": 60 }')
    assert _first(verify_ledger()) == (4, "not_canonical")


def test_changed_hash_is_detected(chain, tamper):
    tamper("UPDATE ledger_entry SET hash = :fake WHERE seq = 3", fake="f" * 64)
    result = verify_ledger()
    assert _first(result) == (3, "hash")
    assert (4, "prev_hash") in {(p.seq, p.reason) for p in result.problems}


def test_deleted_row_is_detected(chain, tamper):
    tamper("DELETE FROM ledger_entry WHERE seq = 3")
    result = verify_ledger()
    assert _first(result) == (4, "seq_gap")
    assert "#3" in result.first_problem.message
    assert result.problem_count == 1


def test_deleted_newest_entry_is_caught_by_the_record_check(chain, tamper):
    # No later entry links to the head; but entry 3 is now A's latest, and A has changed since.
    tamper("DELETE FROM ledger_entry WHERE seq = 5")
    result = verify_ledger()
    assert _first(result) == (3, "record_differs")
    assert "is_key" in result.first_problem.message


def test_swapped_entries_are_detected(chain, tamper):
    tamper(
        "UPDATE ledger_entry SET seq = 1000 WHERE seq = 2",
        "UPDATE ledger_entry SET seq = 2 WHERE seq = 3",
        "UPDATE ledger_entry SET seq = 3 WHERE seq = 1000",
    )
    assert _first(verify_ledger()) == (2, "prev_hash")


def test_rewritten_entry_with_recomputed_hash_still_breaks_the_next_link(chain, tamper, db):
    from lms.evidence.ledger import entry_hash

    entry = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.seq == 2)).scalar_one()
    payload = '{"credit_score":99,"is_key":false,"name":"x"}'
    forged = entry_hash(
        seq=2,
        kind=entry.kind,
        subject_type=entry.subject_type,
        subject_id=entry.subject_id,
        payload=payload,
        created_at=entry.created_at,
        actor_id=entry.actor_id,
        prev_hash=entry.prev_hash,
    )
    tamper(
        "UPDATE ledger_entry SET payload = :payload, hash = :hash WHERE seq = 2", payload=payload, hash=forged
    )
    result = verify_ledger()
    assert _first(result) == (2, "record_differs")
    assert (3, "prev_hash") in {(p.seq, p.reason) for p in result.problems}


def test_record_altered_in_its_own_table_is_reported(chain, db, kind):
    db.session.execute(
        sa.text("UPDATE enterprise SET credit_score = 50 WHERE id = :id"), {"id": chain["c"].id}
    )
    db.session.commit()
    result = verify_ledger()
    assert _first(result) == (4, "record_differs")
    problem = result.first_problem
    assert (
        problem.kind == kind and problem.subject_type == "enterprise" and problem.subject_id == chain["c"].id
    )
    assert "credit_score (entry: 60, record: 50)" in problem.message
    assert problem.describe().startswith(f"#4 {kind} (enterprise #{chain['c'].id}):")


def test_record_deleted_is_reported(chain, db):
    db.session.execute(sa.text("DELETE FROM enterprise WHERE id = :id"), {"id": chain["b"].id})
    db.session.commit()
    assert _first(verify_ledger()) == (2, "record_missing")


def test_only_the_latest_entry_of_a_subject_must_match(chain, db):
    # A's earlier entries (seq 1 and 3) say other scores: they are history, not mismatches.
    assert (
        json.loads(
            db.session.execute(sa.select(LedgerEntry.payload).where(LedgerEntry.seq == 1)).scalar_one()
        )["credit_score"]
        == 80
    )
    assert verify_ledger().ok


def test_unknown_kind_is_reported(chain, db, monkeypatch, kind):
    from lms.evidence import ledger

    monkeypatch.delitem(ledger.KINDS, kind)
    result = verify_ledger()
    assert _first(result) == (2, "unknown_kind")  # the latest entry of each of the three enterprises
    assert result.problem_count == 3


def test_kinds_present_are_every_kind_in_the_ledger_once(chain, db, kind):
    """What tells whether the latest entries of unregistered kinds must be looked for (an index walk)."""
    from lms.evidence.verify import _kinds_present

    other = TEST_ROW_KIND if kind == TEST_KIND else TEST_KIND
    record_evidence(other, chain["b"])
    db.session.commit()
    assert _kinds_present() == sorted({kind, other})
    assert verify_ledger().ok


def test_kinds_present_in_an_empty_ledger(db):
    from lms.evidence.verify import _kinds_present

    assert _kinds_present() == []


def test_check_entry_for_one_entry(chain, db, tamper):
    latest = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.seq == 5)).scalar_one()
    assert check_entry(latest) == ([], True)
    older = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.seq == 3)).scalar_one()
    assert check_entry(older) == ([], False)
    tamper("UPDATE ledger_entry SET hash = :fake WHERE seq = 3", fake="0" * 63 + "1")
    older = db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.seq == 3)).scalar_one()
    problems, _ = check_entry(older)
    assert [p.reason for p in problems] == ["hash"]


def test_every_columns_only_kind_describes_a_row_as_its_object(app, db, factory):
    """A kind declared ``columns_only`` gives the same payload from a Core row of its model's columns (what
    the verifier reads on SQLite; on PostgreSQL a driver tuple with the same attribute names) as from the
    loaded object. (The real kinds are proved on the demo data in test_evidence_verify_rows.py.)"""
    from lms.evidence.ledger import KINDS, canonical_json

    unit = factory.tree()["north_a"]
    enterprise = factory.enterprise(unit, credit_score=77)
    db.session.commit()
    specs = [spec for spec in KINDS.values() if spec.columns_only]
    assert {
        "attempt_graded",
        "essay_marked",
        "attendance_marked",
        "course_completed",
        "certificate_issued",
        "certificate_revoked",
        "certification_outcome",
        TEST_ROW_KIND,
    } <= {spec.name for spec in specs}
    row = db.session.execute(
        sa.select(
            *[getattr(type(enterprise), a.key) for a in sa.inspect(type(enterprise)).column_attrs]
        ).where(type(enterprise).id == enterprise.id)
    ).one()
    spec = KINDS[TEST_ROW_KIND]
    assert canonical_json(spec.describe(row)) == canonical_json(spec.describe(enterprise))


@pytest.mark.parametrize(
    "statement",
    [
        None,
        "UPDATE ledger_entry SET hash = 'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff' "
        "WHERE seq = 3",
        "DELETE FROM ledger_entry WHERE seq = 3",
        "UPDATE ledger_entry SET payload = '{ \"credit_score\": 60 }' WHERE seq = 4",
        "DELETE FROM ledger_entry WHERE seq = 1",
    ],
)
def test_chain_checked_by_several_processes_gives_the_single_pass_result(
    chain, tamper, monkeypatch, statement
):
    """`evidence verify --workers 2` (PostgreSQL: ranges of the chain checked by worker processes in this
    transaction's snapshot) finds exactly what one pass finds, here with a range boundary after every entry."""
    from lms.evidence import verify

    if statement:
        tamper(statement)
    single = verify_ledger(snapshot=True)
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 1)
    monkeypatch.setattr(verify, "RANGES_PER_WORKER", 5)
    parallel = verify_ledger(snapshot=True, workers=2)

    def seen(result):
        return [(p.seq, p.reason, p.details) for p in result.problems]

    assert seen(parallel) == seen(single)
    assert (parallel.checked, parallel.problem_count, parallel.head_seq, parallel.head_hash) == (
        single.checked,
        single.problem_count,
        single.head_seq,
        single.head_hash,
    )
    assert parallel.ok == (statement is None)


@pytest.mark.parametrize(
    "payload",
    [
        '{"a":1,"b":"x"}',
        '{"b":1,"a":2}',
        '{"a": 1}',
        ' {"a":1}',
        '{"a":1} ',
        '{"a":1}x',
        "[1,2]",
        '"text"',
        "",
        "{",
        '{"a":1.0,"b":1e+16,"c":-0.0,"d":NaN}',
        '{"a":1.5e-07}',
        '{"name":"海关 \\u00e9","q":"\\"\\\\","t":"\\u0001\\n"}',
        '{"name":"\\u6d77"}',
        '{"nested":{"z":[{"b":1,"a":2}],"a":null},"t":true,"f":false}',
        '{"a":1,"a":2}',
    ],
)
def test_fast_canonical_check_agrees_with_json_and_canonical_json(payload):
    from lms.evidence.ledger import canonical_json
    from lms.evidence.verify import is_canonical_payload

    try:
        decoded = json.loads(payload)
        expected = isinstance(decoded, dict) and canonical_json(decoded) == payload
    except ValueError:
        expected = False
    assert is_canonical_payload(payload) is expected


class _Text(str):
    pass


_PLAIN = [
    {"a": 1, "b": "x"},
    {"n": None, "t": True, "f": 1.5, "big": 1e16, "nan": float("nan"), "inf": float("-inf"), "zero": -0.0},
    {"d": Decimal("2.50"), "when": datetime(2026, 1, 1, 8, 30, tzinfo=UTC), "day": date(2026, 1, 1)},
    {"nested": {"z": [{"b": 1, "a": 2}], "a": None}, "pair": (1, "x"), "empty": {}},
    {"s": '海关 "q" \\ \n\u0001 é', "k": 10**30, "neg": -7},
    {},
]
_NOT_PLAIN = [
    {10: 1, 9: 2},  # written {"10":1,"9":2}: not in the order its text sorts in
    {-1: 0, -2: 0},  # the same
    {True: 1},
    {"a": {2: 1}},
    {"a": [{None: 1}]},
    {"a": _Text("x")},  # a subclass: not looked into, although it is written as its text
    [1, 2],
]


@pytest.mark.parametrize("value", _PLAIN + _NOT_PLAIN)
def test_a_description_canonical_by_construction_gives_a_canonical_payload(value):
    """What lets the chain pass take an entry equal to such a description as canonical without parsing it:
    canonical_json() of a value the check accepts is always canonical; the values it refuses include ones
    whose canonical_json() is not."""
    from lms.evidence.ledger import canonical_json
    from lms.evidence.verify import canonical_by_construction, is_canonical_payload

    assert canonical_by_construction(value) is any(value is plain for plain in _PLAIN)
    if canonical_by_construction(value):
        assert is_canonical_payload(canonical_json(value))
    if value in _NOT_PLAIN[:2]:
        assert not is_canonical_payload(canonical_json(value))


def test_payloads_proven_canonical_by_the_records_are_not_parsed_again(chain, db, kind, monkeypatch):
    """Row-read kinds: the latest entries (seq 2, 4, 5), equal to their records' descriptions, are not parsed
    again by the chain pass; the older ones (1, 3) are. Kinds loaded as objects: every entry is parsed."""
    from lms.evidence import verify

    payloads = dict(db.session.execute(sa.select(LedgerEntry.payload, LedgerEntry.seq)).all())
    parsed = []
    check = verify.is_canonical_payload
    monkeypatch.setattr(
        verify, "is_canonical_payload", lambda text: parsed.append(payloads[text]) or check(text)
    )
    assert verify_ledger().ok and verify_ledger(snapshot=True).ok
    assert sorted(parsed) == sorted(2 * ([1, 3] if kind == TEST_ROW_KIND else [1, 2, 3, 4, 5]))


def test_a_repeated_seq_has_every_payload_of_its_range_parsed():
    """A seq names one entry only while seqs are unique. Where an entry repeats the seq of the one before it
    (a seq_gap), the range is checked again parsing every payload: the first entry with seq 2, not canonical,
    is reported as such although the other entry with seq 2 was proven canonical."""
    from lms.evidence.ledger import GENESIS_HASH, stored_entry_hash
    from lms.evidence.verify import _check_range, _Proven

    when = "2026-01-01T08:30:00.000000"

    def entry(seq, payload, prev_hash):
        values = (seq, "k", "enterprise", seq, payload, when, None, prev_hash)
        return (*values, stored_entry_hash(*values[:5], when + "+00:00", None, prev_hash))

    first = entry(1, '{"a":1}', GENESIS_HASH)
    rows = [first, entry(2, '{"a": 2}', first[-1]), entry(2, '{"a":2}', first[-1])]
    proven = _Proven(1, bytearray([0, 1]))  # seq 2: the canonical one, in the records pass

    def check(proven):
        part, state = _check_range(lambda: iter([rows]), (1, GENESIS_HASH, 0), True, 100, proven)
        return [(p.seq, p.reason) for p in part.problems], part.checked, state

    assert check(proven) == check(None) == ([(2, "not_canonical"), (2, "seq_gap")], 3, (3, rows[2][-1], 2))


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE enterprise SET credit_score = 50 WHERE id = :c",
        "UPDATE enterprise SET name_en = 'Renamed' WHERE id = :b",
        "UPDATE enterprise SET is_key = false WHERE id = :a",
        "DELETE FROM enterprise WHERE id = :b",
    ],
)
def test_records_checked_by_several_processes_give_the_single_pass_result(
    chain, db, monkeypatch, kind, statement
):
    """Every field the payload holds, checked by a worker process (the row-read kind) or by this one (the
    object-loaded kind): the same problems as one pass."""
    from lms.evidence import verify

    db.session.execute(sa.text(statement), {name: chain[name].id for name in ("a", "b", "c")})
    db.session.commit()
    single = verify_ledger(snapshot=True)
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 1)
    parallel = verify_ledger(snapshot=True, workers=2)
    assert single.problem_count == 1
    assert single.problems[0].reason in ("record_differs", "record_missing")
    assert [(p.seq, p.reason, p.details) for p in parallel.problems] == [
        (p.seq, p.reason, p.details) for p in single.problems
    ]
    assert (
        (parallel.checked, parallel.subjects_checked) == (single.checked, single.subjects_checked) == (5, 3)
    )


def test_problems_kept_are_the_first_in_sequence_order(chain, db, tamper, monkeypatch):
    """Past ``max_problems`` the problems listed are the earliest entries', whichever pass or process found
    them; all are counted."""
    from lms.evidence import verify

    tamper("UPDATE ledger_entry SET hash = :fake WHERE seq = 3", fake="f" * 64)  # seq 3 hash, seq 4 prev_hash
    db.session.execute(sa.text("UPDATE enterprise SET credit_score = 1"))  # seq 2, 4, 5 differ
    db.session.commit()
    expected = [(2, "record_differs"), (3, "hash")]
    single = verify_ledger(snapshot=True, max_problems=2)
    assert [(p.seq, p.reason) for p in single.problems] == expected
    assert single.problem_count == 5
    monkeypatch.setattr(verify, "PARALLEL_MIN_ENTRIES", 1)
    parallel = verify_ledger(snapshot=True, max_problems=2, workers=2)
    assert [(p.seq, p.reason) for p in parallel.problems] == expected
    assert parallel.problem_count == 5


@pytest.mark.parametrize(
    "value", ["0", "-0", "7.5", "3", "1E+5", "123.45678", "-0.00005", "0.00015", "99999.99995", "1e-10"]
)
def test_attempt_amounts_keep_their_recorded_text(value):
    """describe_attempt's amounts (str of the quantized decimal) are the text written before (format "f"),
    whether the value comes as a decimal, a float or an int."""
    from decimal import Decimal

    from lms.quizzes.evidence import _amount

    def recorded(v):
        return format(Decimal(v).quantize(Decimal("0.0001")), "f")

    assert _amount(Decimal(value)) == recorded(Decimal(value))
    assert _amount(float(value)) == recorded(float(value))
    assert _amount(int(Decimal(value))) == recorded(int(Decimal(value)))
    assert _amount(None) is None


def test_a_row_plan_selects_the_columns_its_kinds_read(app):
    """The row plan of a columns_only kind selects the primary key and the columns describe() reads; a
    describe() whose use of its record is not plain attribute reads gets every column."""
    import functools

    from lms.evidence import verify
    from lms.evidence.ledger import KINDS
    from lms.org.models import Enterprise

    plan = next(plan for plan in verify._row_plans() if TEST_ROW_KIND in plan.kinds)
    assert set(plan.attributes) == {"id", "name_en", "credit_score", "is_key"}
    attempts = next(plan for plan in verify._row_plans() if "attempt_graded" in plan.kinds)
    assert "started_at" not in attempts.attributes and "score" in attempts.attributes

    def passed_on(enterprise):
        return {"name": str(enterprise)}

    def by_name(enterprise):
        return {"name": getattr(enterprise, "name_en")}  # noqa: B009

    def shadowed(enterprise):
        return {"names": [enterprise.name_en for enterprise in [enterprise]]}

    def plain(enterprise):
        return {"name": enterprise.name_en}

    @functools.wraps(plain)
    def wrapped(enterprise):  # what runs is not what getsource() shows
        return {**plain(enterprise), "score": enterprise.credit_score}

    assert verify._attributes_read(plain) == {"name_en"}

    for describe in (passed_on, by_name, shadowed, wrapped):
        assert verify._attributes_read(describe) is None
    every = [attr.key for attr in sa.inspect(Enterprise).column_attrs]
    mapper = sa.inspect(Enterprise)
    assert [a.key for a in verify._columns_read(mapper, [passed_on], "id")] == every
    assert verify._attributes_read(KINDS[TEST_ROW_KIND].describe) == {"name_en", "credit_score", "is_key"}
