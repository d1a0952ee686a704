"""Quiz settings: creating and editing quizzes, their fixed questions, and quizzes defined in course.md.

The attempt life cycle is in :mod:`lms.quizzes.attempts`, the bank in :mod:`lms.quizzes.bank`.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db
from lms.quizzes.models import GRADING_METHODS, PURPOSES, REVIEW_POLICIES, Question, Quiz, QuizSlot

KEY_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_MINUTES = 24 * 60
MAX_ATTEMPTS = 100


@dataclass
class QuizSettings:
    """Every setting of a quiz (also what a course.md quiz entry becomes)."""

    key: str
    title: str
    purpose: str = "practice"
    description: str = ""
    use_draw: bool = True
    draw_category: str = ""
    draw_count: int = 0
    shuffle_questions: bool = True
    shuffle_choices: bool = True
    questions_per_page: int = 5
    time_limit_minutes: int = 0
    max_attempts: int = 1
    grading_method: str = "highest"
    pass_mark: Decimal = Decimal(0)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    review_policy: str = "with_answers"

    FIELDS = (
        "key",
        "title",
        "purpose",
        "description",
        "use_draw",
        "draw_category",
        "draw_count",
        "shuffle_questions",
        "shuffle_choices",
        "questions_per_page",
        "time_limit_minutes",
        "max_attempts",
        "grading_method",
        "pass_mark",
        "opens_at",
        "closes_at",
        "review_policy",
    )

    @classmethod
    def of(cls, quiz: Quiz) -> QuizSettings:
        return cls(**{name: getattr(quiz, name) for name in cls.FIELDS})


def validate_settings(s: QuizSettings) -> None:
    """Raise InvalidInput on the first setting that is out of range (named by ``field``)."""
    if not KEY_RE.match(s.key or ""):
        raise InvalidInput(_("The key uses lowercase letters, digits and hyphens (at most 60)."), field="key")
    if not (s.title or "").strip() or len(s.title) > 200:
        raise InvalidInput(_("Give the quiz a title (at most 200 characters)."), field="title")
    if s.purpose not in PURPOSES:
        raise InvalidInput(_("Unknown purpose."), field="purpose")
    if s.grading_method not in GRADING_METHODS:
        raise InvalidInput(_("Unknown grading method."), field="grading_method")
    if s.review_policy not in REVIEW_POLICIES:
        raise InvalidInput(_("Unknown review policy."), field="review_policy")
    for name, low, high in (
        ("draw_count", 0, 500),
        ("questions_per_page", 1, 50),
        ("time_limit_minutes", 0, MAX_MINUTES),
        ("max_attempts", 0, MAX_ATTEMPTS),
    ):
        value = getattr(s, name)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput(
                _("Enter a whole number from %(low)d to %(high)d.", low=low, high=high), field=name
            )
    try:
        pass_mark = Decimal(str(s.pass_mark))
    except (InvalidOperation, ValueError):
        pass_mark = Decimal(-1)
    if not pass_mark.is_finite() or not Decimal(0) <= pass_mark <= Decimal(100):
        raise InvalidInput(_("The pass mark is a percentage from 0 to 100."), field="pass_mark")
    s.pass_mark = pass_mark.quantize(Decimal("0.01"))
    if s.opens_at and s.closes_at and s.opens_at >= s.closes_at:
        raise InvalidInput(_("The quiz must open before it closes."), field="closes_at")
    if len(s.draw_category or "") > 200:
        raise InvalidInput(
            _("The category is too long (at most %(n)d characters).", n=200), field="draw_category"
        )


def _apply(quiz: Quiz, s: QuizSettings) -> None:
    for name in QuizSettings.FIELDS:
        setattr(quiz, name, getattr(s, name))


def _check_key_free(course_id: int, key: str, exclude_id: int | None = None) -> None:
    stmt = sa.select(Quiz.id).where(Quiz.course_id == course_id, Quiz.key == key)
    if exclude_id is not None:
        stmt = stmt.where(Quiz.id != exclude_id)
    if db.session.execute(stmt).first() is not None:
        raise RuleViolation(_("Another quiz of this course already uses this key."), field="key")


def create_quiz(actor, course, settings: QuizSettings) -> Quiz:
    validate_settings(settings)
    _check_key_free(course.id, settings.key)
    quiz = Quiz(course_id=course.id)
    _apply(quiz, settings)
    db.session.add(quiz)
    db.session.flush()
    return quiz


def update_quiz(actor, quiz: Quiz, settings: QuizSettings) -> Quiz:
    validate_settings(settings)
    if settings.key != quiz.key:
        _check_key_free(quiz.course_id, settings.key, exclude_id=quiz.id)
    _apply(quiz, settings)
    db.session.flush()
    return quiz


def set_fixed_questions(quiz: Quiz, question_ids: list[int]) -> None:
    """Make these bank questions (in this order) the quiz's fixed questions."""
    ids = list(dict.fromkeys(int(i) for i in question_ids))
    if ids:
        found = set(
            db.session.execute(
                sa.select(Question.id).where(Question.id.in_(ids), Question.course_id == quiz.course_id)
            ).scalars()
        )
        if len(found) != len(ids):
            raise InvalidInput(_("A chosen question is not in this course's bank."), field="fixed_questions")
    current = [slot.question_id for slot in quiz.slots]
    if current == ids:
        return
    quiz.slots.clear()
    db.session.flush()
    for position, question_id in enumerate(ids, start=1):
        quiz.slots.append(QuizSlot(question_id=question_id, position=position))
    db.session.flush()


