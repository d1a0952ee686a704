"""The curriculum as files: ``courses/<slug>/course.md`` and ``courses/<slug>/NN-<lesson>.md``, parsed.

:func:`parse_course_dir` reads one folder and validates it strictly: an unknown field or a bad value is a
:class:`CurriculumError` naming the file and the line. The values a field may take (languages, training types,
modes, topics, audiences) are given by the caller as a :class:`Vocabulary`: this module knows no area.
:meth:`CourseSource.content` is the normalised content whose hash tells whether a course changed.

Loading into the database and exporting from it are the courses area's (:mod:`lms.courses.curriculum`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

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
# A language variant (courses/<slug>/<locale>/) translates the texts only; everything else is the course's.
VARIANT_COURSE_FIELDS = ("title", "summary", "quizzes")
VARIANT_QUIZ_FIELDS = ("key", "title")
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


@dataclass(frozen=True)
class Vocabulary:
    """The values course.md may use, each a collection of codes: given by the area that loads the files."""

    languages: Collection[str]
    training_types: Collection[str]
    modes: Collection[str]
    topics: Collection[str]
    positions: Collection[str]
    business_types: Collection[str]


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


# -- text helpers (text stored from a browser is normalised alike: tests/courses checks it) -------------


def normalise_text(text: str | None) -> str:
    """One form for Markdown text from files and browsers: LF line ends, no blank lines around it."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text.strip("\n").rstrip()


def hours_text(hours) -> str:
    value = Decimal(str(hours))
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


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
class VariantSource:
    """The course in another language: ``courses/<slug>/<locale>/``, lesson files named as the course's."""

    locale: str
    directory: Path
    title: str
    summary: str
    overview: str
    quiz_titles: dict[str, str]
    lessons: dict[str, LessonSource]  # by lesson slug

    def content(self, lesson_order: list[str]) -> dict:
        return {
            "title": self.title,
            "summary": self.summary,
            "overview": self.overview,
            "quizzes": dict(sorted(self.quiz_titles.items())),
            "lessons": [
                {
                    "slug": slug,
                    "title": self.lessons[slug].title,
                    "module": self.lessons[slug].module,
                    "body": self.lessons[slug].body,
                }
                for slug in lesson_order
            ],
        }


@dataclass
class CourseSource:
    slug: str
    directory: Path
    fields: dict
    overview: str
    lessons: list[LessonSource]
    prerequisites_line: int = 1
    variants: dict[str, VariantSource] = field(default_factory=dict)

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
            "variants": {
                locale: variant.content([s.slug for s in self.lessons])
                for locale, variant in sorted(self.variants.items())
            },
        }

    def content_hash(self) -> str:
        return content_hash(self.content())


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


def parse_course_file(path: Path, folder_slug: str, vocabulary: Vocabulary) -> tuple[dict, str, int]:
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
        "language": check.choice("language", vocabulary.languages),
        "type": check.choice("type", vocabulary.training_types),
        "modes": check.choices("modes", vocabulary.modes, required=True),
        "topics": check.choices("topics", vocabulary.topics),
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
        for name, allowed in (
            ("positions", vocabulary.positions),
            ("business_types", vocabulary.business_types),
        ):
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


def parse_course_dir(directory: Path, vocabulary: Vocabulary) -> CourseSource:
    """Read and validate one course folder; raise CurriculumError on the first problem."""
    directory = Path(directory)
    course_file = directory / COURSE_FILE
    if not course_file.is_file():
        raise CurriculumError(course_file, None, "missing: every course folder has a course.md")
    fields, overview, prerequisites_line = parse_course_file(course_file, directory.name, vocabulary)
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
    variants = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if not path.is_dir() or path.name not in vocabulary.languages:
            continue
        if path.name == fields["language"]:
            raise CurriculumError(
                path,
                None,
                f"the course is written in {path.name} (course.md 'language'); a variant folder is for "
                "another language",
            )
        variants[path.name] = parse_variant_dir(path, fields, ordered)
    return CourseSource(
        slug=fields["slug"],
        directory=directory,
        fields=fields,
        overview=overview,
        lessons=ordered,
        prerequisites_line=prerequisites_line,
        variants=variants,
    )


