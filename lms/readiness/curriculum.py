"""Curriculum tags: ``standard_items:`` in ``courses/<slug>/course.md`` and in lesson files.

In course.md the key holds either a list of item codes the course covers, or a mapping with ``course:`` (that
list) and ``categories:`` (question-bank category → item codes). A lesson file's ``standard_items:`` lists the
codes the lesson covers. Every code is checked against the loaded standards (the shipped ones are loaded first
if none is); an unknown code is a CurriculumError naming the file and line, and nothing of the course loads.
The tags are not part of the course's content hash: re-tagging does not make a new course version.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from yaml.nodes import MappingNode

from lms.extensions import db


def known_item_codes() -> set[str]:
    from lms.readiness.loader import current_versions, ensure_loaded
    from lms.readiness.standards import item_codes

    ensure_loaded()
    codes: set[str] = set()
    for version in current_versions():
        codes.update(item_codes(version.data))
    return codes


def _codes(path: Path, located, known: set[str], what: str) -> list[str]:
    from lms.content.curriculum import CurriculumError, _line_of_item

    value = located.value
    if value is None:
        return []
    if not isinstance(value, list):
        raise CurriculumError(
            path, located.line, f"'{what}' must be a list of standard item codes, like [IC-01, TS-03]"
        )
    out = []
    for index, code in enumerate(value):
        line = _line_of_item(located, index, 2)
        if not isinstance(code, str) or code not in known:
            raise CurriculumError(
                path, line, f"'{what}' has {code!r}, which is not an item of the loaded standards"
            )
        if code not in out:
            out.append(code)
    return out


def tags_from_files(course_dir: Path) -> set[tuple[str, str, str]]:
    """{(lesson slug or '', category or '', item code)} read and checked from a course folder."""
    from lms.content.curriculum import (
        COURSE_FILE,
        LESSON_FILE_RE,
        CurriculumError,
        Located,
        read_front_matter,
    )

    course_file = course_dir / COURSE_FILE
    fields, _ = read_front_matter(course_file)
    located = fields.get("standard_items")
    tags: set[tuple[str, str, str]] = set()
    known: set[str] | None = None
    if located is not None and located.value is not None:
        known = known_item_codes()
        if isinstance(located.node, MappingNode):
            sub = {k.value: (k, v) for k, v in located.node.value}
            for key in sub:
                if key not in ("course", "categories"):
                    raise CurriculumError(
                        course_file,
                        2 + sub[key][0].start_mark.line,
                        f"unknown field 'standard_items.{key}' (known fields: course, categories)",
                    )
            if "course" in sub:
                key_node, value_node = sub["course"]
                inner = Located(located.value.get("course"), 2 + key_node.start_mark.line, value_node)
                tags.update(("", "", c) for c in _codes(course_file, inner, known, "standard_items.course"))
            if "categories" in sub:
                key_node, value_node = sub["categories"]
                if not isinstance(value_node, MappingNode):
                    raise CurriculumError(
                        course_file,
                        2 + key_node.start_mark.line,
                        "'standard_items.categories' maps question-bank categories to item codes",
                    )
                for cat_key, cat_value in value_node.value:
                    category = str(cat_key.value).strip()
                    inner = Located(
                        located.value["categories"].get(cat_key.value), 2 + cat_key.start_mark.line, cat_value
                    )
                    tags.update(
                        ("", category, c)
                        for c in _codes(course_file, inner, known, f"standard_items.categories.{category}")
                    )
        else:
            tags.update(("", "", c) for c in _codes(course_file, located, known, "standard_items"))
    for lesson_path in sorted(course_dir.glob("*.md")):
        match = LESSON_FILE_RE.match(lesson_path.name)
        if not match:
            continue
        lesson_fields, _ = read_front_matter(lesson_path)
        lesson_located = lesson_fields.get("standard_items")
        if lesson_located is None or lesson_located.value is None:
            continue
        if known is None:
            known = known_item_codes()
        tags.update(
            (match.group(2), "", c) for c in _codes(lesson_path, lesson_located, known, "standard_items")
        )
    return tags


def sync_course_tags(course, version, course_dir, report=None) -> bool:
    """Loader hook: make the course's tags those of its files. True if they changed."""
    from lms.readiness.models import CurriculumTag

    if course_dir is None:
        return False
    wanted = tags_from_files(Path(course_dir))
    existing = {
        (t.lesson_slug, t.category, t.item_code): t
        for t in db.session.execute(
            sa.select(CurriculumTag).where(CurriculumTag.course_id == course.id)
        ).scalars()
    }
    if set(existing) == wanted:
        return False
    for key, tag in existing.items():
        if key not in wanted:
            db.session.delete(tag)
    for lesson_slug, category, code in sorted(wanted - set(existing)):
        db.session.add(
            CurriculumTag(course=course, lesson_slug=lesson_slug, category=category, item_code=code)
        )
    db.session.flush()
    if report is not None and hasattr(report, "note"):
        report.note(course.slug, f"standard item tags updated ({len(wanted)} in all).")
    return True


def _insert_front_matter(path: Path, block: str) -> None:
    """Add ``block`` (YAML lines) at the end of a file's front matter."""
    lines = path.read_text(encoding="utf-8").split("\n")
    close = next(i for i, line in enumerate(lines) if i > 0 and line.strip() == "---")
    lines[close:close] = block.rstrip("\n").split("\n")
    path.write_text("\n".join(lines), encoding="utf-8")


def _inline(codes) -> str:
    return "[" + ", ".join(sorted(codes)) + "]"


def export_course_tags(course, version, target, report=None) -> None:
    """Export hook: write the course's tags back, so that loading an export changes nothing."""
    from lms.content.curriculum import COURSE_FILE, LESSON_FILE_RE
    from lms.readiness.models import CurriculumTag

    tags = (
        db.session.execute(sa.select(CurriculumTag).where(CurriculumTag.course_id == course.id))
        .scalars()
        .all()
    )
    if not tags:
        return
    target = Path(target)
    course_codes = [t.item_code for t in tags if not t.lesson_slug and not t.category]
    categories: dict[str, list[str]] = {}
    for t in tags:
        if t.category:
            categories.setdefault(t.category, []).append(t.item_code)
    if categories:
        block = (
            "standard_items:\n  course: "
            + _inline(course_codes)
            + "\n  categories:\n"
            + "\n".join(f"    {name}: {_inline(codes)}" for name, codes in sorted(categories.items()))
        )
        _insert_front_matter(target / COURSE_FILE, block)
    elif course_codes:
        _insert_front_matter(target / COURSE_FILE, "standard_items: " + _inline(course_codes))
    by_lesson: dict[str, list[str]] = {}
    for t in tags:
        if t.lesson_slug:
            by_lesson.setdefault(t.lesson_slug, []).append(t.item_code)
    for path in target.glob("*.md"):
        match = LESSON_FILE_RE.match(path.name)
        if match and match.group(2) in by_lesson:
            _insert_front_matter(path, "standard_items: " + _inline(by_lesson[match.group(2)]))


def register() -> None:
    """Add the hooks to the curriculum loader and exporter (once), ahead of the other areas' hooks: the
    standard items are synced first, as they always were."""
    from lms.courses.curriculum import EXPORT_HOOKS, LOADER_HOOKS

    if sync_course_tags not in LOADER_HOOKS:
        LOADER_HOOKS.insert(0, sync_course_tags)
    if export_course_tags not in EXPORT_HOOKS:
        EXPORT_HOOKS.insert(0, export_course_tags)
