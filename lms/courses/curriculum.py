"""The curriculum files loaded into courses and written back: ``flask --app lms content load|export``.

:func:`load_curriculum` creates or updates courses by slug. It compares a hash of the normalised content with
the hash of the published version, so loading the same files twice, or loading an export, changes nothing;
changed files become a new version, published at once because the curriculum in git has been reviewed there.
:func:`export_course` writes a version back in the same format. The files are parsed by
:mod:`lms.content.curriculum` with this area's :data:`VOCABULARY`.

Other areas extend the loader through :data:`LOADER_HOOKS` (for example, the quiz banks and the pre/post tests
described by ``quizzes:``) and the exporter through :data:`EXPORT_HOOKS`; they add their hooks in their
``init_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import yaml

from lms.auth.models import POSITIONS, User
from lms.content import curriculum as files
from lms.content.curriculum import (
    COURSE_FILE,
    LESSON_FILE_RE,
    QUIZ_FIELDS,
    CourseSource,
    CurriculumError,
    Vocabulary,
    content_hash,
    hours_text,
    normalise_text,
)
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    CourseVersionText,
    Lesson,
    LessonText,
    Module,
)
from lms.errors import DomainError
from lms.extensions import db
from lms.org.models import BUSINESS_TYPES

__all__ = [
    "EXPORT_HOOKS",
    "LOADER_HOOKS",
    "VOCABULARY",
    "CurriculumError",
    "ExportReport",
    "LoadReport",
    "content_hash",
    "export_course",
    "load_curriculum",
    "parse_course_dir",
    "version_content",
]

#: ``hook(course, version, course_dir: Path, report: LoadReport) -> bool`` (True if it changed something), run
#: in the course's transaction after each course is loaded, changed or not. Raise CurriculumError to refuse.
LOADER_HOOKS: list[Callable] = []
#: ``hook(course, version, course_dir: Path, report: ExportReport) -> None``, run after a course is exported.
EXPORT_HOOKS: list[Callable] = []

VOCABULARY = Vocabulary(
    languages=tuple(CONTENT_LANGUAGES),
    training_types=tuple(TRAINING_TYPES),
    modes=tuple(DELIVERY_MODES),
    topics=tuple(TOPICS),
    positions=tuple(POSITIONS),
    business_types=tuple(BUSINESS_TYPES),
)


def parse_course_dir(directory: Path) -> CourseSource:
    """Read and validate one course folder against this LMS's vocabulary; raise CurriculumError on the first
    problem."""
    return files.parse_course_dir(directory, VOCABULARY)


def version_content(version: CourseVersion) -> dict:
    """The same normalised structure as :meth:`CourseSource.content`, from the database."""
    return {
        "slug": version.course.slug,
        "title": version.title,
        "summary": version.summary or "",
        "language": version.language,
        "type": version.training_type,
        "modes": list(version.modes or []),
        "social_link": version.social_link or "",
        "audience": {
            "positions": list(version.audience_positions or []),
            "business_types": list(version.audience_business_types or []),
        },
        "topics": list(version.topics or []),
        "tags": list(version.tags or []),
        "hours": hours_text(version.hours),
        "prerequisites": sorted(c.slug for c in version.prerequisites),
        "completion": {
            "lessons": bool(version.require_lessons),
            "quizzes": list(version.require_quizzes or []),
            "attendance": bool(version.require_attendance),
        },
        "quizzes": [_ordered_quiz(q) for q in version.quiz_specs or []],
        "overview": normalise_text(version.overview),
        "lessons": [
            {
                "slug": lesson.slug,
                "title": lesson.title,
                "module": lesson.module.title if lesson.module else "",
                "minutes": lesson.minutes,
                "body": normalise_text(lesson.body),
            }
            for lesson in sorted(version.lessons, key=lambda x: x.position)
        ],
        "variants": {
            text.locale: _variant_content(version, text)
            for text in sorted(version.texts, key=lambda t: t.locale)
        },
    }


def _ordered_quiz(spec: dict) -> dict:
    known = {k: spec[k] for k in QUIZ_FIELDS if k in spec}
    return {**known, **{k: v for k, v in spec.items() if k not in known}}


def _variant_content(version: CourseVersion, text: CourseVersionText) -> dict:
    lessons = []
    for lesson in sorted(version.lessons, key=lambda x: x.position):
        lesson_text = lesson.text_for(text.locale)
        lessons.append(
            {
                "slug": lesson.slug,
                "title": lesson_text.title if lesson_text else "",
                "module": lesson_text.module if lesson_text else "",
                "body": normalise_text(lesson_text.body) if lesson_text else "",
            }
        )
    return {
        "title": text.title,
        "summary": text.summary or "",
        "overview": normalise_text(text.overview),
        "quizzes": dict(sorted((text.quiz_titles or {}).items())),
        "lessons": lessons,
    }


# -- loading -----------------------------------------------------------------------------------------------


@dataclass
class LoadReport:
    """What a load did, course by course, as lines for the operator."""

    lines: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    extended: list[str] = field(default_factory=list)  # changed by a loader hook only
    errors: list[CurriculumError] = field(default_factory=list)

    def note(self, slug: str, message: str) -> None:
        self.lines.append(f"{slug}: {message}")

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.extended)

    def summary(self) -> str:
        total = (
            len(self.created) + len(self.updated) + len(self.unchanged) + len(self.skipped) + len(self.failed)
        )
        if not self.changed and not self.failed:
            return f"Nothing changed: {total} course(s) already up to date."
        parts = [
            f"{len(self.created)} created",
            f"{len(self.updated)} with a new version",
            f"{len(self.unchanged) - len(self.extended)} unchanged",
        ]
        if self.extended:
            parts.append(f"{len(self.extended)} with changed quizzes or other parts")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        parts.append(f"{len(self.failed)} failed")
        return f"{total} course(s): " + ", ".join(parts) + "."


def _course_dirs(directory: Path) -> list[Path]:
    if (directory / COURSE_FILE).is_file():
        return [directory]
    return sorted(
        (p for p in directory.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))),
        key=lambda p: p.name,
    )


def _default_owner() -> User | None:
    return db.session.execute(
        sa.select(User).where(User.login_name == "expert.national")
    ).scalar_one_or_none()


def _dependency_order(sources: list[CourseSource]) -> list[CourseSource]:
    """Prerequisites first, so that a new course can point to one created in the same run."""
    by_slug = {s.slug: s for s in sources}
    ordered: list[CourseSource] = []
    state: dict[str, str] = {}

    def visit(source: CourseSource) -> None:
        if state.get(source.slug) == "done":
            return
        if state.get(source.slug) == "visiting":
            return  # a loop is reported when the prerequisites are resolved
        state[source.slug] = "visiting"
        for slug in source.fields["prerequisites"]:
            if slug in by_slug:
                visit(by_slug[slug])
        state[source.slug] = "done"
        ordered.append(source)

    for source in sources:
        visit(source)
    return ordered


def _has_loop(source: CourseSource, by_slug: dict[str, CourseSource]) -> bool:
    seen: set[str] = set()
    stack = list(source.fields["prerequisites"])
    while stack:
        slug = stack.pop()
        if slug == source.slug:
            return True
        if slug in seen:
            continue
        seen.add(slug)
        if slug in by_slug:
            stack.extend(by_slug[slug].fields["prerequisites"])
        else:
            course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
            version = course and (course.published_version or course.latest_version)
            if version is not None:
                stack.extend(c.slug for c in version.prerequisites)
    return False


def load_curriculum(directory, *, report: LoadReport | None = None) -> LoadReport:
    """Create or update every course under ``directory`` (or the one course folder it is). Each course is
    loaded in its own savepoint, hooks included: a course that fails leaves nothing behind. The caller
    commits."""
    directory = Path(directory)
    report = report if report is not None else LoadReport()
    if not directory.is_dir():
        raise CurriculumError(directory, None, "not a folder")
    sources: list[CourseSource] = []
    for course_dir in _course_dirs(directory):
        try:
            sources.append(parse_course_dir(course_dir))
        except CurriculumError as error:
            _fail(report, course_dir.name, error)
    by_slug = {s.slug: s for s in sources}
    owner = _default_owner()
    for source in _dependency_order(sources):
        try:
            with db.session.begin_nested():
                _load_course(source, by_slug, owner, report)
        except CurriculumError as error:
            _fail(report, source.slug, error)
        except DomainError as error:
            _fail(report, source.slug, CurriculumError(source.course_file, None, str(error)))
    return report


def _fail(report: LoadReport, slug: str, error: CurriculumError) -> None:
    for bucket in (report.created, report.updated, report.unchanged, report.extended):
        if slug in bucket:
            bucket.remove(slug)
    report.failed.append(slug)
    report.errors.append(error)
    report.note(slug, f"not loaded, nothing of this course was changed: {error}")


def _resolve_prerequisites(source: CourseSource, by_slug: dict[str, CourseSource]) -> list[Course]:
    courses = []
    for slug in source.fields["prerequisites"]:
        course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
        if course is None:
            raise CurriculumError(
                source.course_file,
                source.prerequisites_line,
                f"prerequisite {slug!r} is not a course (neither loaded before nor in this folder)",
            )
        courses.append(course)
    if _has_loop(source, by_slug):
        raise CurriculumError(
            source.course_file,
            source.prerequisites_line,
            "the prerequisites make a loop: this course would need itself",
        )
    return courses


def _load_course(
    source: CourseSource, by_slug: dict[str, CourseSource], owner: User | None, report: LoadReport
) -> None:
    from lms.courses.services import publish

    course = db.session.execute(sa.select(Course).where(Course.slug == source.slug)).scalar_one_or_none()
    new_hash = source.content_hash()
    if course is not None and course.archived:
        report.skipped.append(source.slug)
        report.note(source.slug, "archived in the application; the files were not loaded (restore it first).")
        return
    prerequisites = _resolve_prerequisites(source, by_slug)
    if course is None:
        course = Course(slug=source.slug, owner=owner)
        db.session.add(course)
        version = _build_version(course, source, 1, owner, prerequisites)
        publish(version)
        report.created.append(source.slug)
        report.note(
            source.slug, "created; version 1 published directly (curriculum files are reviewed in git)."
        )
    else:
        current = course.published_version
        current_hash = (current.source_hash or content_hash(version_content(current))) if current else None
        if current is not None and current_hash == new_hash:
            version = current
            report.unchanged.append(source.slug)
            report.note(source.slug, f"unchanged (version {current.number}).")
        else:
            number = max((v.number for v in course.versions), default=0) + 1
            version = _build_version(course, source, number, owner, prerequisites)
            publish(version)
            report.updated.append(source.slug)
            before = f"; version {current.number} archived" if current is not None else ""
            report.note(
                source.slug,
                f"changed; version {number} published directly (curriculum files are reviewed "
                f"in git){before}.",
            )
    version.source_hash = new_hash
    hook_changed = False
    for hook in LOADER_HOOKS:
        hook_changed = bool(hook(course, version, source.directory, report)) or hook_changed
    db.session.flush()
    if hook_changed and source.slug in report.unchanged:
        report.extended.append(source.slug)


def _build_version(
    course: Course, source: CourseSource, number: int, author: User | None, prerequisites: list[Course]
) -> CourseVersion:
    from lms.courses.services import refresh_derived

    f = source.fields
    version = CourseVersion(
        course=course,
        number=number,
        status="draft",
        origin="files",
        author=author,
        title=f["title"],
        summary=f["summary"],
        overview=source.overview,
        language=f["language"],
        training_type=f["type"],
        modes=list(f["modes"]),
        social_link=f["social_link"],
        audience_positions=list(f["audience"]["positions"]),
        audience_business_types=list(f["audience"]["business_types"]),
        topics=list(f["topics"]),
        tags=list(f["tags"]),
        hours=f["hours"],
        require_lessons=f["completion"]["lessons"],
        require_quizzes=list(f["completion"]["quizzes"]),
        require_attendance=f["completion"]["attendance"],
        quiz_specs=[dict(q) for q in f["quizzes"]],
    )
    version.prerequisites = prerequisites
    for locale, variant in sorted(source.variants.items()):
        version.texts.append(
            CourseVersionText(
                locale=locale,
                title=variant.title,
                summary=variant.summary,
                overview=variant.overview,
                quiz_titles=dict(variant.quiz_titles),
            )
        )
    modules: dict[str, Module] = {}
    for position, lesson_source in enumerate(source.lessons, start=1):
        module = None
        if lesson_source.module:
            module = modules.get(lesson_source.module)
            if module is None:
                module = Module(version=version, title=lesson_source.module, position=len(modules) + 1)
                modules[lesson_source.module] = module
        lesson = Lesson(
            version=version,
            module=module,
            position=position,
            slug=lesson_source.slug,
            title=lesson_source.title,
            body=lesson_source.body,
            minutes=lesson_source.minutes,
        )
        for locale, variant in sorted(source.variants.items()):
            translated = variant.lessons[lesson_source.slug]
            lesson.texts.append(
                LessonText(
                    locale=locale, title=translated.title, module=translated.module, body=translated.body
                )
            )
    db.session.add(version)
    refresh_derived(version)
    db.session.flush()
    return version


# -- exporting ---------------------------------------------------------------------------------------------


@dataclass
class ExportReport:
    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def note(self, slug: str, message: str) -> None:
        self.lines.append(f"{slug}: {message}")


class _CurriculumDumper(yaml.SafeDumper):
    """Block mappings; lists of plain values on one line ([a, b]), as the shipped files are written."""


def _represent_list(dumper: yaml.SafeDumper, items: list):
    flow = all(not isinstance(item, (dict, list)) for item in items)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=flow)


_CurriculumDumper.add_representer(list, _represent_list)


def _yaml_line(key: str, value) -> str:
    return yaml.dump(
        {key: value},
        Dumper=_CurriculumDumper,
        allow_unicode=True,
        default_flow_style=False,
        sort_keys=False,
        width=100_000,
    ).rstrip("\n")


def _front_matter(pairs: list[tuple[str, object]]) -> str:
    return "---\n" + "\n".join(_yaml_line(k, v) for k, v in pairs) + "\n---\n"


def _hours_value(hours):
    value = Decimal(str(hours))
    return int(value) if value == value.to_integral() else float(value)


def _export_variant(folder: Path, variant: dict, content: dict, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pairs: list[tuple[str, object]] = [("title", variant["title"])]
    if variant["summary"]:
        pairs.append(("summary", variant["summary"]))
    if content["quizzes"]:
        pairs.append(
            (
                "quizzes",
                [
                    {"key": q["key"], "title": variant["quizzes"].get(q["key"], q.get("title", ""))}
                    for q in content["quizzes"]
                ],
            )
        )
    written = []
    course_file = folder / COURSE_FILE
    course_file.write_text(
        _front_matter(pairs) + (variant["overview"] + "\n" if variant["overview"] else ""), encoding="utf-8"
    )
    written.append(course_file)
    for name, lesson in zip(names, variant["lessons"], strict=True):
        lesson_pairs: list[tuple[str, object]] = [("title", lesson["title"])]
        if lesson["module"]:
            lesson_pairs.append(("module", lesson["module"]))
        path = folder / name
        path.write_text(
            _front_matter(lesson_pairs) + (lesson["body"] + "\n" if lesson["body"] else ""), encoding="utf-8"
        )
        written.append(path)
    return written


def export_course(
    course: Course, directory, *, version: CourseVersion | None = None, report: ExportReport | None = None
) -> ExportReport:
    """Write ``version`` (default: the published one, else the latest) as ``directory/<slug>/``. Lesson files
    and course.md already in that folder are replaced, so the folder holds exactly this version."""
    report = report if report is not None else ExportReport()
    version = version or course.published_version or course.latest_version
    if version is None:
        raise CurriculumError(Path(directory) / course.slug, None, "this course has no version to export")
    content = version_content(version)
    target = Path(directory) / course.slug
    target.mkdir(parents=True, exist_ok=True)
    for old in target.iterdir():
        if old.is_file() and (old.name == COURSE_FILE or LESSON_FILE_RE.match(old.name)):
            old.unlink()
    pairs: list[tuple[str, object]] = [
        ("slug", content["slug"]),
        ("title", content["title"]),
        ("summary", content["summary"]),
        ("language", content["language"]),
        ("type", content["type"]),
        ("modes", content["modes"]),
    ]
    if content["social_link"]:
        pairs.append(("social_link", content["social_link"]))
    pairs += [
        ("audience", content["audience"]),
        ("topics", content["topics"]),
        ("tags", content["tags"]),
        ("hours", _hours_value(version.hours)),
        ("prerequisites", content["prerequisites"]),
        ("completion", content["completion"]),
    ]
    if content["quizzes"]:
        pairs.append(("quizzes", content["quizzes"]))
    course_file = target / COURSE_FILE
    course_file.write_text(
        _front_matter(pairs) + (content["overview"] + "\n" if content["overview"] else ""), encoding="utf-8"
    )
    report.files.append(course_file)
    width = 2 if len(content["lessons"]) < 100 else 3
    for number, lesson in enumerate(content["lessons"], start=1):
        lesson_pairs: list[tuple[str, object]] = [("title", lesson["title"])]
        if lesson["module"]:
            lesson_pairs.append(("module", lesson["module"]))
        lesson_pairs.append(("minutes", lesson["minutes"]))
        path = target / f"{number:0{width}d}-{lesson['slug']}.md"
        path.write_text(
            _front_matter(lesson_pairs) + (lesson["body"] + "\n" if lesson["body"] else ""), encoding="utf-8"
        )
        report.files.append(path)
    names = [
        f"{number:0{width}d}-{lesson['slug']}.md" for number, lesson in enumerate(content["lessons"], start=1)
    ]
    for locale in CONTENT_LANGUAGES:
        folder = target / locale
        if folder.is_dir():
            for old in folder.iterdir():
                if old.is_file() and (old.name == COURSE_FILE or LESSON_FILE_RE.match(old.name)):
                    old.unlink()
    for locale, variant in content["variants"].items():
        report.files.extend(_export_variant(target / locale, variant, content, names))
    languages = ", ".join([content["language"], *content["variants"]])
    report.note(
        course.slug,
        f"version {version.number} ({version.status}) written to {target} "
        f"({len(content['lessons'])} lessons; {languages}).",
    )
    for hook in EXPORT_HOOKS:
        hook(course, version, target, report)
    return report