def parse_variant_dir(directory: Path, fields: dict, lessons: list[LessonSource]) -> VariantSource:
    """Read ``courses/<slug>/<locale>/``: a course.md with the translated title, summary, quiz titles and
    overview, and one file per lesson with the same file name as the course's. A lesson or quiz one side has
    and the other lacks is an error naming the file and line."""
    locale = directory.name
    course_file = directory / COURSE_FILE
    if not course_file.is_file():
        raise CurriculumError(course_file, None, f"missing: the {locale} variant needs a course.md")
    found, body = read_front_matter(course_file)
    check = _Checker(course_file, found, VARIANT_COURSE_FIELDS)
    title = check.text("title", required=True)
    summary = check.text("summary", max_length=2000)
    if fields["summary"] and not summary:
        check.fail(
            found.get("summary") or 1,
            f"'summary' is missing: the course has one, so the {locale} variant needs it too",
        )
    quiz_titles = _variant_quiz_titles(course_file, found, check, fields, locale)
    variant_lessons = _variant_lessons(directory, lessons)
    modules: dict[str, str] = {}
    for primary in lessons:
        _check_variant_lesson(primary, variant_lessons.get(primary.slug), directory, modules)
    return VariantSource(
        locale=locale,
        directory=directory,
        title=title,
        summary=summary,
        overview=normalise_text(body),
        quiz_titles=quiz_titles,
        lessons=variant_lessons,
    )


def _variant_quiz_titles(
    course_file: Path, found: dict, check: _Checker, fields: dict, locale: str
) -> dict[str, str]:
    """The variant's title for each of the course's quizzes, every one of them and no other."""
    keys = [q["key"] for q in fields["quizzes"]]
    quiz_titles: dict[str, str] = {}
    quizzes_line = found["quizzes"].line if "quizzes" in found else 1
    if "quizzes" in found and found["quizzes"].value is not None:
        located = found["quizzes"]
        if not isinstance(located.value, list) or not isinstance(located.node, SequenceNode):
            check.fail(located, "'quizzes' must be a list of '- key: …' and 'title: …' pairs")
        for index, item_node in enumerate(located.node.value):
            item = Located(located.value[index], _line_of_item(located, index, 2), item_node)
            if not isinstance(item.value, dict):
                check.fail(item, "each quiz must be a set of 'field: value' lines")
            sub = _sub_mapping(course_file, item, "quizzes")
            inner = _Checker(course_file, sub, VARIANT_QUIZ_FIELDS, anchor=item.line)
            key_located = inner.required("key")
            key = inner.text("key", required=True, max_length=40)
            if key not in keys:
                inner.fail(
                    key_located,
                    f"quiz {key!r} is not one of the course's quizzes ({', '.join(keys) or 'none'})",
                )
            if key in quiz_titles:
                inner.fail(key_located, f"quiz key {key!r} is given twice")
            quiz_titles[key] = inner.text("title", required=True)
    for key in keys:
        if key not in quiz_titles:
            raise CurriculumError(
                course_file,
                quizzes_line,
                f"quiz {key!r} has no {locale} title (add '- key: {key}' and 'title:')",
            )
    return quiz_titles


def _variant_lessons(directory: Path, lessons: list[LessonSource]) -> dict[str, LessonSource]:
    """The variant's lesson files, each named as one of the course's lessons; by lesson slug."""
    by_name = {lesson.path.name: lesson for lesson in lessons}
    variant_lessons: dict[str, LessonSource] = {}
    for path in sorted(directory.iterdir(), key=lambda p: p.name):
        if path.name == COURSE_FILE or path.name.startswith(".") or path.suffix.lower() != ".md":
            continue
        primary = by_name.get(path.name)
        if primary is None:
            raise CurriculumError(
                path,
                1,
                f"the course has no lesson file {path.name}: a variant translates the course's lessons, "
                "with the same file names",
            )
        lesson = parse_lesson_file(path, primary.slug)
        variant_lessons[primary.slug] = lesson
    return variant_lessons


def _check_variant_lesson(
    primary: LessonSource, lesson: LessonSource | None, directory: Path, modules: dict[str, str]
) -> None:
    """One lesson of the variant against the course's: present, same minutes, its module named one way."""
    locale = directory.name
    if lesson is None:
        raise CurriculumError(
            primary.path,
            1,
            f"lesson {primary.path.name} has no {locale} variant: {directory / primary.path.name} is missing",
        )
    fields_of, _body = read_front_matter(lesson.path)
    if "minutes" in fields_of and lesson.minutes != primary.minutes:
        raise CurriculumError(
            lesson.path,
            fields_of["minutes"].line,
            f"'minutes' is {lesson.minutes} here but {primary.minutes} in {primary.path.name}: "
            "leave it out (the time is the lesson's, not the language's)",
        )
    line = fields_of["module"].line if "module" in fields_of else 1
    if primary.module and not lesson.module:
        raise CurriculumError(
            lesson.path, line, f"'module' is missing: the lesson is in module {primary.module!r}"
        )
    if not primary.module and lesson.module:
        raise CurriculumError(lesson.path, line, "'module' is given but the course's lesson has no module")
    if primary.module:
        known = modules.setdefault(primary.module, lesson.module)
        if known != lesson.module:
            raise CurriculumError(
                lesson.path,
                line,
                f"module {lesson.module!r}: the other lessons of module {primary.module!r} call it {known!r}",
            )
        if list(modules.values()).count(lesson.module) > 1:
            raise CurriculumError(
                lesson.path,
                line,
                f"module {lesson.module!r} translates two different modules of the course",
            )
