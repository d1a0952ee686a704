"""Demo quiz activity: trainees who took the pre-test and the post-test, an essay waiting for a mark.

Every attempt goes through the real services (start, save page answers, submit, mark) with chosen answers
and chosen times, so grades, ledger entries, learning gain and item analysis are the real thing. Answers
follow a simple model: a trainee answers a question right with a probability that grows with the
trainee's ability and falls with the question's difficulty, which gives varied, plausible scores and
discrimination indices. Idempotent: a trainee who already has an attempt at a quiz is left alone.
"""

from __future__ import annotations

import hashlib
import math
import random
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.auth.models import User
from lms.courses.models import Course, Enrollment
from lms.database import utcnow
from lms.errors import DomainError
from lms.extensions import db
from lms.quizzes import attempts as attempt_service
from lms.quizzes.curriculum import load_course_quizzes
from lms.quizzes.models import Attempt, Quiz
from lms.quizzes.qtypes import QUESTION_TYPES, get_qtype
from lms.quizzes.services import QuizSettings, create_quiz

COURSES = ("credit-management", "mutual-recognition")
# Extra trainees taking the foundation course, so that item analysis has enough attempts to say something.
EXTRA_ENROLMENTS = {
    "credit-management": (
        "trainee.customs",
        "trainee.finance",
        "trainee.shekou",
        "trainee.guangzhou",
        "trainee.pudong",
        "trainee.nanjing",
    ),
}
# Took the pre-test only: the post-test is still there to try in the demo.
PRE_TEST_ONLY = {"trainee.shanghai"}
ESSAY_COURSE = "credit-management"
ESSAY_QUIZ_KEY = "reflection"
ESSAY_WAITING = "trainee"  # their essay waits for expert.national's mark
ESSAY_MARKED = "trainee.manager"
MARKER = "expert.national"


def _unit(seed: str) -> float:
    """A stable number in [0, 1) from a text (the same demo every time)."""
    return int(hashlib.sha256(seed.encode("utf-8")).hexdigest()[:8], 16) / 0x1_0000_0000


def _right_form(version, slot: int) -> MultiDict:
    return MultiDict(get_qtype(version.qtype).sample_answer(version.data, f"q{slot}", right=True, rng=None))


def _wrong_form(version, slot: int, rng: random.Random) -> MultiDict:
    return MultiDict(get_qtype(version.qtype).sample_answer(version.data, f"q{slot}", right=False, rng=rng))


def _hand_marked(aq) -> bool:
    """An essay: a question with a mark that a trainer gives."""
    cls = QUESTION_TYPES[aq.version.qtype]
    return cls.marked and not cls.auto_graded


def _difficulty(question_id: int, name: str) -> float:
    return -0.8 + 1.8 * _unit(f"difficulty:{name}")


def _take(trainee: User, quiz: Quiz, ability: float, started_at, rng: random.Random) -> Attempt:
    attempt, _created = attempt_service.start_attempt(trainee, quiz, now=started_at, rng=rng)
    rows = attempt_service.load_questions(attempt)
    per = quiz.questions_per_page
    elapsed = timedelta(minutes=1)
    for first in range(0, len(rows), per):
        page = rows[first : first + per]
        form = MultiDict()
        for aq in page:
            chance = 1 / (1 + math.exp(-(ability - _difficulty(aq.question_id, aq.question.name)) * 2.2))
            answer = (
                _right_form(aq.version, aq.slot)
                if rng.random() < chance
                else _wrong_form(aq.version, aq.slot, rng)
            )
            for key, value in answer.items(multi=True):
                form.add(key, value)
        elapsed += timedelta(minutes=rng.randint(1, 3), seconds=rng.randint(0, 59))
        attempt_service.save_responses(trainee, attempt, page, form, now=started_at + elapsed)
    attempt_service.submit_attempt(trainee, attempt, now=started_at + elapsed + timedelta(seconds=40))
    return attempt


def _users() -> dict[str, User]:
    return {u.login_name: u for u in db.session.execute(sa.select(User)).scalars()}


def _enrol_extra(course: Course, users: dict[str, User]) -> int:
    from lms.courses import services as course_services

    added = 0
    enrolled = set(
        db.session.execute(sa.select(Enrollment.user_id).where(Enrollment.course_id == course.id)).scalars()
    )
    for login in EXTRA_ENROLMENTS.get(course.slug, ()):
        user = users.get(login)
        if user is None or user.id in enrolled:
            continue
        try:
            with db.session.begin_nested():
                course_services.enroll(None, course, user)
            added += 1
        except DomainError:
            continue
    return added


