"""The curriculum as files: ``courses/<slug>/course.md`` and ``courses/<slug>/NN-<lesson>.md``.

:func:`parse_course_dir` reads one folder and validates it strictly: an unknown field or a bad value is a
:class:`CurriculumError` naming the file and the line, and nothing of that course is loaded.
:func:`load_curriculum` creates or updates courses by slug. It compares a hash of the normalised content with
the hash of the published version, so loading the same files twice, or loading an export, changes nothing;
changed files become a new version, published at once because the curriculum in git has been reviewed there.
:func:`export_course` writes a version back in the same format.

Other areas extend the loader through :data:`LOADER_HOOKS` (for example, the quiz banks and the pre/post tests
described by ``quizzes:``) and the exporter through :data:`EXPORT_HOOKS`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from lms.auth.models import POSITIONS, User
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    Lesson,
    Module,
)
from lms.errors import DomainError
from lms.extensions import db
from lms.org.models import BUSINESS_TYPES

COURSE_FILE = "course.md"
LESSON_FILE_RE = re.compile(r"^(\d{2,3})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$")

COURSE_FIELDS = (
    "slug",
    "title",
    "summary",
    "language",
    "type",
    "modes",
    "social_link",
    "audience",
    "topics",
    "tags",
    "hours",
    "prerequisites",
    "completion",
    "quizzes",
    "standard_items",  # AEO standard item codes the course covers (checked by lms/readiness/curriculum.py)
)
REQUIRED_COURSE_FIELDS = ("slug", "title", "language", "type", "modes", "hours")
AUDIENCE_FIELDS = ("positions", "business_types")
COMPLETION_FIELDS = ("lessons", "quizzes", "attendance")
LESSON_FIELDS = ("title", "module", "minutes", "standard_items")
QUIZ_FIELDS = (
    "key",
    "title",
    "purpose",
    "category",
    "draw",
    "time_limit",
    "attempts",
    "pass_mark",
    "grading",
    "review",
)
QUIZ_PURPOSES = ("pre_test", "post_test", "practice", "exam")
QUIZ_GRADING = ("highest", "last", "first", "average")
QUIZ_REVIEW = ("score_only", "with_answers", "after_close")
DEFAULT_MINUTES = 30

#: ``hook(course, version, course_dir: Path, report: LoadReport) -> bool`` (True if it changed something), run
#: in the course's transaction after each course is loaded, changed or not. Raise CurriculumError to refuse.
LOADER_HOOKS: list[Callable] = []
#: ``hook(course, version, course_dir: Path, report: ExportReport) -> None``, run after a course is exported.
EXPORT_HOOKS: list[Callable] = []


class CurriculumError(Exception):
    """A problem in a curriculum file, with the file and line it is on."""

    def __init__(self, path, line: int | None, message: str):
        super().__init__(message)
        self.path = Path(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.message}"


# -- text helpers shared with the services -----------------------------------------------------------------


def normalise_text(text: str | None) -> str:
    from lms.courses.services import normalise_text as normalise

    return normalise(text)


def hours_text(hours) -> str:
    from lms.courses.services import hours_text as to_text

    return to_text(hours)


def content_hash(content: dict) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- reading files -----------------------------------------------------------------------------------------


@dataclass
class Located:
    """A front-matter value with its line in the file (and the YAML node, for nested checks)."""

    value: object
    line: int
    node: Node


@dataclass
class LessonSource:
    slug: str
    title: str
    module: str
    minutes: int
    body: str
    path: Path


@dataclass
class CourseSource:
    slug: str
    directory: Path
    fields: dict
    overview: str
    lessons: list[LessonSource]
    prerequisites_line: int = 1

    @property
    def course_file(self) -> Path:
        return self.directory / COURSE_FILE

    def content(self) -> dict:
        f = self.fields
        return {
            "slug": self.slug,
            "title": f["title"],
            "summary": f["summary"],
            "language": f["language"],
            "type": f["type"],
            "modes": f["modes"],
            "social_link": f["social_link"],
            "audience": f["audience"],
            "topics": f["topics"],
            "tags": f["tags"],
            "hours": hours_text(f["hours"]),
            "prerequisites": sorted(f["prerequisites"]),
            "completion": f["completion"],
            "quizzes": f["quizzes"],
            "overview": self.overview,
            "lessons": [
                {"slug": s.slug, "title": s.title, "module": s.module, "minutes": s.minutes, "body": s.body}
                for s in self.lessons
            ],
        }

    def content_hash(self) -> str:
        return content_hash(self.content())


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
    }


def _ordered_quiz(spec: dict) -> dict:
    known = {k: spec[k] for k in QUIZ_FIELDS if k in spec}
    return {**known, **{k: v for k, v in spec.items() if k not in known}}


def split_front_matter(path: Path, text: str) -> tuple[str, int, str]:
    """(YAML text, file line of its first line, body) of a file that starts with a front matter block."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise CurriculumError(path, 1, "the file must start with a front matter block between '---' lines")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "\n".join(lines[1:index]), 2, "\n".join(lines[index + 1 :])
    raise CurriculumError(path, len(lines), "the front matter is not closed by a '---' line")


