"""Check-then-write rules hold when requests arrive at the same moment, on the real database: one open
case per enterprise and type, one decision per case state, one confirmation per key training list."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.cultivation import keylists, services
from lms.cultivation.models import CaseEvent, CultivationCase, KeyTrainingList
from lms.errors import DomainError
from lms.evidence.models import LedgerEntry
from lms.extensions import db as _db
from tests.support.race import race

pytestmark = pytest.mark.slow
THREADS = 8


def _run(app, target, args_list) -> tuple[int, list[BaseException]]:
    outcomes = race(app, target, args_list)
    return len(outcomes.values), outcomes.errors


def _count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def test_parallel_applications_open_one_case(wide_app, db, demo, factory):
    enterprise = demo.enterprise("Pengcheng")
    applicants = [
        factory.user("trainee", enterprise=enterprise, position="senior_management").id
        for _ in range(THREADS)
    ]
    db.session.commit()

    def apply(user_id):
        user = _db.session.get(User, user_id)
        services.apply_for_cultivation(
            user, training_type="aeo_certification", category="applicant", nominee_ids=[user_id]
        )

    done, errors = _run(wide_app, apply, [(u,) for u in applicants])
    assert done == 1
    assert len(errors) == THREADS - 1 and all(isinstance(e, DomainError) for e in errors), errors
    assert all("one open case per enterprise and training type" in str(e) for e in errors)
    assert _count(db, CultivationCase) == 1 and _count(db, CaseEvent) == 1


def test_parallel_decisions_apply_once(wide_app, db, flow):
    case = flow.open()
    officers = [flow.officer(login).id for login in ("officer.futian", "officer.shenzhen", "admin")] * 3
    case_id, day = case.id, flow.today
    db.session.commit()

    def decide(index, officer_id):
        officer = _db.session.get(User, officer_id)
        target = _db.session.get(CultivationCase, case_id)
        if index % 2:
            services.screen_case(officer, target, decided_on=day)
        else:
            services.reject_case(officer, target, decided_on=day, reason="Duplicate")

    done, errors = _run(wide_app, decide, list(enumerate(officers)))
    assert done == 1 and len(errors) == len(officers) - 1
    assert all(isinstance(e, DomainError) for e in errors), errors
    assert _count(db, CaseEvent, CaseEvent.case_id == case_id) == 2
    assert _count(db, LedgerEntry, LedgerEntry.kind == "case_transition") == 2


def test_parallel_confirmations_confirm_once(wide_app, db, flow):
    case = flow.to_state(flow.open(), "screened")
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), flow.demo.unit("5300"), "2026-H2")
    list_id = key_list.id
    officer_id = flow.officer("officer.shenzhen").id
    db.session.commit()

    def confirm(_):
        keylists.confirm_key_list(
            _db.session.get(User, officer_id), _db.session.get(KeyTrainingList, list_id)
        )

    done, errors = _run(wide_app, confirm, [(i,) for i in range(THREADS)])
    assert done == 1 and all(isinstance(e, DomainError) for e in errors), errors
    assert _count(db, LedgerEntry, LedgerEntry.kind == "key_list_confirmed") == 1
    assert _count(db, CaseEvent, CaseEvent.case_id == case.id, CaseEvent.transition == "start_training") == 1
