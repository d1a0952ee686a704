"""Course rules: authoring, versions and review, attachments, enrolment and progress.

Functions take the acting user and the objects explicitly, raise domain errors and never commit: the caller
(a view, the CLI, another area) commits, so that each action and its consequences (completion, evidence)
land in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import uuid
import zipfile
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer, selectinload

from lms.auth.models import POSITIONS, User
from lms.auth.scopes import user_in_scope
from lms.config import setting
from lms.courses import evidence as _evidence  # noqa: F401 - registers the course_completed ledger kind
from lms.courses import permissions
from lms.courses.completion import evaluate_completion
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    OPEN_STATUSES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    CourseVersionFacet,
    CourseVersionText,
    Enrollment,
    Lesson,
    LessonAttachment,
    LessonProgress,
    LessonText,
    Module,
)
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.org.models import BUSINESS_TYPES

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_MAX = 40
# Course pages live at /courses/<slug>; these words are the area's own pages.
RESERVED_SLUGS = {
    "my",
    "authoring",
    "reviews",
    "new",
    "preview",
    "versions",
    "modules",
    "lessons",
    "attachments",
    "enrollments",
    "history",
}
HOURS_MAX = Decimal("9999.9")


# -- values shared by the forms and the curriculum loader --------------------------------------------------


def normalise_text(text: str | None) -> str:
    """One form for Markdown text from files and browsers: LF line ends, no blank lines around it."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text.strip("\n").rstrip()


