"""Progress through a course: lessons read and the completion it leads to."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import defer

from lms.auth.models import User
from lms.courses.completion import evaluate_completion
from lms.courses.models import (
    Enrollment,
    Lesson,
    LessonProgress,
)
from lms.courses.values import _require
from lms.database import utcnow
from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db

# -- progress ----------------------------------------------------------------------------------------------


def mark_lesson_complete(actor: User, enrollment: Enrollment, lesson: Lesson) -> bool:
    """Record the lesson as done and complete the course if its rule is now met. Returns True if this
    completed the course."""
    _require(actor.id == enrollment.user_id, _l("Only the trainee marks their own lessons."))
    # One writer per enrolment at a time, so that two lessons marked at once cannot both miss the completion.
    enrollment = db.session.execute(
        sa.select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    db.session.expire(enrollment, ["progress"])
    if enrollment.status == "withdrawn":
        raise RuleViolation(_l("You have withdrawn from this course; enrol again to continue."))
    if lesson.version_id != enrollment.course.published_version_id:
        raise InvalidInput(_l("This lesson is not part of the course's current version."))
    was_completed = enrollment.status == "completed"
    if all(p.lesson_slug != lesson.slug for p in enrollment.progress):
        enrollment.progress.append(LessonProgress(lesson_slug=lesson.slug, completed_at=utcnow()))
        db.session.flush()
    completed = evaluate_completion(enrollment, actor)
    return completed and not was_completed


@dataclass
class Progress:
    done: int
    total: int
    next_lesson: Lesson | None

    @property
    def percent(self) -> float:
        return 100.0 * self.done / self.total if self.total else 0.0


def progress_for(enrollments: list[Enrollment]) -> dict[int, Progress]:
    """Progress of many enrolments in two queries (lessons of the published versions, done lesson slugs)."""
    if not enrollments:
        return {}
    version_ids = {e.course.published_version_id for e in enrollments if e.course.published_version_id}
    lessons_by_version: dict[int, list[Lesson]] = {}
    if version_ids:
        for lesson in db.session.execute(
            sa.select(Lesson)
            .where(Lesson.version_id.in_(version_ids))
            .options(defer(Lesson.body), defer(Lesson.body_html))  # titles and slugs, not the texts
            .order_by(Lesson.version_id, Lesson.position)
        ).scalars():
            lessons_by_version.setdefault(lesson.version_id, []).append(lesson)
    done: dict[int, set[str]] = {}
    for enrollment_id, slug in db.session.execute(
        sa.select(LessonProgress.enrollment_id, LessonProgress.lesson_slug).where(
            LessonProgress.enrollment_id.in_([e.id for e in enrollments])
        )
    ):
        done.setdefault(enrollment_id, set()).add(slug)
    return {
        e.id: progress_of(lessons_by_version.get(e.course.published_version_id, []), done.get(e.id, set()))
        for e in enrollments
    }


def progress_of(lessons: list[Lesson], done_slugs: set[str]) -> Progress:
    """Progress through ``lessons`` (in order) when the lessons of ``done_slugs`` are done."""
    count = sum(1 for lesson in lessons if lesson.slug in done_slugs)
    upcoming = next((lesson for lesson in lessons if lesson.slug not in done_slugs), None)
    return Progress(done=count, total=len(lessons), next_lesson=upcoming)
