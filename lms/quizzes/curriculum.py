"""Curriculum loading for quizzes: ``quizzes/<course-slug>.gift`` into the course's bank, and the quizzes
declared in course.md. Registered as a loader hook of :mod:`lms.content.curriculum`; idempotent (an
unchanged bank and unchanged quiz entries report no change)."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lms.errors import InvalidInput
from lms.quizzes.bank import import_gift
from lms.quizzes.models import MODULE_TAGS
from lms.quizzes.services import sync_quiz_specs


def bank_path(course_slug: str) -> Path:
    return Path(current_app.config["QUIZZES_DIR"]) / f"{course_slug}.gift"


def load_course_quizzes(course, version, course_dir=None, report=None) -> bool:
    """Load the course's GIFT bank (if shipped) and its quizzes; return True if anything changed.

    New questions are tagged with the AEO standard modules the course covers. A bank with problems stops
    the load with every problem and its line.
    """
    changed = False
    path = bank_path(course.slug)
    if path.is_file():
        tags = [t for t in (version.topics or []) if t in MODULE_TAGS]
        result = import_gift(None, course, path.read_text(encoding="utf-8"), tags_for_new=tags)
        if not result.ok:
            _refuse(
                path,
                result.problems[0].line,
                "; ".join(f"line {p.line}: {p.message}" for p in result.problems),
            )
        changed = result.changed
        if changed and report is not None and hasattr(report, "note"):
            report.note(
                course.slug,
                f"question bank {path.name}: {result.count('create')} new, "
                f"{result.count('update')} changed, {result.count('unchanged')} unchanged.",
            )
    try:
        specs_changed = sync_quiz_specs(course, version.quiz_specs)
    except InvalidInput as error:
        _refuse(Path(course_dir or ".") / "course.md", None, str(error))
    if specs_changed:
        changed = True
        if report is not None and hasattr(report, "note"):
            report.note(course.slug, "quizzes updated from course.md.")
    return changed


def _refuse(path: Path, line: int | None, message: str):
    try:
        from lms.content.curriculum import CurriculumError
    except ImportError:  # pragma: no cover - only without the curriculum loader
        raise InvalidInput(f"{path}: {message}") from None
    raise CurriculumError(path, line, message)


def register() -> None:
    """Add the hook to the curriculum loader (once)."""
    try:
        from lms.content.curriculum import LOADER_HOOKS
    except ImportError:  # the loader is not there: `content load` does not exist either
        return
    if load_course_quizzes not in LOADER_HOOKS:
        LOADER_HOOKS.append(load_course_quizzes)


register()