def read_front_matter(path: Path) -> tuple[dict[str, Located], str]:
    """The top-level fields (with their lines) and the Markdown body of ``path``."""
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise CurriculumError(path, None, "the file is not UTF-8 text") from error
    except OSError as error:
        raise CurriculumError(path, None, f"cannot read the file: {error.strerror}") from error
    yaml_text, first_line, body = split_front_matter(path, raw)
    loader = yaml.SafeLoader(yaml_text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = first_line + mark.line if mark is not None else first_line
            problem = error.problem or error.context or "invalid YAML"
            if error.context and error.context_mark is not None and error.context_mark is not mark:
                problem += f" ({error.context} started on line {first_line + error.context_mark.line})"
            raise CurriculumError(path, line, f"front matter is not valid YAML: {problem}") from error
        if node is None:
            raise CurriculumError(path, first_line, "the front matter is empty")
        return _mapping(loader, path, node, first_line, "front matter"), body
    finally:
        loader.dispose()


def _construct(loader, path: Path, node: Node, first_line: int):
    try:
        return loader.construct_object(node, deep=True)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or node.start_mark
        raise CurriculumError(path, first_line + mark.line, f"bad value: {error.problem}") from error


def _mapping(loader, path: Path, node: Node, first_line: int, what: str) -> dict[str, Located]:
    line = first_line + node.start_mark.line
    if not isinstance(node, MappingNode):
        raise CurriculumError(path, line, f"the {what} must be a set of 'field: value' lines")
    result: dict[str, Located] = {}
    for key_node, value_node in node.value:
        key_line = first_line + key_node.start_mark.line
        if not isinstance(key_node, ScalarNode):
            raise CurriculumError(path, key_line, "a field name must be plain text")
        key = key_node.value
        if key in result:
            raise CurriculumError(path, key_line, f"field '{key}' is given twice")
        result[key] = Located(_construct(loader, path, value_node, first_line), key_line, value_node)
    return result


def _line_of_item(located: Located, index: int, first_line: int) -> int:
    node = located.node
    if isinstance(node, SequenceNode) and index < len(node.value):
        return first_line + node.value[index].start_mark.line
    return located.line


class _Checker:
    """Validates one file's fields; every problem names the file and the line."""

    def __init__(
        self,
        path: Path,
        fields: dict[str, Located],
        allowed: tuple[str, ...],
        first_line: int = 2,
        anchor: int = 1,
    ):
        self.path = path
        self.fields = fields
        self.first_line = first_line
        self.anchor = anchor  # the line a missing field is reported on
        for name, located in fields.items():
            if name not in allowed:
                raise CurriculumError(
                    path, located.line, f"unknown field '{name}' (known fields: {', '.join(allowed)})"
                )

    def fail(self, located: Located | int, message: str):
        line = located if isinstance(located, int) else located.line
        raise CurriculumError(self.path, line, message)

    def required(self, name: str) -> Located:
        if name not in self.fields or self.fields[name].value is None:
            self.fail(
                self.fields[name].line if name in self.fields else self.anchor, f"field '{name}' is required"
            )
        return self.fields[name]

    def text(self, name: str, *, required: bool = False, max_length: int = 200, default: str = "") -> str:
        if required:
            located = self.required(name)
        elif name not in self.fields or self.fields[name].value is None:
            return default
        else:
            located = self.fields[name]
        if not isinstance(located.value, str):
            self.fail(located, f"'{name}' must be text (put it in quotes)")
        value = located.value.strip()
        if required and not value:
            self.fail(located, f"'{name}' must not be empty")
        if len(value) > max_length:
            self.fail(located, f"'{name}' is longer than {max_length} characters")
        return value

    def choice(self, name: str, allowed, *, required: bool = True) -> str:
        located = self.required(name) if required else self.fields.get(name)
        if located is None:
            return ""
        if located.value not in allowed:
            self.fail(located, f"'{name}' must be one of: {', '.join(allowed)} (not {located.value!r})")
        return located.value

    def choices(
        self, name: str, allowed, *, required: bool = False, located: Located | None = None
    ) -> list[str]:
        if located is None:
            if required:
                located = self.required(name)
            elif name not in self.fields or self.fields[name].value is None:
                return []
            else:
                located = self.fields[name]
        if not isinstance(located.value, list):
            self.fail(located, f"'{name}' must be a list, like [{', '.join(list(allowed)[:2])}]")
        seen: list[str] = []
        for index, item in enumerate(located.value):
            line = _line_of_item(located, index, self.first_line)
            if item not in allowed:
                self.fail(line, f"'{name}' has {item!r}, which is not one of: {', '.join(allowed)}")
            if item in seen:
                self.fail(line, f"'{name}' lists {item!r} twice")
            seen.append(item)
        if required and not seen:
            self.fail(located, f"'{name}' needs at least one value")
        return seen

    def strings(
        self,
        name: str,
        *,
        pattern: re.Pattern | None = None,
        max_length: int = 80,
        located: Located | None = None,
    ) -> list[str]:
        if located is None:
            if name not in self.fields or self.fields[name].value is None:
                return []
            located = self.fields[name]
        if not isinstance(located.value, list):
            self.fail(located, f"'{name}' must be a list, like [a, b]")
        seen: list[str] = []
        for index, item in enumerate(located.value):
            line = _line_of_item(located, index, self.first_line)
            if not isinstance(item, str) or not item.strip():
                self.fail(line, f"'{name}' must list text values")
            item = item.strip()
            if len(item) > max_length:
                self.fail(line, f"'{name}' has a value longer than {max_length} characters")
            if pattern is not None and not pattern.match(item):
                self.fail(line, f"'{name}' has {item!r}: use lowercase letters, digits and hyphens")
            if item in seen:
                self.fail(line, f"'{name}' lists {item!r} twice")
            seen.append(item)
        return seen

    def number(self, located: Located, name: str, *, integer: bool, minimum=0, maximum=None):
        value = located.value
        if isinstance(value, bool) or not isinstance(value, (int, float) if not integer else int):
            self.fail(located, f"'{name}' must be a {'whole number' if integer else 'number'}")
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            self.fail(located, f"'{name}' must be {bound}")
        return value

    def boolean(self, located: Located, name: str) -> bool:
        if not isinstance(located.value, bool):
            self.fail(located, f"'{name}' must be true or false")
        return located.value


def _sub_mapping(path: Path, located: Located, what: str, first_line: int = 2) -> dict[str, Located]:
    """Nested mapping fields with their own lines (audience:, completion:, each quiz)."""
    node = located.node
    if not isinstance(node, MappingNode):
        raise CurriculumError(path, located.line, f"'{what}' must be a set of 'field: value' lines")
    result: dict[str, Located] = {}
    value = located.value if isinstance(located.value, dict) else {}
    for key_node, value_node in node.value:
        key_line = first_line + key_node.start_mark.line
        key = key_node.value if isinstance(key_node, ScalarNode) else None
        if key is None:
            raise CurriculumError(path, key_line, "a field name must be plain text")
        if key in result:
            raise CurriculumError(path, key_line, f"field '{what}.{key}' is given twice")
        result[key] = Located(value.get(key), key_line, value_node)
    return result


def parse_course_file(path: Path, folder_slug: str) -> tuple[dict, str, int]:
    fields, body = read_front_matter(path)
    check = _Checker(path, fields, COURSE_FIELDS)
    slug_located = check.required("slug")
    slug = check.text("slug", required=True, max_length=80)
    if not SLUG_RE.match(slug):
        check.fail(slug_located, "'slug' must use lowercase letters, digits and hyphens")
    if slug != folder_slug:
        check.fail(slug_located, f"'slug' is {slug!r} but the folder is {folder_slug!r}; they must be equal")
    result: dict = {
        "slug": slug,
        "title": check.text("title", required=True),
        "summary": check.text("summary", max_length=2000),
        "language": check.choice("language", CONTENT_LANGUAGES),
        "type": check.choice("type", TRAINING_TYPES),
        "modes": check.choices("modes", DELIVERY_MODES, required=True),
        "topics": check.choices("topics", TOPICS),
        "tags": check.strings("tags", max_length=40),
        "prerequisites": check.strings("prerequisites", pattern=SLUG_RE),
    }
    link = check.text("social_link", max_length=500)
    if "social_media" in result["modes"]:
        if not URL_RE.match(link):
            check.fail(
                fields.get("social_link") or fields["modes"],
                "the social_media mode needs 'social_link', an http(s) address",
            )
    elif link:
        check.fail(fields["social_link"], "'social_link' goes with the social_media mode only")
    result["social_link"] = link
    if slug in result["prerequisites"]:
        check.fail(fields["prerequisites"], "a course cannot be its own prerequisite")

    hours = check.number(check.required("hours"), "hours", integer=False, minimum=0, maximum=9999.9)
    hours = Decimal(str(hours))
    if hours != hours.quantize(Decimal("0.1")):
        check.fail(fields["hours"], "'hours' takes at most one decimal place")
    result["hours"] = hours

    audience = {"positions": [], "business_types": []}
    if fields.get("audience") is not None and fields["audience"].value is not None:
        sub = _sub_mapping(path, fields["audience"], "audience")
        inner = _Checker(path, sub, AUDIENCE_FIELDS)
        for name, allowed in (("positions", POSITIONS), ("business_types", BUSINESS_TYPES)):
            if name in sub and sub[name].value is not None:
                audience[name] = inner.choices(f"audience.{name}", allowed, located=sub[name])
    result["audience"] = audience

    quizzes: list[dict] = []
    if fields.get("quizzes") is not None and fields["quizzes"].value is not None:
        located = fields["quizzes"]
        if not isinstance(located.value, list) or not isinstance(located.node, SequenceNode):
            check.fail(located, "'quizzes' must be a list of quizzes, each starting with '- key:'")
        for index, item_node in enumerate(located.node.value):
            item = Located(located.value[index], _line_of_item(located, index, 2), item_node)
            quizzes.append(_parse_quiz(path, item, [q["key"] for q in quizzes]))
    result["quizzes"] = quizzes

    completion = {"lessons": True, "quizzes": [], "attendance": False}
    if fields.get("completion") is not None and fields["completion"].value is not None:
        sub = _sub_mapping(path, fields["completion"], "completion")
        inner = _Checker(path, sub, COMPLETION_FIELDS)
        if "lessons" in sub:
            completion["lessons"] = inner.boolean(sub["lessons"], "completion.lessons")
        if "attendance" in sub:
            completion["attendance"] = inner.boolean(sub["attendance"], "completion.attendance")
        if "quizzes" in sub and sub["quizzes"].value is not None:
            keys = inner.strings("completion.quizzes", pattern=SLUG_RE, located=sub["quizzes"])
            defined = {q["key"] for q in quizzes}
            for index, key in enumerate(keys):
                if key not in defined:
                    inner.fail(
                        _line_of_item(sub["quizzes"], index, 2),
                        f"'completion.quizzes' names {key!r}, which is not a key under 'quizzes'",
                    )
            completion["quizzes"] = keys
    result["completion"] = completion
    prerequisites_line = fields["prerequisites"].line if "prerequisites" in fields else 1
    return result, normalise_text(body), prerequisites_line


def _parse_quiz(path: Path, item: Located, keys_so_far: list[str]) -> dict:
    if not isinstance(item.value, dict):
        raise CurriculumError(path, item.line, "each quiz must be a set of 'field: value' lines")
    sub = _sub_mapping(path, item, "quizzes")
    check = _Checker(path, sub, QUIZ_FIELDS, anchor=item.line)
    spec: dict = {}
    key_located = check.required("key")
    key = check.text("key", required=True, max_length=40)
    if not SLUG_RE.match(key):
        check.fail(key_located, "a quiz 'key' must use lowercase letters, digits and hyphens")
    if key in keys_so_far:
        check.fail(key_located, f"quiz key {key!r} is used twice")
    spec["key"] = key
    spec["title"] = check.text("title", required=True)
    spec["purpose"] = check.choice("purpose", QUIZ_PURPOSES)
    if "category" in sub:
        spec["category"] = check.text("category", max_length=100)
    for name, maximum in (("draw", 1000), ("time_limit", 1440), ("attempts", 100)):
        if name in sub:
            spec[name] = check.number(sub[name], name, integer=True, minimum=0, maximum=maximum)
    if "pass_mark" in sub:
        spec["pass_mark"] = check.number(sub["pass_mark"], "pass_mark", integer=False, minimum=0, maximum=100)
    if "grading" in sub:
        spec["grading"] = check.choice("grading", QUIZ_GRADING)
    if "review" in sub:
        spec["review"] = check.choice("review", QUIZ_REVIEW)
    return spec


def parse_lesson_file(path: Path, slug: str) -> LessonSource:
    fields, body = read_front_matter(path)
    check = _Checker(path, fields, LESSON_FIELDS)
    title = check.text("title", required=True)
    module = check.text("module")
    minutes = DEFAULT_MINUTES
    if "minutes" in fields:
        minutes = check.number(fields["minutes"], "minutes", integer=True, minimum=0, maximum=1000)
    return LessonSource(
        slug=slug, title=title, module=module, minutes=minutes, body=normalise_text(body), path=path
    )


def parse_course_dir(directory: Path) -> CourseSource:
    """Read and validate one course folder; raise CurriculumError on the first problem."""
    directory = Path(directory)
    course_file = directory / COURSE_FILE
    if not course_file.is_file():
        raise CurriculumError(course_file, None, "missing: every course folder has a course.md")
    fields, overview, prerequisites_line = parse_course_file(course_file, directory.name)
    lessons: list[tuple[int, LessonSource]] = []
    numbers: dict[int, Path] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name == COURSE_FILE or path.name.startswith(".") or path.suffix.lower() != ".md":
            continue
        match = LESSON_FILE_RE.match(path.name)
        if not match:
            raise CurriculumError(
                path,
                None,
                "unexpected file name: lessons are named NN-<lesson-slug>.md "
                "(two digits, then lowercase letters, digits and hyphens)",
            )
        number, lesson_slug = int(match.group(1)), match.group(2)
        if number in numbers:
            raise CurriculumError(
                path, None, f"lesson number {match.group(1)} is also used by {numbers[number].name}"
            )
        if len(lesson_slug) > 120:
            raise CurriculumError(
                path, None, "the lesson slug in the file name is longer than 120 characters"
            )
        if any(lesson.slug == lesson_slug for _, lesson in lessons):
            raise CurriculumError(path, None, f"another lesson file already uses the slug {lesson_slug!r}")
        numbers[number] = path
        lessons.append((number, parse_lesson_file(path, lesson_slug)))
    if not lessons:
        raise CurriculumError(directory, None, "no lesson files (NN-<lesson>.md) in this course folder")
    ordered = [lesson for _, lesson in sorted(lessons, key=lambda pair: pair[0])]
    return CourseSource(
        slug=fields["slug"],
        directory=directory,
        fields=fields,
        overview=overview,
        lessons=ordered,
        prerequisites_line=prerequisites_line,
    )


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
    modules: dict[str, Module] = {}
    for position, lesson_source in enumerate(source.lessons, start=1):
        module = None
        if lesson_source.module:
            module = modules.get(lesson_source.module)
            if module is None:
                module = Module(version=version, title=lesson_source.module, position=len(modules) + 1)
                modules[lesson_source.module] = module
        Lesson(
            version=version,
            module=module,
            position=position,
            slug=lesson_source.slug,
            title=lesson_source.title,
            body=lesson_source.body,
            minutes=lesson_source.minutes,
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
    report.note(
        course.slug,
        f"version {version.number} ({version.status}) written to {target} "
        f"({len(content['lessons'])} lessons).",
    )
    for hook in EXPORT_HOOKS:
        hook(course, version, target, report)
    return report
