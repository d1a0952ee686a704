"""The audit trail cannot be edited, every decision is in the ledger, and the right people are notified."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lms.cultivation.evidence import describe_case_event
from lms.cultivation.models import AppendOnlyError, CaseEvent
from lms.errors import RuleViolation
from lms.evidence.ledger import canonical_json
from lms.evidence.models import LedgerEntry
from lms.notifications.models import Notification


def test_orm_update_of_the_trail_is_refused(db, flow):
    case = flow.to_state(flow.open(), "screened")
    event = flow.events(case)[-1]
    event.notes = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    event = flow.events(case)[-1]
    db.session.delete(event)
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE cultivation_case_event SET notes = 'rewritten'",
        "DELETE FROM cultivation_case_event",
    ],
)
def test_database_refuses_changes_to_the_trail(db, flow, statement):
    flow.open()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.engine.begin() as connection:
            connection.execute(sa.text(statement))
    assert db.session.execute(sa.select(sa.func.count()).select_from(CaseEvent)).scalar_one() == 1


def test_every_transition_has_its_ledger_entry(db, flow):
    case = flow.to_state(flow.open(), "certified")
    events = flow.events(case)
    entries = {
        e.subject_id: e
        for e in db.session.execute(
            sa.select(LedgerEntry).where(LedgerEntry.kind == "case_transition")
        ).scalars()
    }
    assert set(entries) == {e.id for e in events}
    for event in events:
        # What the ledger says is what the row still says.
        assert entries[event.id].payload == canonical_json(describe_case_event(event))
    outcome = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.kind == "certification_outcome")
    ).scalar_one()
    payload = json.loads(outcome.payload)
    assert (payload["case_id"], payload["outcome"], payload["regime"]) == (case.id, "certified", "decree_282")


def test_refused_transition_leaves_no_trace(db, flow):
    case = flow.open()
    before = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    with pytest.raises(RuleViolation):
        flow.step(flow.officer(), case, "resume", flow.today)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one() == before
    assert len(flow.events(case)) == 1


def _kinds_by_user(db) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for notice in db.session.execute(sa.select(Notification)).scalars():
        out.setdefault(notice.user.login_name, set()).add(notice.kind)
    return out


@pytest.mark.parametrize(
    ("state", "kind"),
    [
        ("screened", "cultivation.screened"),
        ("rejected", "cultivation.rejected"),
        ("suspended", "cultivation.suspended"),
        ("terminated", "cultivation.terminated"),
        ("certified", "cultivation.outcome"),
        ("not_certified", "cultivation.outcome"),
    ],
)
def test_decisions_notify_applicant_legal_representative_and_nominees(db, flow, state, kind):
    # The senior manager applies, naming a staff member; the legal representative hears too.
    case = flow.open(applicant="trainee.manager", nominees=("trainee.customs",))
    flow.to_state(case, state)
    kinds = _kinds_by_user(db)
    for login in ("trainee.manager", "trainee.customs", "trainee"):
        assert kind in kinds.get(login, set()), login
    assert "trainee.finance" not in kinds  # neither applicant, nominee nor legal representative
    assert not any(u.startswith("officer") for u in kinds)


def test_list_confirmation_notifies(db, flow):
    from lms.cultivation import keylists

    case = flow.to_state(flow.open(nominees=("trainee.customs",)), "screened")
    key_list = keylists.build_key_list(flow.officer(), case.enterprise.unit, "2026-H2")
    keylists.confirm_key_list(flow.officer(), key_list)
    db.session.commit()
    notice = db.session.execute(
        sa.select(Notification).where(
            Notification.kind == "cultivation.list_confirmed",
            Notification.user_id == flow.demo.user("trainee.customs").id,
        )
    ).scalar_one()
    assert "2026-H2" in notice.title and notice.link == f"/cultivation/cases/{case.id}"


def test_notification_in_the_recipients_language(db, flow):
    customs = flow.demo.user("trainee.customs")
    customs.preferred_language = "zh_CN"
    db.session.commit()
    case = flow.to_state(flow.open(nominees=("trainee.customs",)), "screened")
    notice = db.session.execute(
        sa.select(Notification).where(
            Notification.kind == "cultivation.screened", Notification.user_id == customs.id
        )
    ).scalar_one()
    assert case.enterprise.name_zh in notice.title
