"""Builders for quiz tests: a published course with an owner expert, enrolled trainees, questions, quizzes."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

from lms.courses.models import Enrollment
from lms.database import utcnow
from lms.quizzes import attempts as attempts_service
from lms.quizzes.bank import QuestionContent, create_question, import_gift
from lms.quizzes.models import Attempt, AttemptQuestion
from lms.quizzes.services import QuizSettings, create_quiz
from tests.factories import published_course

_seq = itertools.count(1)


@pytest.fixture
def frozen(clock):
    """The one fake clock (tests/conftest.py), stopped at the current second: tests move time explicitly."""
    clock.set(utcnow().replace(microsecond=0))
    return clock


class QuizKit:
    def __init__(self, db, factory):
        self.db = db
        self.factory = factory
        self._tree = None

    @property
    def tree(self):
        if self._tree is None:
            self._tree = self.factory.tree()
        return self._tree

    def expert(self, **kw):
        return self.factory.user("expert", unit=kw.pop("unit", self.tree["north"]), **kw)

    def officer(self, unit_key="north", **kw):
        return self.factory.user("officer", unit=self.tree[unit_key], **kw)

    def trainee(self, unit_key="north_a", enterprise=None, **kw):
        enterprise = enterprise or self.factory.enterprise(self.tree[unit_key])
        return self.factory.user("trainee", enterprise=enterprise, **kw)

    def course(self, owner=None, *, slug=None, require_quizzes=(), quiz_specs=(), topics=()):
        n = next(_seq)
        return published_course(
            self.db,
            slug=slug or f"course-{n}",
            owner=owner,
            title=f"Course {n}",
            training_type="compliance",
            require_lessons=False,
            require_quizzes=list(require_quizzes),
            quiz_specs=list(quiz_specs),
            topics=list(topics),
            author_id=owner.id if owner else None,
        )

    def enrol(self, user, course, status="active"):
        enrollment = Enrollment(user_id=user.id, course_id=course.id, status=status)
        self.db.session.add(enrollment)
        self.db.session.flush()
        return enrollment

    def question(
        self,
        course,
        qtype,
        data,
        *,
        stem="A question?",
        name=None,
        category="core",
        mark=1,
        stem_format="markdown",
        tags=(),
    ):
        return create_question(
            None,
            course,
            content=QuestionContent(qtype=qtype, stem=stem, stem_format=stem_format, data=data),
            name=name or f"Q{next(_seq)}",
            category=category,
            tags=tags,
            default_mark=mark,
        )

    def gift(self, course, text):
        report = import_gift(None, course, text)
        assert report.ok, report.problems
        self.db.session.flush()
        return report

    def quiz(self, course, **settings):
        values = dict(
            key=f"quiz-{next(_seq)}",
            title="A quiz",
            shuffle_questions=False,
            shuffle_choices=False,
            max_attempts=0,
        )
        values.update(settings)
        if "pass_mark" in values:
            values["pass_mark"] = Decimal(str(values["pass_mark"]))
        return create_quiz(None, course, QuizSettings(**values))

    def take(self, user, quiz, answers: dict | None = None, *, submit=True, now=None):
        """Start an attempt, answer {slot: form value(s)} (slot-relative field names), optionally submit."""
        attempt, _created = attempts_service.start_attempt(user, quiz, now=now)
        if answers:
            form = MultiDict()
            for slot, value in answers.items():
                if isinstance(value, dict):  # matching: {item index: option}
                    for i, v in value.items():
                        form.add(f"q{slot}-{i}", v)
                elif isinstance(value, list):
                    for v in value:
                        form.add(f"q{slot}", v)
                else:
                    form.add(f"q{slot}", value)
            rows = attempts_service.load_questions(attempt, answers.keys())
            attempts_service.save_responses(user, attempt, rows, form, now=now)
        if submit:
            attempts_service.submit_attempt(user, attempt, now=now)
        self.db.session.flush()
        return attempt

    def rows(self, attempt):
        return list(
            self.db.session.execute(
                sa.select(AttemptQuestion)
                .where(AttemptQuestion.attempt_id == attempt.id)
                .order_by(AttemptQuestion.slot)
            ).scalars()
        )

    def attempts(self, quiz, user=None):
        stmt = sa.select(Attempt).where(Attempt.quiz_id == quiz.id).order_by(Attempt.id)
        if user is not None:
            stmt = stmt.where(Attempt.user_id == user.id)
        return list(self.db.session.execute(stmt.execution_options(populate_existing=True)).scalars())


@pytest.fixture
def kit(db, factory) -> QuizKit:
    return QuizKit(db, factory)
