"""Submissions per second of the quiz grading service.

Builds a 20-question quiz and N attempts in progress (answers saved) in a temporary database, then submits
them from worker threads, each submission in its own transaction as a request would (conditional UPDATE,
grading, ledger entry, completion check), and prints the rate.

    .venv/bin/python bench/quiz_submit.py [--attempts 300] [--threads 2]

SQLite in a temporary folder by default; with DATABASE_URL (PostgreSQL), the tables go into a temporary
schema that is dropped at the end. Never run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.extensions import db  # noqa: E402

QUESTIONS = 20


def build_app(tmp: str):
    url = os.environ.get("DATABASE_URL")
    config = {"LMS_ENV": "testing", "UPLOAD_FOLDER": str(Path(tmp) / "uploads")}
    schema = None
    if url:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(url)
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    else:
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        if schema:
            with db.engine.begin() as connection:
                connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        db.create_all()
    return app, schema


def populate(n_attempts: int, completes: bool = False) -> list[int]:
    from lms.auth.models import User
    from lms.courses.models import Course, CourseVersion, Enrollment
    from lms.database import utcnow
    from lms.org.models import CustomsUnit, Enterprise
    from lms.org.uscc import make_uscc
    from lms.quizzes import attempts
    from lms.quizzes.bank import QuestionContent, create_question
    from lms.quizzes.services import QuizSettings, create_quiz

    unit = CustomsUnit(code="BENCH", name_en="Bench customs", name_zh="基准海关", level="gacc", path="/")
    db.session.add(unit)
    db.session.flush()
    unit.path = f"/{unit.id}/"
    enterprise = Enterprise(
        name_en="Bench Co",
        name_zh="基准公司",
        uscc=make_uscc("91440300000000001"),
        customs_code="4403900001",
        business_type="importer_exporter",
        unit=unit,
    )
    db.session.add(enterprise)
    course = Course(slug="bench")
    db.session.add(course)
    version = CourseVersion(
        course=course,
        number=1,
        status="published",
        title="Bench",
        training_type="compliance",
        # By default the course also needs a lesson nobody has read, so a submission is graded and recorded
        # but completes nothing (the common case); --completes makes every submission complete the course
        # and issue a certificate as well.
        require_lessons=not completes,
        require_quizzes=["bench"],
        published_at=utcnow(),
    )
    db.session.add(version)
    db.session.flush()
    if not completes:
        from lms.courses.models import Lesson

        db.session.add(
            Lesson(version=version, position=1, slug="reading", title="Reading", body="Read this.")
        )
    course.published_version = version
    kinds = [
        (
            "single_choice",
            {
                "choices": [
                    {"id": "a", "text": "A", "fraction": "1", "feedback": ""},
                    {"id": "b", "text": "B", "fraction": "0", "feedback": ""},
                ]
            },
        ),
        (
            "multiple_response",
            {
                "choices": [
                    {"id": "a", "text": "A", "fraction": "0.5", "feedback": ""},
                    {"id": "b", "text": "B", "fraction": "0.5", "feedback": ""},
                    {"id": "c", "text": "C", "fraction": "-1", "feedback": ""},
                ]
            },
        ),
        ("true_false", {"answer": True, "feedback_true": "", "feedback_false": ""}),
        ("short_answer", {"answers": [{"text": "282", "fraction": "1", "feedback": ""}]}),
        ("numerical", {"answers": [{"value": "5", "tolerance": "0.5", "fraction": "1", "feedback": ""}]}),
    ]
    answers = {
        "single_choice": ["a"],
        "multiple_response": ["a", "b"],
        "true_false": ["true"],
        "short_answer": ["282"],
        "numerical": ["5.2"],
    }
    for i in range(QUESTIONS):
        qtype, data = kinds[i % len(kinds)]
        create_question(
            None,
            course,
            content=QuestionContent(qtype=qtype, stem=f"Question {i}?", data=data),
            name=f"Q{i}",
            category="core",
        )
    quiz = create_quiz(
        None,
        course,
        QuizSettings(
            key="bench",
            title="Bench",
            purpose="exam",
            max_attempts=1,
            pass_mark=60,
            questions_per_page=QUESTIONS,
        ),
    )
    ids = []
    for n in range(n_attempts):
        user = User(
            login_name=f"bench{n}",
            email=f"bench{n}@example.test",
            display_name=f"Bench {n}",
            role="trainee",
            enterprise=enterprise,
            position="department_staff",
            password_hash="!",  # noqa: S106 - no password: these accounts never log in
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(Enrollment(user_id=user.id, course_id=course.id))
        attempt, _created = attempts.start_attempt(user, quiz)
        rows = attempts.load_questions(attempt)
        form = MultiDict()
        for aq in rows:
            for value in answers[aq.version.qtype]:
                form.add(f"q{aq.slot}", value)
        attempts.save_responses(user, attempt, rows, form)
        ids.append(attempt.id)
        if n % 50 == 49:
            db.session.commit()
    db.session.commit()
    return ids


LOCK_TIMES: list[float] = []  # seconds from taking the ledger lock to the end of the transaction
TXN_TIMES: list[float] = []  # seconds of the whole submission transaction


def _time_the_ledger_lock() -> None:
    """Record how long each transaction holds the ledger head lock (from taking it to commit or rollback)."""
    from lms.evidence import ledger

    taken: dict[int, float] = {}
    original = ledger._lock_head

    def lock_head(session):
        started = time.perf_counter()
        original(session)
        taken.setdefault(id(session), started)

    def ended(session, *args):
        started = taken.pop(id(session), None)
        if started is not None:
            LOCK_TIMES.append(time.perf_counter() - started)

    ledger._lock_head = lock_head
    sa.event.listen(sa.orm.Session, "after_commit", ended)
    sa.event.listen(sa.orm.Session, "after_rollback", ended)


def _report_times(label: str, values: list[float]) -> str:
    if not values:
        return f"{label}: —"
    ordered = sorted(values)
    mean = sum(ordered) / len(ordered) * 1000
    p50 = ordered[len(ordered) // 2] * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    return f"{label}: mean {mean:.2f} ms, p50 {p50:.2f} ms, p99 {p99:.2f} ms"


def _submit_all(app, ids) -> int:
    """Submit ``ids`` one transaction each in this process; returns the number that failed."""
    from lms.auth.models import User
    from lms.quizzes import attempts
    from lms.quizzes.models import Attempt

    failed = 0
    with app.app_context():
        db.engine.dispose(close=False)  # a forked worker opens its own connections
        for attempt_id in ids:
            started = time.perf_counter()
            try:
                attempt = db.session.get(Attempt, attempt_id)
                attempts.submit_attempt(db.session.get(User, attempt.user_id), attempt)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - counted and reported
                db.session.rollback()
                print(f"submission failed: {error!r}", file=sys.stderr)
                failed += 1
            TXN_TIMES.append(time.perf_counter() - started)
        db.session.remove()
    if LOCK_TIMES:
        print(_report_times(f"  [{os.getpid()}] ledger lock held", LOCK_TIMES))
        print(_report_times(f"  [{os.getpid()}] whole submission", TXN_TIMES))
    return failed


def run_processes(app, ids: list[int], processes: int) -> tuple[float, int]:
    """Worker processes, as a WSGI server runs them: no shared interpreter lock between workers."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    chunks = [ids[i::processes] for i in range(processes)]
    workers = [
        context.Process(target=lambda chunk=chunk: results.put(_submit_all(app, chunk))) for chunk in chunks
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    failed = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return time.perf_counter() - started, failed


def run(app, ids: list[int], threads: int) -> tuple[float, int]:
    from lms.auth.models import User
    from lms.quizzes import attempts
    from lms.quizzes.models import Attempt

    work: queue.Queue[int] = queue.Queue()
    for attempt_id in ids:
        work.put(attempt_id)
    failures: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def worker():
        with app.app_context():
            barrier.wait()
            while True:
                try:
                    attempt_id = work.get_nowait()
                except queue.Empty:
                    break
                try:
                    attempt = db.session.get(Attempt, attempt_id)
                    attempts.submit_attempt(db.session.get(User, attempt.user_id), attempt)
                    db.session.commit()
                except Exception as error:  # noqa: BLE001 - counted and reported
                    db.session.rollback()
                    failures.append(error)
            db.session.remove()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - started
    if failures:
        print(f"{len(failures)} submissions failed, first: {failures[0]!r}", file=sys.stderr)
    return elapsed, len(failures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=300)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--processes", type=int, default=0, help="submit from this many worker processes instead of threads"
    )
    parser.add_argument(
        "--completes",
        action="store_true",
        help="every submission also completes the course and issues a certificate",
    )
    parser.add_argument(
        "--lock-timing", action="store_true", help="print how long each submission holds the ledger lock"
    )
    args = parser.parse_args()
    if args.lock_timing:
        _time_the_ledger_lock()
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = build_app(tmp)
        try:
            with app.app_context():
                t0 = time.perf_counter()
                ids = populate(args.attempts, args.completes)
                print(
                    f"prepared {len(ids)} attempts of a {QUESTIONS}-question quiz "
                    f"in {time.perf_counter() - t0:.1f} s "
                    f"({db.engine.dialect.name})"
                )
                db.session.remove()
            if args.processes:
                with app.app_context():
                    db.engine.dispose()
                elapsed, failed = run_processes(app, ids, args.processes)
            else:
                elapsed, failed = run(app, ids, args.threads)
            with app.app_context():
                from lms.quizzes.models import Attempt

                graded = db.session.execute(
                    sa.select(sa.func.count(Attempt.id)).where(Attempt.status == "graded")
                ).scalar_one()
                db.session.remove()
            done = len(ids) - failed
            print(
                f"{done} submissions graded ({graded} in the database) in {elapsed:.2f} s "
                f"with {args.processes or args.threads} "
                f"{'processes' if args.processes else 'threads'}: {done / elapsed:.1f} submissions/s"
            )
        finally:
            with app.app_context():
                if schema:
                    with db.engine.begin() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                db.engine.dispose()


if __name__ == "__main__":
    main()
