"""Modules and lessons of a draft version: adding, editing, ordering, removing."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.courses.models import (
    CourseVersion,
    Lesson,
    Module,
)
from lms.courses.values import _editable, check_slug, normalise_text
from lms.errors import InvalidInput, RuleViolation
from lms.extensions import db

# -- modules and lessons -----------------------------------------------------------------------------------


def renumber(
    version: CourseVersion, *, modules: list[Module] | None = None, lessons: list[Lesson] | None = None
) -> None:
    """Modules 1..n; lessons 1..n grouped by module order (lessons without a module first). ``modules`` and
    ``lessons`` give a wanted order; by default the current positions decide."""
    with db.session.no_autoflush:
        modules = modules if modules is not None else sorted(version.modules, key=lambda m: m.position)
        module_rank = {id(m): i for i, m in enumerate(modules, start=1)}
        current = lessons if lessons is not None else sorted(version.lessons, key=lambda x: x.position)
        order = {id(x): i for i, x in enumerate(current)}
        lessons = sorted(current, key=lambda x: (module_rank.get(id(x.module), 0), order[id(x)]))
    # Two steps so that no unique (version, position) pair is ever taken twice during the flush.
    for i, item in enumerate(modules + lessons, start=1):
        item.position = -i
    db.session.flush()
    for i, module in enumerate(modules, start=1):
        module.position = i
    for i, lesson in enumerate(lessons, start=1):
        lesson.position = i
    db.session.flush()


def add_module(actor: User, version: CourseVersion, title: str) -> Module:
    _editable(actor, version)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_l("A module title of at most 200 characters is required."), field="title")
    if any(m.title == title for m in version.modules):
        raise RuleViolation(_l("This version already has a module with this title."), field="title")
    module = Module(
        version=version, title=title, position=max((m.position for m in version.modules), default=0) + 1
    )
    db.session.add(module)
    db.session.flush()
    return module


def rename_module(actor: User, module: Module, title: str) -> None:
    _editable(actor, module.version)
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_l("A module title of at most 200 characters is required."), field="title")
    if any(m.title == title and m.id != module.id for m in module.version.modules):
        raise RuleViolation(_l("This version already has a module with this title."), field="title")
    module.title = title


def delete_module(actor: User, module: Module) -> None:
    _editable(actor, module.version)
    if module.lessons:
        raise RuleViolation(_l("Move or delete this module's lessons first."))
    version = module.version
    db.session.delete(module)
    db.session.flush()
    db.session.expire(version, ["modules"])
    renumber(version)


def _swap(items: list, item, direction: str) -> bool:
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if other < 0 or other >= len(items):
        return False
    items[index], items[other] = items[other], items[index]
    return True


def move_module(actor: User, module: Module, direction: str) -> None:
    version = module.version
    _editable(actor, version)
    modules = sorted(version.modules, key=lambda m: m.position)
    if _swap(modules, module, direction):
        renumber(version, modules=modules)


def move_lesson(actor: User, lesson: Lesson, direction: str) -> None:
    """Up or down among the lessons of its module."""
    version = lesson.version
    _editable(actor, version)
    lessons = sorted(version.lessons, key=lambda x: x.position)
    siblings = [x for x in lessons if x.module_id == lesson.module_id]
    slots = [lessons.index(x) for x in siblings]
    if _swap(siblings, lesson, direction):
        for slot, item in zip(slots, siblings, strict=True):
            lessons[slot] = item
        renumber(version, lessons=lessons)


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug[:60].strip("-")


def _module_in(version: CourseVersion, module_id: int | None) -> Module | None:
    if not module_id:
        return None
    module = next((m for m in version.modules if m.id == module_id), None)
    if module is None:
        raise InvalidInput(_l("Choose a module of this version."), field="module_id")
    return module


def _lesson_values(values: dict) -> dict:
    title = (values.get("title") or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput(_l("A lesson title of at most 200 characters is required."), field="title")
    minutes = values.get("minutes")
    if minutes is None or not isinstance(minutes, int) or minutes < 0 or minutes > 1000:
        raise InvalidInput(_l("Minutes must be a whole number between 0 and 1000."), field="minutes")
    return {"title": title, "minutes": minutes, "body": normalise_text(values.get("body"))}


def create_lesson(actor: User, version: CourseVersion, values: dict) -> Lesson:
    _editable(actor, version)
    cleaned = _lesson_values(values)
    module = _module_in(version, values.get("module_id"))
    taken = {lesson.slug for lesson in version.lessons}
    slug = (values.get("slug") or "").strip()
    if slug:
        check_slug(slug)
        if len(slug) > 120:
            raise InvalidInput(_l("At most 120 characters."), field="slug")
        if slug in taken:
            raise RuleViolation(_l("Another lesson of this version has this slug."), field="slug")
    else:
        base = slugify(cleaned["title"]) or "lesson"
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
    lesson = Lesson(
        version=version, module=module, slug=slug, position=100_000 + len(version.lessons), **cleaned
    )
    db.session.add(lesson)
    db.session.flush()
    renumber(version)
    return lesson


def update_lesson(actor: User, lesson: Lesson, values: dict) -> None:
    """Title, module, minutes and body; the slug stays, because trainees' progress is kept by it."""
    version = lesson.version
    _editable(actor, version)
    cleaned = _lesson_values(values)
    module = _module_in(version, values.get("module_id"))
    moved = (module.id if module else None) != lesson.module_id
    for name, value in cleaned.items():
        setattr(lesson, name, value)
    lesson.module = module
    if moved:
        lesson.position = 100_000 + lesson.position  # to the end of its new module
        db.session.flush()
        renumber(version)


def delete_lesson(actor: User, lesson: Lesson) -> list[str]:
    """Returns the stored files of its attachments, to remove once the transaction has committed."""
    version = lesson.version
    _editable(actor, version)
    files = [a.stored_name for a in lesson.attachments]
    module = lesson.module
    db.session.delete(lesson)
    db.session.flush()
    db.session.expire(version, ["lessons"])
    if module is not None:
        db.session.expire(module, ["lessons"])
    renumber(version)
    return files
