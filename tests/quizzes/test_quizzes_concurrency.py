"""Parallel submits and parallel starts, with threads against the real database."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.auth.models import User
from lms.errors import DomainError
from lms.evidence.models import LedgerEntry
from lms.extensions import db as _db
from lms.quizzes import attempts as svc
from lms.quizzes.models import Attempt, Quiz
from tests.support.race import race

pytestmark = pytest.mark.slow

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}
THREADS = 8


@pytest.fixture
def setup(kit, db):
    course = kit.course()
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF)
    kit.question(course, "true_false", TF)
    quiz = kit.quiz(course, max_attempts=3)
    ids = trainee.id, quiz.id
    db.session.commit()  # then touch no row while threads run: a SQLite read would hold the write lock
    return ids


def test_parallel_submits_give_one_graded_result(app, kit, db, setup):
    user_id, quiz_id = setup
    trainee, quiz = db.session.get(User, user_id), db.session.get(Quiz, quiz_id)
    attempt, _ = svc.start_attempt(trainee, quiz)
    rows = svc.load_questions(attempt)
    svc.save_responses(trainee, attempt, rows, MultiDict({"q1": "true", "q2": "false"}))
    attempt_id = attempt.id
    db.session.commit()  # and touch no row until the threads are done: SQLite's reads take the write lock

    def submit(_i):
        user = _db.session.get(User, user_id)
        return svc.submit_attempt(user, _db.session.get(Attempt, attempt_id))

    results = race(app, submit, THREADS).results(DomainError)
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.percent == 50
    entries = (
        db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.subject_id == attempt_id)).scalars().all()
    )
    assert len(entries) == 1


def test_parallel_starts_make_one_attempt(app, kit, db, setup):
    user_id, quiz_id = setup

    def start(_i):
        attempt, _created = svc.start_attempt(_db.session.get(User, user_id), _db.session.get(Quiz, quiz_id))
        return attempt.id

    results = race(app, start, THREADS).results(DomainError)
    assert len(set(results)) == 1, results
    assert db.session.execute(sa.select(sa.func.count(Attempt.id))).scalar_one() == 1


def test_attempt_limit_holds_under_parallel_start_and_submit(app, kit, db, setup):
    user_id, quiz_id = setup

    def start_and_submit(_i):
        user = _db.session.get(User, user_id)
        outcomes = []
        for _round in range(4):
            try:
                attempt, _created = svc.start_attempt(user, _db.session.get(Quiz, quiz_id))
                svc.submit_attempt(user, attempt)
                _db.session.commit()
                outcomes.append("ok")
            except DomainError:
                _db.session.rollback()
                outcomes.append("refused")
        return outcomes

    race(app, start_and_submit, THREADS).results(DomainError)
    numbers = (
        db.session.execute(
            sa.select(Attempt.number).where(Attempt.quiz_id == quiz_id).order_by(Attempt.number)
        )
        .scalars()
        .all()
    )
    assert numbers == [1, 2, 3]
    assert db.session.execute(sa.select(sa.func.count(LedgerEntry.id))).scalar_one() == 3


def test_save_after_a_parallel_submit_changes_nothing(app, kit, db, setup):
    user_id, quiz_id = setup
    trainee, quiz = db.session.get(User, user_id), db.session.get(Quiz, quiz_id)
    attempt, _ = svc.start_attempt(trainee, quiz)
    attempt_id = attempt.id
    db.session.commit()
    # this request reads the open attempt, then (without holding a transaction) another one submits it
    attempt = db.session.get(Attempt, attempt_id)
    rows = svc.load_questions(attempt)
    db.session.expunge_all()
    db.session.commit()
    # this request loaded the attempt while it was open; another one submits it meanwhile
    with app.app_context():
        other = _db.session.get(Attempt, attempt_id)
        svc.submit_attempt(_db.session.get(User, user_id), other)
        _db.session.commit()
        _db.session.remove()
    db.session.add(attempt)
    for row in rows:
        db.session.add(row)
    assert attempt.status == "in_progress"  # what this request still believes
    with pytest.raises(svc.AttemptClosed):
        svc.save_responses(db.session.get(User, user_id), attempt, rows, MultiDict({"q1": "true"}))
    db.session.rollback()
    assert all(r.response is None for r in kit.rows(attempt))


def test_parallel_submits_through_the_submit_page_grade_once(app, kit, db):
    """The submit page reads the attempt with its row locked and closes it with its totals in one UPDATE:
    of eight parallel submissions one grades it, the others find it submitted, and one ledger entry says so."""
    import threading

    course = kit.course()
    trainee = kit.trainee(login_name="racer")
    kit.enrol(trainee, course)
    kit.question(course, "true_false", TF)
    kit.question(course, "true_false", TF)
    quiz = kit.quiz(course, max_attempts=3)
    db.session.commit()
    signed_in = app.test_client()
    signed_in.login("racer")
    started = signed_in.submit(f"/quizzes/{quiz.id}/start")
    attempt_id = int(started.location.rstrip("/").split("/")[-1])
    saved = signed_in.submit(
        f"/quizzes/attempts/{attempt_id}", {"q1": "true", "q2": "false", "go": "summary"}
    )
    assert saved.status_code == 302
    token = signed_in.csrf_token()
    cookie = signed_in.get_cookie("session")
    clients = []
    for _ in range(THREADS):
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value, domain=cookie.domain)
        clients.append(client)
    barrier = threading.Barrier(THREADS)
    responses = [None] * THREADS

    def submit(i):
        barrier.wait(timeout=30)
        responses[i] = clients[i].post(f"/quizzes/attempts/{attempt_id}/submit", data={"csrf_token": token})

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [r.status_code for r in responses] == [302] * THREADS
    assert all(r.location.endswith(f"/quizzes/attempts/{attempt_id}/result") for r in responses)
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "graded" and attempt.percent == 50 and attempt.closed_by == "trainee"
    entries = db.session.execute(
        sa.select(LedgerEntry.kind).where(
            LedgerEntry.subject_type == "attempt", LedgerEntry.subject_id == attempt_id
        )
    ).all()
    assert [e.kind for e in entries] == ["attempt_graded"]