def set_archived(quiz: Quiz, archived: bool) -> None:
    quiz.archived = archived


# ----------------------------------------------------------------------------------------------------
# Quizzes declared in course.md


def _spec_hash(spec: dict) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def _spec_int(spec: dict, name: str, default: int, where: str) -> int:
    value = spec.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(_("%(where)s: “%(name)s” must be a whole number.", where=where, name=name))
    return value


def settings_from_spec(spec: dict, course_slug: str) -> QuizSettings:
    """Read one entry of course.md's ``quizzes:`` list (see docs/content-format.md)."""
    if not isinstance(spec, dict):
        raise InvalidInput(_("%(course)s: each quiz entry must be a mapping.", course=course_slug))
    key = str(spec.get("key") or "")
    where = f"{course_slug}: {key or '?'}"
    category = spec.get("category")
    settings = QuizSettings(
        key=key,
        title=str(spec.get("title") or key),
        purpose=str(spec.get("purpose") or "practice"),
        use_draw=True,
        draw_category="" if category is None else str(category),
        draw_count=_spec_int(spec, "draw", 0, where),
        time_limit_minutes=_spec_int(spec, "time_limit", 0, where),
        max_attempts=_spec_int(spec, "attempts", 1, where),
        pass_mark=spec.get("pass_mark", 0),
        grading_method=str(spec.get("grading") or "highest"),
        review_policy=str(spec.get("review") or "with_answers"),
    )
    try:
        validate_settings(settings)
    except InvalidInput as error:
        raise InvalidInput(f"{where}: {error}", field=error.field) from None
    return settings


def sync_quiz_specs(course, specs) -> bool:
    """Create or update the course's quizzes from course.md; archive spec quizzes no longer listed.

    A quiz is rewritten only when its entry in course.md changed since the last load, so settings changed
    in the browser survive reloading an unchanged curriculum. Returns True if anything changed.
    """
    specs = list(specs or [])
    parsed = [(spec, settings_from_spec(spec, course.slug)) for spec in specs]
    keys = [s.key for _spec, s in parsed]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_("%(course)s: two quizzes have the same key.", course=course.slug))
    existing = {
        q.key: q for q in db.session.execute(sa.select(Quiz).where(Quiz.course_id == course.id)).scalars()
    }
    changed = False
    for spec, settings in parsed:
        digest = _spec_hash(spec)
        quiz = existing.get(settings.key)
        if quiz is None:
            quiz = Quiz(course_id=course.id)
            db.session.add(quiz)
        elif quiz.from_spec and quiz.spec_hash == digest and not quiz.archived:
            continue
        _apply(quiz, settings)
        quiz.from_spec, quiz.spec_hash, quiz.archived = True, digest, False
        changed = True
    for key, quiz in existing.items():
        if quiz.from_spec and key not in keys and not quiz.archived:
            quiz.archived = True
            changed = True
    db.session.flush()
    return changed