def hours_text(hours) -> str:
    value = Decimal(str(hours))
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidInput(_l("Hours must be a number."), field="hours") from error
    if not hours.is_finite() or hours < 0 or hours > HOURS_MAX:
        raise InvalidInput(_l("Hours must be between 0 and 9999.9."), field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise InvalidInput(_l("Hours take at most one decimal place."), field="hours")
    return hours.quantize(Decimal("0.1"))


def check_slug(slug: str, field: str = "slug") -> str:
    if not slug or len(slug) > 80 or not SLUG_RE.match(slug):
        raise InvalidInput(
            _l("Use lowercase letters, digits and single hyphens (for example credit-basics)."), field=field
        )
    return slug


def clean_tags(tags) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise InvalidInput(_l("A tag has at most %(n)d characters.", n=TAG_MAX), field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def clean_version_values(values: dict) -> dict:
    """Check the descriptive fields of a version (title, type, modes, audience, completion rule...)."""
    cleaned = dict(values)
    cleaned["title"] = (values.get("title") or "").strip()
    if not cleaned["title"] or len(cleaned["title"]) > 200:
        raise InvalidInput(_l("A title of at most 200 characters is required."), field="title")
    cleaned["summary"] = (values.get("summary") or "").strip()
    cleaned["overview"] = normalise_text(values.get("overview"))
    if values.get("language") not in CONTENT_LANGUAGES:
        raise InvalidInput(_l("Choose the language of the content."), field="language")
    if values.get("training_type") not in TRAINING_TYPES:
        raise InvalidInput(_l("Choose the training type."), field="training_type")
    modes = list(dict.fromkeys(values.get("modes") or []))
    if not modes or any(m not in DELIVERY_MODES for m in modes):
        raise InvalidInput(_l("Choose at least one delivery mode."), field="modes")
    cleaned["modes"] = modes
    link = (values.get("social_link") or "").strip()
    if "social_media" in modes:
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", link) or len(link) > 500:
            raise InvalidInput(
                _l("The social media mode needs the channel's http(s) link."), field="social_link"
            )
    elif link:
        raise InvalidInput(
            _l("A social media link goes with the social media mode only."), field="social_link"
        )
    cleaned["social_link"] = link
    for key, allowed in (
        ("audience_positions", POSITIONS),
        ("audience_business_types", BUSINESS_TYPES),
        ("topics", TOPICS),
    ):
        chosen = list(dict.fromkeys(values.get(key) or []))
        if any(item not in allowed for item in chosen):
            raise InvalidInput(_l("Choose from the list."), field=key)
        cleaned[key] = chosen
    cleaned["tags"] = clean_tags(values.get("tags") or [])
    cleaned["hours"] = parse_hours(values.get("hours", 1))
    cleaned["require_lessons"] = bool(values.get("require_lessons"))
    quizzes = [str(q).strip() for q in values.get("require_quizzes") or [] if str(q).strip()]
    for key in quizzes:
        if not SLUG_RE.match(key):
            raise InvalidInput(
                _l("Quiz keys use lowercase letters, digits and hyphens (for example post-test)."),
                field="require_quizzes",
            )
    cleaned["require_quizzes"] = list(dict.fromkeys(quizzes))
    cleaned["require_attendance"] = bool(values.get("require_attendance"))
    return cleaned


VERSION_FIELDS = (
    "title",
    "summary",
    "overview",
    "language",
    "training_type",
    "modes",
    "social_link",
    "audience_positions",
    "audience_business_types",
    "topics",
    "tags",
    "hours",
    "require_lessons",
    "require_quizzes",
    "require_attendance",
)


def apply_version_values(version: CourseVersion, values: dict) -> None:
    for name in VERSION_FIELDS:
        if name in values:
            setattr(version, name, values[name])
    refresh_derived(version)


def refresh_derived(version: CourseVersion) -> None:
    """Keep the catalog's search text and facet rows in step with the version's fields."""
    slug = version.course.slug if version.course is not None else ""
    version.search_text = " ".join(
        [
            slug,
            version.title or "",
            version.summary or "",
            *(version.tags or []),
            *(part for text in version.texts for part in (text.title or "", text.summary or "")),
        ]
    ).lower()
    wanted = (
        {("mode", m) for m in version.modes or []}
        | {("topic", t) for t in version.topics or []}
        | {("tag", t.lower()[:80]) for t in version.tags or []}
    )
    current = {(f.facet, f.value): f for f in version.facets}
    for key, facet in current.items():
        if key not in wanted:
            version.facets.remove(facet)
    for facet, value in sorted(wanted - set(current)):
        version.facets.append(CourseVersionFacet(facet=facet, value=value))


def _would_cycle(course: Course, prerequisites: list[Course]) -> bool:
    """True if ``course`` is reachable from its new prerequisites through the courses' current versions."""
    seen: set[int] = set()
    stack = [p for p in prerequisites]
    while stack:
        other = stack.pop()
        if other.id == course.id and course.id is not None:
            return True
        if other.id in seen:
            continue
        seen.add(other.id)
        version = other.published_version or other.latest_version
        if version is not None:
            stack.extend(version.prerequisites)
    return False


def set_prerequisites(version: CourseVersion, prerequisites: list[Course]) -> None:
    unique = list({c.id: c for c in prerequisites}.values())
    if any(c is version.course or (c.id is not None and c.id == version.course_id) for c in unique):
        raise InvalidInput(_l("A course cannot be its own prerequisite."), field="prerequisites")
    if version.course is not None and _would_cycle(version.course, unique):
        raise InvalidInput(
            _l("These prerequisites would make a loop: a course would need itself."), field="prerequisites"
        )
    version.prerequisites = unique


def prerequisite_choices(exclude: Course | None = None) -> list[Course]:
    """Courses that can be chosen as prerequisites: published, not archived."""
    stmt = (
        sa.select(Course)
        .where(Course.published_version_id.is_not(None), Course.archived.is_(False))
        .options(selectinload(Course.published_version))
        .order_by(Course.slug)
    )
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Course.id != exclude.id)
    return list(db.session.execute(stmt).scalars())


# -- courses and versions ----------------------------------------------------------------------------------


def _require(condition: bool, message=None) -> None:
    if not condition:
        raise NotPermitted(message or _l("You may not do this."))


def _lock_course(course: Course) -> Course:
    """Serialise changes to one course's versions (publishing, starting drafts)."""
    db.session.flush()
    return db.session.execute(
        sa.select(Course)
        .where(Course.id == course.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


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


# -- modules and lessons -----------------------------------------------------------------------------------


def _editable(actor: User, version: CourseVersion) -> None:
    _require(permissions.can_edit_version(actor, version), _l("Only a draft can be edited, by its authors."))


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


# -- attachments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    mimetype: str
    extension: str
    label: str


FILE_KINDS = {
    "pdf": FileKind("application/pdf", ".pdf", "PDF"),
    "png": FileKind("image/png", ".png", "PNG"),
    "jpeg": FileKind("image/jpeg", ".jpg", "JPEG"),
    "pptx": FileKind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", "PPTX"
    ),
    "docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "DOCX"
    ),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "XLSX"),
}
_OOXML_PARTS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}


def sniff_kind(path: Path) -> str | None:
    """The file's type from its content (magic bytes, and the parts inside an Office Open XML package)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, prefix in _OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return kind
    return None


def attachment_folder() -> Path:
    from flask import current_app

    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "lesson-attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_max_bytes() -> int:

    return setting("ATTACHMENT_MAX_BYTES")


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} B"


def _stored_name(extension: str) -> str:
    return uuid.uuid4().hex + extension


def _display_name(filename: str, kind: FileKind) -> str:
    """Keep the author's name (printable, no path) but give it the extension of the detected type."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return ((stem or "attachment")[:200]) + kind.extension


@dataclass(frozen=True)
class StoredUpload:
    """A file written under an upload folder, checked for size and, by its content, for type."""

    filename: str
    stored_name: str
    mimetype: str
    size: int
    sha256: str


