"""Two officers assigning at the same moment, on the real database: the rules still hold."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.experts import services
from lms.experts.services import AssignmentRefused, assign_expert
from lms.sessions.models import SessionExpert, TrainingSession
from tests.experts.conftest import future_month, local

pytestmark = pytest.mark.slow


def run_in_parallel(app, db, jobs):
    """Run each (officer_id, session_id, expert_id, role) in its own thread and app context, all at once."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, officer_id, session_id, expert_id, role):
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                officer = db.session.get(User, officer_id)
                session = db.session.get(TrainingSession, session_id)
                expert = db.session.get(User, expert_id)
                assign_expert(officer, session, expert, role)
                db.session.commit()
                results[index] = "assigned"
            except AssignmentRefused as error:
                db.session.rollback()
                results[index] = error.rules
            except Exception as error:  # noqa: BLE001 - reported to the test below
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


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