def _essay_quiz(course: Course) -> Quiz:
    quiz = db.session.execute(
        sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == ESSAY_QUIZ_KEY)
    ).scalar_one_or_none()
    if quiz is None:
        quiz = create_quiz(
            None,
            course,
            QuizSettings(
                key=ESSAY_QUIZ_KEY,
                title="Reflection: your enterprise's credit plan",
                purpose="practice",
                description="Write a short plan; a trainer marks it and comments.",
                draw_category="reflection",
                max_attempts=1,
                pass_mark=Decimal(50),
                review_policy="with_answers",
                shuffle_questions=False,
            ),
        )
    return quiz


ESSAY_ANSWERS = {
    ESSAY_WAITING: "We will name the finance manager as the person in charge of our customs credit, "
    "review our "
    "declarations every month for errors, and keep a dated record of every credit decision. Before "
    "applying for certification we will check the one-year bar and run a self-assessment against the "
    "four modules of the standard.",
    ESSAY_MARKED: "Our plan: keep the internal control procedures signed and trained, "
    "watch the violation rate "
    "monthly, and prepare for the advanced certified level within two years.",
}


def load() -> str:
    users = _users()
    now = utcnow().replace(microsecond=0)
    taken = extra = essays = 0
    for slug in COURSES:
        course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
        if course is None or course.published_version is None:
            continue
        load_course_quizzes(course, course.published_version)
        extra += _enrol_extra(course, users)
        quizzes = {
            q.purpose: q
            for q in db.session.execute(
                sa.select(Quiz)
                .where(
                    Quiz.course_id == course.id,
                    Quiz.archived.is_(False),
                    Quiz.purpose.in_(("pre_test", "post_test")),
                )
                .order_by(Quiz.id.desc())
            ).scalars()
        }
        if "pre_test" not in quizzes or "post_test" not in quizzes:
            continue
        trainee_ids = (
            db.session.execute(
                sa.select(Enrollment.user_id)
                .join(User, User.id == Enrollment.user_id)
                .where(Enrollment.course_id == course.id, Enrollment.status.in_(("active", "completed")))
                .order_by(User.login_name)
            )
            .scalars()
            .all()
        )
        done = {
            (a.user_id, a.quiz_id)
            for a in db.session.execute(
                sa.select(Attempt).where(
                    Attempt.quiz_id.in_([quizzes["pre_test"].id, quizzes["post_test"].id])
                )
            ).scalars()
        }
        for index, user_id in enumerate(trainee_ids):
            trainee = db.session.get(User, user_id)
            ability = -1.0 + 1.6 * _unit(f"ability:{trainee.login_name}:{slug}")
            growth = 0.5 + 1.3 * _unit(f"growth:{trainee.login_name}:{slug}")
            day = now - timedelta(days=24 - index)
            plan = [("pre_test", ability, day.replace(hour=2, minute=10 + index))]
            if trainee.login_name not in PRE_TEST_ONLY:
                plan.append(
                    ("post_test", ability + growth, (day + timedelta(days=9)).replace(hour=6, minute=index))
                )
            for purpose, level, started in plan:
                quiz = quizzes[purpose]
                if (user_id, quiz.id) in done:
                    continue
                rng = random.Random(f"{trainee.login_name}:{slug}:{purpose}")
                with db.session.begin_nested():
                    _take(trainee, quiz, level, started, rng)
                taken += 1
        if slug == ESSAY_COURSE:
            essays += _essays(course, users, now)
    return f"{taken} quiz attempts graded, {extra} extra enrolments, {essays} essay attempts"


def _essays(course: Course, users: dict[str, User], now) -> int:
    quiz = _essay_quiz(course)
    made = 0
    for login in (ESSAY_MARKED, ESSAY_WAITING):
        trainee = users.get(login)
        if trainee is None or attempt_service.enrollment_for(trainee.id, course.id) is None:
            continue
        if (
            db.session.execute(
                sa.select(Attempt.id).where(Attempt.quiz_id == quiz.id, Attempt.user_id == trainee.id)
            ).first()
            is not None
        ):
            continue
        started = now - timedelta(days=3 if login == ESSAY_MARKED else 1, hours=2)
        attempt, _created = attempt_service.start_attempt(
            trainee, quiz, now=started, rng=random.Random(login)
        )
        rows = attempt_service.load_questions(attempt)
        form = MultiDict({f"q{aq.slot}": ESSAY_ANSWERS[login] for aq in rows if _hand_marked(aq)})
        attempt_service.save_responses(trainee, attempt, rows, form, now=started + timedelta(minutes=14))
        attempt_service.submit_attempt(trainee, attempt, now=started + timedelta(minutes=15))
        marker = users.get(MARKER)
        if login == ESSAY_MARKED and marker is not None:
            for aq in rows:
                if _hand_marked(aq) and aq.response is not None:
                    attempt_service.mark_question(
                        marker,
                        aq,
                        aq.max_mark * Decimal("0.7"),
                        "A clear plan. Add who checks the monthly review and how findings are recorded.",
                        now=started + timedelta(days=1),
                    )
        made += 1
    return made
