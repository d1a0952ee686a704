"""Every transition of the table from every state: legal ones change the state and add an audit row and a
ledger entry; illegal ones are refused naming the rule and change nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.cultivation.models import CASE_STATES, CaseEvent, CultivationCase
from lms.cultivation.services import OPENING, TRANSITIONS, allowed_transitions
from lms.errors import RuleViolation
from lms.evidence.models import LedgerEntry

STEPS = [name for name in TRANSITIONS if name not in OPENING]
CASES = [(state, name) for state in CASE_STATES for name in STEPS]


def _ledger_count(db) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()


@pytest.mark.parametrize(("state", "name"), CASES, ids=[f"{s}-{n}" for s, n in CASES])
def test_transition_table(db, flow, state, name):
    case = flow.to_state(flow.open(), state)
    assert case.state == state
    transition = TRANSITIONS[name]
    events_before = len(flow.events(case))
    ledger_before = _ledger_count(db)
    if state in transition.sources:
        flow.step(flow.officer(), case, name, flow.today)
        db.session.commit()
        db.session.expire_all()
        case = db.session.get(CultivationCase, case.id)
        assert case.state == transition.target
        events = flow.events(case)
        assert len(events) == events_before + 1
        event = events[-1]
        assert (event.transition, event.from_state, event.to_state) == (name, state, transition.target)
        assert event.actor_id == flow.officer().id
        entry = db.session.execute(
            sa.select(LedgerEntry).where(
                LedgerEntry.kind == "case_transition", LedgerEntry.subject_id == event.id
            )
        ).scalar_one()
        assert entry.subject_type == "case_event"
    else:
        with pytest.raises(RuleViolation) as refused:
            flow.step(flow.officer(), case, name, flow.today)
        assert refused.value.code == f"transition.{name}"
        assert str(transition.rule) in str(refused.value)
        db.session.rollback()
        case = db.session.get(CultivationCase, case.id)
        assert case.state == state
        assert len(flow.events(case)) == events_before
        assert _ledger_count(db) == ledger_before


@pytest.mark.parametrize("state", list(CASE_STATES))
def test_allowed_transitions_follow_the_table(db, flow, state):
    case = flow.to_state(flow.open(), state)
    assert set(allowed_transitions(case)) == {n for n in STEPS if state in TRANSITIONS[n].sources}


def test_open_case_records_opening_event(db, flow):
    case = flow.open()
    (event,) = flow.events(case)
    assert (event.transition, event.from_state, event.to_state) == ("submit", None, "submitted")
    assert event.details["nominees"][0]["position"] == "legal_representative"
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "case_transition")
        ).scalar_one()
        == 1
    )


def test_full_path_keeps_an_ordered_trail(db, flow):
    case = flow.to_state(flow.open(), "certified")
    transitions = [
        e.transition
        for e in db.session.execute(
            sa.select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        ).scalars()
    ]
    assert transitions == [
        "submit",
        "screen",
        "list",
        "start_training",
        "complete",
        "apply_certification",
        "certify",
    ]
