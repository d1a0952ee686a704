"""Courses and their versions: creating, drafting a new version, editing a draft."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.courses import permissions
from lms.courses.attachments import _stored_name, attachment_folder
from lms.courses.models import (
    OPEN_STATUSES,
    Course,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonAttachment,
    LessonText,
    Module,
)
from lms.courses.values import (
    RESERVED_SLUGS,
    VERSION_FIELDS,
    _lock_course,
    _require,
    apply_version_values,
    check_slug,
    clean_version_values,
    set_prerequisites,
)
from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db

# -- courses and versions ----------------------------------------------------------------------------------


def create_course(actor: User, *, slug: str, values: dict, prerequisites: list[Course] = ()) -> Course:
    _require(permissions.can_author(actor), _l("Only AEO experts write courses."))
    slug = check_slug((slug or "").strip())
    if slug in RESERVED_SLUGS:
        raise InvalidInput(_l("This slug is reserved; choose another."), field="slug")
    if db.session.execute(sa.select(Course.id).where(Course.slug == slug)).first() is not None:
        raise RuleViolation(_l("A course with this slug already exists."), field="slug")
    cleaned = clean_version_values(values)
    course = Course(slug=slug, owner=actor)
    version = CourseVersion(
        course=course,
        number=1,
        status="draft",
        author=actor,
        origin="browser",
        title=cleaned["title"],
        training_type=cleaned["training_type"],
    )
    db.session.add(course)
    apply_version_values(version, cleaned)
    set_prerequisites(version, list(prerequisites))
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(_l("A course with this slug already exists."), field="slug") from error
    return course


def update_version(actor: User, version: CourseVersion, values: dict, prerequisites: list[Course]) -> None:
    _require(permissions.can_edit_version(actor, version), _l("Only a draft can be edited, by its authors."))
    apply_version_values(version, clean_version_values(values))
    set_prerequisites(version, list(prerequisites))


def open_version(course: Course) -> CourseVersion | None:
    return next((v for v in course.versions if v.status in OPEN_STATUSES), None)


def start_new_version(actor: User, course: Course) -> CourseVersion:
    """Editing a published course: a new draft, a copy of the published version; trainees keep the old one."""
    _require(
        permissions.can_manage_course(actor, course),
        _l("Only the course's owner or an administrator can start a new version."),
    )
    course = _lock_course(course)
    if course.archived:
        raise RuleViolation(_l("This course is archived; restore it first."))
    db.session.refresh(course, ["versions"])
    existing = open_version(course)
    if existing is not None:
        raise RuleViolation(_l("Version %(n)d of this course is already being worked on.", n=existing.number))
    base = course.published_version or course.latest_version
    number = max((v.number for v in course.versions), default=0) + 1
    version = copy_version(base, number=number, author=actor)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(_l("Another draft of this course was started at the same time.")) from error
    return version


def copy_version(base: CourseVersion, *, number: int, author: User | None) -> CourseVersion:
    with db.session.no_autoflush:
        version = CourseVersion(
            course=base.course,
            number=number,
            status="draft",
            author=author,
            origin="browser",
            title=base.title,
            training_type=base.training_type,
            quiz_specs=list(base.quiz_specs or []),
        )
        db.session.add(version)
        apply_version_values(version, {name: _copy(getattr(base, name)) for name in VERSION_FIELDS})
        version.prerequisites = list(base.prerequisites)
        # The other languages come along (they are written in the curriculum files, not in the browser).
        for text in base.texts:
            version.texts.append(
                CourseVersionText(
                    locale=text.locale,
                    title=text.title,
                    summary=text.summary,
                    overview=text.overview,
                    quiz_titles=dict(text.quiz_titles or {}),
                )
            )
        modules: dict[int, Module] = {}
        for module in base.modules:
            modules[module.id] = Module(version=version, position=module.position, title=module.title)
            db.session.add(modules[module.id])
        for lesson in base.lessons:
            copy = Lesson(
                version=version,
                module=modules.get(lesson.module_id),
                position=lesson.position,
                slug=lesson.slug,
                title=lesson.title,
                body=lesson.body,
                minutes=lesson.minutes,
            )
            db.session.add(copy)
            for text in lesson.texts:
                copy.texts.append(
                    LessonText(locale=text.locale, title=text.title, module=text.module, body=text.body)
                )
            for attachment in lesson.attachments:
                copy.attachments.append(_copy_attachment(attachment))
    return version


def _copy(value):
    return list(value) if isinstance(value, list) else value


def _copy_attachment(attachment: LessonAttachment) -> LessonAttachment:
    """Each version owns its files, so that deleting one in a draft leaves the published one intact."""
    folder = attachment_folder()
    stored = _stored_name(Path(attachment.stored_name).suffix)
    source = folder / attachment.stored_name
    if source.exists():
        shutil.copyfile(source, folder / stored)
    return LessonAttachment(
        filename=attachment.filename,
        stored_name=stored,
        mimetype=attachment.mimetype,
        size=attachment.size,
        sha256=attachment.sha256,
        uploaded_by_id=attachment.uploaded_by_id,
        uploaded_at=attachment.uploaded_at,
    )
