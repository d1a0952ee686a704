"""Two officers assigning at the same moment, on the real database: the rules still hold."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.experts import services
from lms.experts.services import AssignmentRefused, assign_expert
from lms.sessions.models import SessionExpert, TrainingSession
from tests.experts.conftest import future_month, local
from tests.support.race import race

pytestmark = pytest.mark.slow


def run_in_parallel(app, db, jobs):
    """Run each (officer_id, session_id, expert_id, role) in its own thread and app context, all at once:
    "assigned", or the rules that refused it, or any other error."""

    def assign(officer_id, session_id, expert_id, role):
        officer = db.session.get(User, officer_id)
        session = db.session.get(TrainingSession, session_id)
        expert = db.session.get(User, expert_id)
        assign_expert(officer, session, expert, role)
        return "assigned"

    return [
        o.value if o.ok else o.error.rules if isinstance(o.error, AssignmentRefused) else o.error
        for o in race(app, assign, jobs)
    ]


@pytest.fixture
def slow_checks(monkeypatch):
    """Widen the gap between checking the rules and writing: an unprotected check would let both in."""
    original = services.evaluate_expert_for_session

    def slow(*args, **kwargs):
        evaluation = original(*args, **kwargs)
        time.sleep(0.4)
        return evaluation

    monkeypatch.setattr(services, "evaluate_expert_for_session", slow)


def test_one_expert_two_overlapping_sessions_at_once(app, db, kit, world, slow_checks):
    day = future_month().replace(day=12)
    expert = kit.expert(world["north"], "regional")
    first = kit.session(world["north_a"], local(day, 9))
    second = kit.session(world["north_b"], local(day, 10))
    officer = world["officer_north"]
    jobs = [(officer.id, first.id, expert.id, "lead"), (officer.id, second.id, expert.id, "lead")]
    db.session.commit()

    results = run_in_parallel(app, db, jobs)

    assert sorted(map(str, results)) == sorted(["assigned", str(["overlap"])])
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(SessionExpert).where(SessionExpert.expert_id == jobs[0][2])
    ).scalar_one()
    assert count == 1


def test_one_expert_at_the_monthly_maximum_from_two_officers(app, db, kit, world, slow_checks):
    day = future_month().replace(day=5)
    expert = kit.expert(world["north"], "regional", maximum=1)
    first = kit.session(world["north_a"], local(day, 9))
    second = kit.session(world["north_b"], local(day.replace(day=25), 9))
    jobs = [
        (world["officer_north_a"].id, first.id, expert.id, "assistant"),
        (world["officer_north"].id, second.id, expert.id, "assistant"),
    ]
    db.session.commit()

    results = run_in_parallel(app, db, jobs)

    assert sorted(map(str, results)) == sorted(["assigned", str(["monthly_maximum"])])


def test_two_leads_for_one_session_at_once(app, db, kit, world):
    day = future_month().replace(day=14)
    experts = [kit.expert(world["north"], "regional"), kit.expert(world["north_b"], "regional")]
    session = kit.session(world["north_a"], local(day, 9))
    jobs = [(world["officer_north"].id, session.id, e.id, "lead") for e in experts]
    db.session.commit()

    results = run_in_parallel(app, db, jobs)

    assert results.count("assigned") == 1
    assert [r for r in results if r != "assigned"] == [["lead_taken"]]
    leads = db.session.execute(
        sa.select(sa.func.count())
        .select_from(SessionExpert)
        .where(SessionExpert.session_id == jobs[0][1], SessionExpert.role == "lead")
    ).scalar_one()
    assert leads == 1
