"""Course completion: a rule per course version, made of requirements that areas plug in.

The courses area registers "lessons"; the quizzes area registers "quizzes" (required quizzes passed); the
sessions area registers "attendance". :func:`evaluate_completion` is called whenever something that could
complete a course happens (a lesson marked, a quiz graded, attendance marked). It records the completion
once, sends :data:`course_completed` so that other areas (evidence, certificates, cultivation) act in the
same transaction, and never un-completes a course.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from blinker import Namespace
from flask_babel import gettext as _

from lms.database import utcnow

signals = Namespace()
#: sent with ``enrollment`` and ``actor`` when a course is completed, inside the completing transaction
course_completed = signals.signal("course-completed")


@dataclass
class RequirementStatus:
    key: str
    label: str
    met: bool
    detail: str = ""


# name -> checker(enrollment, version) -> RequirementStatus | None (None: not required by this version)
REQUIREMENTS: dict[str, Callable] = {}


def requirement(name: str):
    """Register a completion requirement checker."""

    def decorator(checker):
        REQUIREMENTS[name] = checker
        return checker

    return decorator


def requirement_statuses(enrollment, version=None) -> list[RequirementStatus]:
    version = version or enrollment.course.published_version
    if version is None:
        return []
    statuses = []
    for checker in REQUIREMENTS.values():
        status = checker(enrollment, version)
        if status is not None:
            statuses.append(status)
    return statuses


def evaluate_completion(enrollment, actor=None) -> bool:
    """Complete the enrolment if every requirement of the published version is met. Returns True if it is
    (now or already) complete. The caller commits."""
    if enrollment.status == "completed":
        return True
    if enrollment.status != "active":
        return False
    version = enrollment.course.published_version
    if version is None:
        return False
    # Stop at the first unmet requirement: most events (a quiz graded, a lesson read) complete nothing,
    # and the remaining checks would only cost queries.
    required = 0
    for checker in REQUIREMENTS.values():
        status = checker(enrollment, version)
        if status is None:
            continue
        if not status.met:
            return False
        required += 1
    if not required:
        return False
    enrollment.status = "completed"
    enrollment.completed_at = utcnow()
    enrollment.completed_version_id = version.id
    course_completed.send(enrollment, actor=actor, version=version)
    return True


@requirement("lessons")
def _lessons_completed(enrollment, version) -> RequirementStatus | None:
    """Every lesson of the version marked complete (progress is kept by lesson slug across versions)."""
    if not version.require_lessons:
        return None
    done = {p.lesson_slug for p in enrollment.progress}
    slugs = [lesson.slug for lesson in version.lessons]
    count = sum(1 for slug in slugs if slug in done)
    return RequirementStatus(
        key="lessons",
        label=_("All lessons completed"),
        met=count == len(slugs),
        detail=_("%(done)d of %(total)d lessons", done=count, total=len(slugs)),
    )
