"""Curriculum tags: ``standard_items:`` in the course files, checked against the loaded standards at load."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa

from lms.courses.models import Course
from lms.readiness.models import CurriculumTag

COURSES = Path(__file__).resolve().parents[2] / "courses"


def _copy(tmp_path, slug: str) -> Path:
    target = tmp_path / "courses" / slug
    shutil.copytree(COURSES / slug, target, ignore=shutil.ignore_patterns("en", "zh_CN"))
    return target


def test_every_shipped_course_is_tagged(cli, db, demo):
    result = cli.invoke(args=["content", "load", str(COURSES)])
    assert result.exit_code == 0, result.output
    tagged = set(
        db.session.execute(
            sa.select(Course.slug).join(CurriculumTag, CurriculumTag.course_id == Course.id).distinct()
        ).scalars()
    )
    slugs = {p.name for p in COURSES.iterdir() if (p / "course.md").is_file()}
    assert tagged == slugs
    # Lessons and question-bank categories carry their own tags.
    lesson_tags = db.session.execute(
        sa.select(CurriculumTag.lesson_slug, CurriculumTag.item_code).where(CurriculumTag.lesson_slug != "")
    ).all()
    assert ("cargo-containers-and-seals", "TS-03") in lesson_tags
    assert (
        db.session.execute(sa.select(CurriculumTag.item_code).where(CurriculumTag.category == "core"))
        .scalars()
        .all()
    )
    again = cli.invoke(args=["content", "load", str(COURSES)])
    assert "Nothing changed" in again.output


def test_an_unknown_item_code_names_file_and_line_and_loads_nothing_of_the_course(cli, db, demo, tmp_path):
    folder = _copy(tmp_path, "credit-management")
    course_file = folder / "course.md"
    text = course_file.read_text(encoding="utf-8").replace(
        "standard_items: [CP-01, CP-03, CP-04, CP-05]", "standard_items: [CP-01, ZZ-99]"
    )
    course_file.write_text(text, encoding="utf-8")
    line = text.split("\n").index("standard_items: [CP-01, ZZ-99]") + 1
    result = cli.invoke(args=["content", "load", str(tmp_path / "courses")])
    assert (
        f"course.md:{line}: 'standard_items' has 'ZZ-99', which is not an item of the loaded standards"
        in result.output
    )
    assert db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(CurriculumTag)).scalar_one() == 0


def test_an_unknown_code_in_a_lesson_file_is_named_too(cli, db, demo, tmp_path):
    folder = _copy(tmp_path, "trade-security-onsite")
    lesson = folder / "03-cargo-containers-and-seals.md"
    lesson.write_text(
        lesson.read_text(encoding="utf-8").replace("standard_items: [TS-03]", "standard_items: [TS-3]"),
        encoding="utf-8",
    )
    result = cli.invoke(args=["content", "load", str(tmp_path / "courses")])
    assert "03-cargo-containers-and-seals.md:" in result.output and "'TS-3'" in result.output
    assert db.session.execute(sa.select(sa.func.count()).select_from(Course)).scalar_one() == 0


def test_retagging_changes_tags_not_the_course_version(cli, db, demo, tmp_path):
    folder = _copy(tmp_path, "mutual-recognition")
    assert cli.invoke(args=["content", "load", str(tmp_path / "courses")]).exit_code == 0
    course_file = folder / "course.md"
    course_file.write_text(
        course_file.read_text(encoding="utf-8").replace(
            "standard_items: [TS-05, AD-01]", "standard_items: [TS-05]"
        ),
        encoding="utf-8",
    )
    result = cli.invoke(args=["content", "load", str(tmp_path / "courses")])
    assert "standard item tags updated" in result.output
    course = db.session.execute(sa.select(Course)).scalar_one()
    assert len(course.versions) == 1
    codes = set(
        db.session.execute(
            sa.select(CurriculumTag.item_code).where(CurriculumTag.lesson_slug == "")
        ).scalars()
    )
    assert codes == {"TS-05"}


def test_an_export_keeps_the_tags(cli, db, demo, tmp_path):
    _copy(tmp_path, "credit-management")
    _copy(tmp_path, "aeo-standard")  # needs credit-management first
    assert cli.invoke(args=["content", "load", str(tmp_path / "courses")]).exit_code == 0
    out = tmp_path / "export"
    exported = cli.invoke(args=["content", "export", "aeo-standard", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "standard_items:" in (out / "aeo-standard" / "course.md").read_text(encoding="utf-8")
    again = cli.invoke(args=["content", "load", str(out)])
    assert "Nothing changed" in again.output, again.output