def store_upload(folder: Path, *, filename: str, stream) -> StoredUpload:
    """Write ``stream`` into ``folder`` under a random name after checking its size (``attachment_max_bytes``)
    and its type by content (PDF, PPTX, DOCX, XLSX, PNG, JPEG); a refused file leaves nothing behind."""
    max_bytes = attachment_max_bytes()
    temp = folder / (uuid.uuid4().hex + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with temp.open("wb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(
                        _l("The file is larger than the limit of %(limit)s.", limit=human_size(max_bytes)),
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput(_l("The file is empty."), field="file")
        kind_name = sniff_kind(temp)
        if kind_name is None:
            raise InvalidInput(
                _l("This type of file is not accepted. Attach PDF, PPTX, DOCX, XLSX, PNG or JPEG files."),
                field="file",
            )
        kind = FILE_KINDS[kind_name]
        stored = _stored_name(kind.extension)
        temp.replace(folder / stored)
    finally:
        if temp.exists():
            temp.unlink()
    return StoredUpload(
        filename=_display_name(filename, kind),
        stored_name=stored,
        mimetype=kind.mimetype,
        size=size,
        sha256=digest.hexdigest(),
    )


def add_attachment(actor: User, lesson: Lesson, *, filename: str, stream) -> LessonAttachment:
    """Store an uploaded file outside static/ after checking its size and, by content, its type."""
    _editable(actor, lesson.version)
    upload = store_upload(attachment_folder(), filename=filename, stream=stream)
    attachment = LessonAttachment(**asdict(upload), uploaded_by_id=actor.id)
    lesson.attachments.append(attachment)
    db.session.flush()
    return attachment


def delete_attachment(actor: User, attachment: LessonAttachment) -> str:
    _editable(actor, attachment.lesson.version)
    stored = attachment.stored_name
    attachment.lesson.attachments.remove(attachment)
    db.session.delete(attachment)
    return stored


def remove_stored_files(names: list[str]) -> None:
    """After commit: delete files no row points to any more."""
    folder = attachment_folder()
    for name in names:
        if name and "/" not in name and "\\" not in name:
            (folder / name).unlink(missing_ok=True)


# -- review and life cycle ---------------------------------------------------------------------------------


def submit_for_review(actor: User, version: CourseVersion) -> None:
    _editable(actor, version)
    if not version.lessons:
        raise RuleViolation(_l("Add at least one lesson before submitting."))
    version.status = "in_review"
    version.submitted_at = utcnow()


def withdraw_from_review(actor: User, version: CourseVersion) -> None:
    """The author takes a version back from review to change it."""
    if version.status != "in_review":
        raise RuleViolation(_l("This version is not in review."))
    course = version.course
    _require(version.author_id == actor.id or permissions.can_manage_course(actor, course))
    version.status = "draft"


def _check_reviewable(actor: User, version: CourseVersion) -> None:
    if version.status != "in_review":
        raise RuleViolation(_l("This version is not in review."))
    if version.author_id == actor.id:
        raise NotPermitted(
            _l(
                "You wrote this version: someone else (another expert, an officer or an administrator) "
                "must review it."
            )
        )
    _require(
        actor.role in permissions.REVIEWER_ROLES,
        _l("Only experts, officers and administrators review courses."),
    )


def approve(actor: User, version: CourseVersion, note: str = "") -> None:
    course = _lock_course(version.course)
    db.session.refresh(version)
    _check_reviewable(actor, version)
    if course.archived:
        raise RuleViolation(_l("This course is archived; restore it first."))
    version.reviewed_by = actor
    version.reviewed_at = utcnow()
    version.review_note = (note or "").strip()
    publish(version)


def return_to_author(actor: User, version: CourseVersion, note: str) -> None:
    _lock_course(version.course)
    db.session.refresh(version)
    _check_reviewable(actor, version)
    note = (note or "").strip()
    if not note:
        raise InvalidInput(_l("Say what should change."), field="note")
    version.status = "draft"
    version.reviewed_by = actor
    version.reviewed_at = utcnow()
    version.review_note = note


def publish(version: CourseVersion) -> None:
    """Make ``version`` the one trainees see; the one before is archived. Enrolments follow the course."""
    from lms.content.curriculum import content_hash, version_content

    course = version.course
    previous = course.published_version
    if previous is not None and previous is not version:
        previous.status = "archived"
        db.session.flush()
    version.status = "published"
    version.published_at = utcnow()
    course.published_version = version
    version.render_html()
    db.session.flush()
    version.source_hash = content_hash(version_content(version))


def render_published_html() -> int:
    """Store the HTML of every version that is out of draft; returns how many were rendered."""
    versions = (
        db.session.execute(
            sa.select(CourseVersion)
            .where(CourseVersion.status != "draft")
            .options(selectinload(CourseVersion.lessons))
        )
        .scalars()
        .all()
    )
    for version in versions:
        version.render_html()
    return len(versions)


def discard_draft(actor: User, version: CourseVersion) -> None:
    _editable(actor, version)
    version.status = "archived"


def archive_course(actor: User, course: Course) -> None:
    _require(permissions.can_manage_course(actor, course))
    course = _lock_course(course)
    if course.archived:
        raise RuleViolation(_l("This course is already archived."))
    course.archived = True
    if course.published_version is not None:
        course.published_version.status = "archived"


def restore_course(actor: User, course: Course) -> None:
    _require(permissions.can_manage_course(actor, course))
    course = _lock_course(course)
    if not course.archived:
        raise RuleViolation(_l("This course is not archived."))
    course.archived = False
    if course.published_version is not None:
        course.published_version.status = "published"


# -- enrolment ---------------------------------------------------------------------------------------------


def completed_course_ids(user: User) -> set[int]:
    return set(
        db.session.execute(
            sa.select(Enrollment.course_id).where(
                Enrollment.user_id == user.id, Enrollment.status == "completed"
            )
        ).scalars()
    )


def missing_prerequisites(trainee: User, course: Course) -> list[Course]:
    version = course.published_version
    if version is None:
        return []
    done = completed_course_ids(trainee)
    return [c for c in version.prerequisites if c.id not in done]


def _course_names(courses: list[Course]) -> str:
    return "; ".join(c.title for c in courses)


def enroll(actor: User | None, course: Course, trainee: User) -> Enrollment:
    """Enrol ``trainee`` in ``course``. Trainees enrol themselves in online courses once the prerequisites are
    complete; officers (within their jurisdiction) and admins enrol trainees in any published course.
    ``actor`` None is the system (demo data, imports). Returns the enrolment (re-opened if withdrawn)."""
    if course.published_version_id is None or course.archived:
        raise RuleViolation(_l("This course is not open for enrolment."))
    if trainee.role != "trainee":
        raise InvalidInput(_l("Only trainees can be enrolled in courses."), field="trainee")
    if not trainee.active:
        raise RuleViolation(_l("This account is deactivated."), field="trainee")
    if actor is not None:
        if actor.role == "trainee":
            _require(actor.id == trainee.id, _l("Trainees enrol only themselves."))
            if "online" not in (course.published_version.modes or []):
                raise RuleViolation(
                    _l(
                        "Only online courses are open to self-enrolment. Ask your customs officer to "
                        "enrol you in this course."
                    )
                )
            missing = missing_prerequisites(trainee, course)
            if missing:
                raise RuleViolation(
                    _l("Complete these courses first: %(courses)s.", courses=_course_names(missing))
                )
        elif actor.role == "officer":
            _require(user_in_scope(actor, trainee), _l("This trainee is outside your jurisdiction."))
        else:
            _require(
                actor.role == "admin", _l("Only trainees, officers and administrators enrol in courses.")
            )
    existing = db.session.execute(
        sa.select(Enrollment)
        .where(Enrollment.user_id == trainee.id, Enrollment.course_id == course.id)
        .with_for_update()
    ).scalar_one_or_none()
    if existing is not None:
        if existing.status == "active":
            raise RuleViolation(_l("%(name)s is already enrolled in this course.", name=trainee.display_name))
        if existing.status == "completed":
            raise RuleViolation(_l("%(name)s has already completed this course.", name=trainee.display_name))
        existing.status = "active"
        existing.withdrawn_at = None
        existing.enrolled_at = utcnow()
        existing.enrolled_by_id = actor.id if actor is not None else None
        evaluate_completion(existing, actor)
        return existing
    enrollment = Enrollment(
        user_id=trainee.id,
        course_id=course.id,
        status="active",
        enrolled_by_id=actor.id if actor is not None else None,
        enrolled_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(enrollment)
            db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(
            _l("%(name)s is already enrolled in this course.", name=trainee.display_name)
        ) from error
    return enrollment


def can_withdraw(actor: User, enrollment: Enrollment) -> bool:
    if enrollment.status != "active" or not getattr(actor, "is_authenticated", False):
        return False
    if actor.id == enrollment.user_id or actor.role == "admin":
        return True
    return actor.role == "officer" and user_in_scope(actor, enrollment.user_id)


def withdraw(actor: User, enrollment: Enrollment) -> None:
    _require(actor.id == enrollment.user_id or actor.role in ("officer", "admin"))
    if actor.role == "officer" and actor.id != enrollment.user_id:
        _require(user_in_scope(actor, enrollment.user_id), _l("This trainee is outside your jurisdiction."))
    enrollment = db.session.execute(
        sa.select(Enrollment)
        .where(Enrollment.id == enrollment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if enrollment.status != "active":
        raise RuleViolation(_l("Only an active enrolment can be withdrawn."))
    enrollment.status = "withdrawn"
    enrollment.withdrawn_at = utcnow()


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
