"""xAPI fixtures: a realistic learning record (enrolments, graded attempts of every question type, an essay
marked by an expert, attendance, course completions), built through the areas' own services; a local LRS."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

import lms.xapi.models  # noqa: F401  (the cursor table)
from lms.courses import services as course_services
from lms.courses.models import Course, Enrollment
from lms.database import utcnow
from lms.quizzes import attempts as attempt_services
from lms.quizzes.bank import QuestionContent, create_question
from lms.quizzes.models import AttemptQuestion
from lms.quizzes.services import QuizSettings, create_quiz, set_fixed_questions
from lms.sessions import services as session_services
from tests.factories import published_course


def pytest_configure(config):
    config.addinivalue_line("markers", "bench: runs the benchmark data generator (small scale)")


QUESTIONS = [
    (
        "single_choice",
        "Which decree sets five credit levels?",
        {
            "choices": [
                {"id": "a", "text": "Decree 251", "fraction": "0"},
                {"id": "b", "text": "Decree 282", "fraction": "1"},
                {"id": "c", "text": "Decree 237", "fraction": "0"},
            ]
        },
    ),
    (
        "multiple_response",
        "Which are modules of the general standard?",
        {
            "choices": [
                {"id": "ic", "text": "Internal control", "fraction": "0.5"},
                {"id": "fs", "text": "Financial status", "fraction": "0.5"},
                {"id": "xx", "text": "Marketing", "fraction": "-1"},
            ]
        },
    ),
    ("true_false", "AEOs are re-reviewed every five years.", {"answer": True}),
    ("short_answer", "The code prefix for a Chinese AEO?", {"answers": [{"text": "AEOCN", "fraction": "1"}]}),
    (
        "numerical",
        "Minimum current ratio?",
        {"answers": [{"value": "1.0", "tolerance": "0.05", "fraction": "1"}]},
    ),
    (
        "matching",
        "Match the levels.",
        {
            "pairs": [
                {"left": "Decree 251", "right": "three categories"},
                {"left": "Decree 282", "right": "five levels"},
                {"left": "", "right": "seven grades"},
            ]
        },
    ),
    ("essay", "Describe a seven-point container inspection.", {}),
    ("description", "Read the case below.", {}),
]

RIGHT = {
    1: "b",
    2: ["ic", "fs"],
    3: "true",
    4: "aeocn",
    5: "1.02",
    6: {0: "three categories", 1: "five levels"},
    7: "Front wall, left side, right side, floor, ceiling, doors, undercarriage.",
}
WRONG = {1: "a", 2: ["xx"], 3: "false", 4: "AEO", 5: "3", 6: {0: "five levels", 1: "seven grades"}}


@dataclass
class Learning:
    course: Course
    other_course: Course
    quiz: object
    trainees: dict
    expert: object
    admin: object
    enrollments: dict
    attempts: dict = field(default_factory=dict)
    session: object = None
    registrations: dict = field(default_factory=dict)
    base: object = None


def _course(db, owner, slug, title, language, require_quizzes=()):
    return published_course(
        db,
        slug=slug,
        owner=owner,
        title=title,
        language=language,
        summary=f"{title}: what a trainee learns.",
        training_type="aeo_certification",
        require_lessons=False,
        require_quizzes=list(require_quizzes),
        modes=["online"],
        author_id=owner.id,
    )


def take(db, user, quiz, answers, *, started, minutes=12, seconds=30):
    """An attempt started at ``started``, answered and submitted ``minutes:seconds`` later."""
    attempt, _created = attempt_services.start_attempt(user, quiz, now=started)
    form = MultiDict()
    for slot, value in answers.items():
        if isinstance(value, dict):
            for index, option in value.items():
                form.add(f"q{slot}-{index}", option)
        elif isinstance(value, list):
            for option in value:
                form.add(f"q{slot}", option)
        else:
            form.add(f"q{slot}", value)
    rows = attempt_services.load_questions(attempt)
    attempt_services.save_responses(user, attempt, rows, form, now=started + timedelta(minutes=minutes - 1))
    attempt_services.submit_attempt(user, attempt, now=started + timedelta(minutes=minutes, seconds=seconds))
    db.session.flush()
    return attempt


def essay_row(db, attempt):
    return db.session.execute(
        sa.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt.id, AttemptQuestion.slot == 7)
    ).scalar_one()


@pytest.fixture
def learning(db, factory) -> Learning:
    tree = factory.tree()
    admin = factory.user("admin", unit=tree["gacc"])
    expert = factory.user("expert", unit=tree["north"])
    enterprise = factory.enterprise(tree["north_a"])
    trainees = {
        name: factory.user("trainee", enterprise=enterprise, login_name=f"xapi.{name}")
        for name in ("alice", "bob", "carol")
    }
    course = _course(
        db, expert, "aeo-certification-basics", "AEO 认证基础", "zh_CN", require_quizzes=["exam"]
    )
    other = _course(db, expert, "credit-rules", "Credit rules", "en")
    questions = [
        create_question(
            None,
            course,
            content=QuestionContent(qtype=qtype, stem=stem, data=data),
            name=f"{qtype.replace('_', ' ')} question",
            category="core",
            default_mark=0 if qtype == "description" else 2 if qtype == "essay" else 1,
        )
        for qtype, stem, data in QUESTIONS
    ]
    settings = QuizSettings(
        key="exam",
        title="Certification exam",
        purpose="exam",
        use_draw=False,
        shuffle_questions=False,
        shuffle_choices=False,
        max_attempts=0,
        pass_mark=Decimal("60"),
    )
    quiz = create_quiz(None, course, settings)
    set_fixed_questions(quiz, [q.id for q in questions])
    enrollments = {name: course_services.enroll(admin, course, trainee) for name, trainee in trainees.items()}
    enrollments["alice_other"] = course_services.enroll(admin, other, trainees["alice"])
    db.session.flush()
    learning = Learning(
        course=course,
        other_course=other,
        quiz=quiz,
        trainees=trainees,
        expert=expert,
        admin=admin,
        enrollments=enrollments,
    )
    base = utcnow().replace(microsecond=0) - timedelta(days=3)
    learning.base = base
    # Bob fails, then passes without the essay's marks; Alice passes once the expert marks her essay.
    learning.attempts["bob1"] = take(db, trainees["bob"], quiz, WRONG, started=base)
    learning.attempts["bob2"] = take(
        db, trainees["bob"], quiz, {**RIGHT, 7: ""}, started=base + timedelta(hours=2), minutes=1, seconds=5
    )
    learning.attempts["alice"] = take(db, trainees["alice"], quiz, RIGHT, started=base + timedelta(hours=1))
    attempt_services.mark_question(
        expert, essay_row(db, learning.attempts["alice"]), "1.5", "Good", now=base + timedelta(days=1)
    )
    db.session.flush()
    # A live online session of the course, starting in ten minutes: attendance can be marked now.
    session = session_services.create_session(
        admin,
        {
            "course_id": course.id,
            "mode": "live_online",
            "unit_id": tree["north"].id,
            "title": "Live Q&A",
            "starts_at": utcnow() + timedelta(minutes=10),
            "ends_at": utcnow() + timedelta(minutes=100),
            "capacity": 10,
            "meeting_url": "https://meet.example.com/aeo",
        },
    )
    learning.session = session
    for name in trainees:
        learning.registrations[name] = session_services.register_trainee(admin, session, trainees[name])
    session_services.mark_attendance(admin, learning.registrations["alice"], "present")
    session_services.mark_attendance(admin, learning.registrations["bob"], "late")
    session_services.mark_attendance(admin, learning.registrations["carol"], "absent")
    db.session.commit()
    return learning


def enrollment_of(db, user, course) -> Enrollment:
    return db.session.execute(
        sa.select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.course_id == course.id)
    ).scalar_one()


# ----------------------------------------------------------------------------------------------------
# A Learning Record Store on 127.0.0.1


class FakeLrs:
    """Stores statements by id; can fail chosen POST requests (by number, counted from 1)."""

    def __init__(self):
        self.statements: dict[str, dict] = {}
        self.posts = 0
        self.fail_posts: set[int] = set()
        self.conflict_posts: set[int] = set()
        self.requests: list[dict] = []
        self.lock = threading.Lock()


def _handler(lrs: FakeLrs):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def _read(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length).decode("utf-8"))

        def _answer(self, status: int, body: bytes = b""):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def do_POST(self):
            body = self._read()
            with lrs.lock:
                lrs.posts += 1
                number = lrs.posts
                lrs.requests.append(
                    {"method": "POST", "path": self.path, "headers": dict(self.headers), "count": len(body)}
                )
                if number in lrs.fail_posts:
                    return self._answer(503, b"temporarily unavailable")
                if number in lrs.conflict_posts or any(s["id"] in lrs.statements for s in body):
                    return self._answer(409, b"conflict")
                for statement in body:
                    lrs.statements[statement["id"]] = statement
            self._answer(200, json.dumps([s["id"] for s in body]).encode())

        def do_PUT(self):
            body = self._read()
            statement_id = self.path.split("statementId=", 1)[1]
            with lrs.lock:
                lrs.requests.append(
                    {"method": "PUT", "path": self.path, "headers": dict(self.headers), "count": 1}
                )
                if statement_id in lrs.statements:
                    return self._answer(409, b"exists")
                lrs.statements[statement_id] = body
            self._answer(204)

    return Handler


@pytest.fixture
def lrs_server():
    lrs = FakeLrs()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(lrs))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    lrs.url = f"http://127.0.0.1:{server.server_address[1]}/xapi/"
    try:
        yield lrs
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Helpers:
    RIGHT = RIGHT
    WRONG = WRONG

    def __init__(self, db):
        self.db = db

    def take(self, user, quiz, answers, **kwargs):
        return take(self.db, user, quiz, answers, **kwargs)

    def essay_row(self, attempt):
        return essay_row(self.db, attempt)


@pytest.fixture
def helpers(db) -> Helpers:
    return Helpers(db)
