"""Curriculum as files: strict parsing with file and line, idempotent load, new versions, export round
trip."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.content import curriculum as files
from lms.courses import curriculum, services
from lms.courses.curriculum import (
    CurriculumError,
    content_hash,
    load_curriculum,
    parse_course_dir,
    version_content,
)
from lms.courses.models import Course, CourseVersion

COURSE_MD = """---
slug: tiny
title: "Tiny course: one lesson"
summary: A small course for tests.
language: en
type: compliance
modes: [online, social_media]
social_link: https://example.org/channel
audience:
  positions: [legal_representative]
  business_types: [logistics]
topics: [compliance]
tags: [test-tag]
hours: 1.5
prerequisites: []
completion:
  lessons: true
  quizzes: [post-test]
  attendance: false
quizzes:
  - key: post-test
    title: Post-test
    purpose: post_test
    pass_mark: 60
---
The overview.
"""

LESSON_MD = """---
title: First lesson
module: Basics
minutes: 20
---
# First

Text.
"""


def write_course(
    root: Path, slug: str = "tiny", course_md: str = COURSE_MD, lessons: dict | None = None
) -> Path:
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "course.md").write_text(course_md, encoding="utf-8")
    for name, text in (lessons if lessons is not None else {"01-first.md": LESSON_MD}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_parse_a_course(tmp_path):
    source = parse_course_dir(write_course(tmp_path))
    assert source.slug == "tiny"
    assert source.fields["hours"] == 1.5
    assert source.fields["quizzes"] == [
        {"key": "post-test", "title": "Post-test", "purpose": "post_test", "pass_mark": 60}
    ]
    assert [(s.slug, s.title, s.module, s.minutes) for s in source.lessons] == [
        ("first", "First lesson", "Basics", 20)
    ]


def _replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


# (what to change, file, line, words in the message)
BAD_COURSES = [
    (
        "unknown field",
        lambda c: _replace(c, "hours: 1.5", "hours: 1.5\ncolour: blue"),
        "course.md",
        15,
        "unknown field 'colour'",
    ),
    (
        "bad language",
        lambda c: _replace(c, "language: en", "language: fr"),
        "course.md",
        5,
        "'language' must be one of",
    ),
    (
        "bad mode",
        lambda c: _replace(c, "modes: [online, social_media]", "modes: [online, webinar]"),
        "course.md",
        7,
        "'webinar'",
    ),
    (
        "broken yaml",
        lambda c: _replace(c, "topics: [compliance]", "topics: [compliance"),
        "course.md",
        13,
        "started on line 12",
    ),
    ("no front matter", lambda c: c.replace("---\n", "", 1), "course.md", 1, "front matter"),
    (
        "unclosed front matter",
        lambda c: c.replace("---\nThe overview.", "The overview."),
        "course.md",
        26,
        "not closed",
    ),
    ("slug is not the folder", lambda c: _replace(c, "slug: tiny", "slug: other"), "course.md", 2, "folder"),
    (
        "hours not a number",
        lambda c: _replace(c, "hours: 1.5", "hours: lots"),
        "course.md",
        14,
        "'hours' must be",
    ),
    ("hours negative", lambda c: _replace(c, "hours: 1.5", "hours: -2"), "course.md", 14, "'hours' must be"),
    ("hours too precise", lambda c: _replace(c, "hours: 1.5", "hours: 1.25"), "course.md", 14, "decimal"),
    (
        "title not text",
        lambda c: _replace(c, 'title: "Tiny course: one lesson"', "title: yes"),
        "course.md",
        3,
        "must be text",
    ),
    (
        "field twice",
        lambda c: _replace(c, "language: en", "language: en\nlanguage: zh_CN"),
        "course.md",
        6,
        "given twice",
    ),
    (
        "audience unknown key",
        lambda c: _replace(
            c, "  business_types: [logistics]", "  business_types: [logistics]\n  regions: [south]"
        ),
        "course.md",
        12,
        "unknown field 'regions'",
    ),
    (
        "bad position",
        lambda c: _replace(c, "positions: [legal_representative]", "positions: [ceo]"),
        "course.md",
        10,
        "'ceo'",
    ),
    (
        "completion names no quiz",
        lambda c: _replace(c, "quizzes: [post-test]", "quizzes: [final-exam]"),
        "course.md",
        18,
        "'final-exam'",
    ),
    (
        "completion not boolean",
        lambda c: _replace(c, "  lessons: true", "  lessons: maybe"),
        "course.md",
        17,
        "true or false",
    ),
    (
        "quiz unknown field",
        lambda c: _replace(c, "    pass_mark: 60", "    pass_mark: 60\n    colour: red"),
        "course.md",
        25,
        "unknown field 'colour'",
    ),
    (
        "quiz bad purpose",
        lambda c: _replace(c, "purpose: post_test", "purpose: final"),
        "course.md",
        23,
        "'purpose'",
    ),
    (
        "quiz without key",
        lambda c: _replace(c, "  - key: post-test\n    title", "  - title"),
        "course.md",
        21,
        "'key' is required",
    ),
    (
        "social link without the mode",
        lambda c: _replace(c, "modes: [online, social_media]", "modes: [online]"),
        "course.md",
        8,
        "social_media mode only",
    ),
    (
        "missing title",
        lambda c: _replace(c, 'title: "Tiny course: one lesson"\n', ""),
        "course.md",
        1,
        "'title' is required",
    ),
    (
        "unknown prerequisite",
        lambda c: _replace(c, "prerequisites: []", "prerequisites: [no-such-course]"),
        "course.md",
        15,
        "no-such-course",
    ),
    (
        "self prerequisite",
        lambda c: _replace(c, "prerequisites: []", "prerequisites: [tiny]"),
        "course.md",
        15,
        "own prerequisite",
    ),
]


@pytest.mark.parametrize("name, change, filename, line, words", BAD_COURSES, ids=[b[0] for b in BAD_COURSES])
def test_bad_course_file_names_file_and_line_and_loads_nothing(
    db, tmp_path, name, change, filename, line, words
):
    write_course(tmp_path, course_md=change(COURSE_MD))
    write_course(tmp_path, slug="good", course_md=COURSE_MD.replace("slug: tiny", "slug: good"))
    report = load_curriculum(tmp_path)
    db.session.commit()
    assert report.failed == ["tiny"] and report.created == ["good"]
    error = report.errors[0]
    assert error.path.name == filename and error.path.parent.name == "tiny"
    assert error.line == line, str(error)
    assert words in str(error)
    expected_where = f"{tmp_path / 'tiny' / filename}:{line}" if line else str(tmp_path / "tiny" / filename)
    assert expected_where in str(error)
    assert db.session.execute(sa.select(Course.slug)).scalars().all() == ["good"]


BAD_LESSONS = [
    (
        "unknown field",
        {"01-first.md": LESSON_MD.replace("minutes: 20", "minutes: 20\nauthor: me")},
        "01-first.md",
        5,
        "unknown field 'author'",
    ),
    (
        "minutes not whole",
        {"01-first.md": LESSON_MD.replace("minutes: 20", "minutes: 2.5")},
        "01-first.md",
        4,
        "whole number",
    ),
    (
        "no title",
        {"01-first.md": LESSON_MD.replace("title: First lesson\n", "")},
        "01-first.md",
        1,
        "'title' is required",
    ),
    (
        "bad file name",
        {"01-first.md": LESSON_MD, "2-second.md": LESSON_MD},
        "2-second.md",
        None,
        "NN-<lesson-slug>",
    ),
    ("upper case name", {"01-First.md": LESSON_MD}, "01-First.md", None, "NN-<lesson-slug>"),
    (
        "same number",
        {"01-first.md": LESSON_MD, "01-again.md": LESSON_MD},
        "01-first.md",
        None,
        "also used by",
    ),
    ("no lessons", {}, None, None, "no lesson files"),
    ("not utf-8", {"01-first.md": None}, "01-first.md", None, "UTF-8"),
]


@pytest.mark.parametrize("name, lessons, filename, line, words", BAD_LESSONS, ids=[b[0] for b in BAD_LESSONS])
def test_bad_lesson_file_names_file_and_line(db, tmp_path, name, lessons, filename, line, words):
    folder = write_course(tmp_path, lessons={k: v for k, v in lessons.items() if v is not None})
    for k, v in lessons.items():
        if v is None:
            (folder / k).write_bytes("---\ntitle: é\n---\n".encode("latin-1"))
    report = load_curriculum(tmp_path)
    assert report.failed == ["tiny"]
    error = report.errors[0]
    if filename:
        assert error.path.name == filename
    assert error.line == line
    assert words in str(error)
    assert db.session.execute(sa.select(Course)).first() is None


def test_cli_reports_errors_with_file_and_line_and_fails(cli, tmp_path):
    write_course(tmp_path, course_md=COURSE_MD.replace("hours: 1.5", "hours: 1.5\ncolour: blue"))
    result = cli.invoke(args=["content", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'tiny' / 'course.md'}:15: unknown field 'colour'" in result.output
    assert "nothing of this course was changed" in result.output
    missing = cli.invoke(args=["content", "load", str(tmp_path / "nowhere")])
    assert missing.exit_code != 0 and "not a folder" in missing.output


def test_load_is_idempotent_and_a_changed_file_is_a_new_version(db, demo, tmp_path, builder):
    folder = write_course(tmp_path)
    first = load_curriculum(tmp_path)
    db.session.commit()
    assert first.created == ["tiny"]
    course = db.session.execute(sa.select(Course).where(Course.slug == "tiny")).scalar_one()
    v1 = course.published_version
    assert (v1.number, v1.status, v1.origin) == (1, "published", "files")
    assert course.owner_id == demo.user("expert.national").id
    assert v1.quiz_specs == [
        {"key": "post-test", "title": "Post-test", "purpose": "post_test", "pass_mark": 60}
    ]
    assert v1.source_hash == content_hash(version_content(v1))
    assert v1.hours_label == "1.5" and v1.social_link == "https://example.org/channel"
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    services.mark_lesson_complete(trainee, enrollment, v1.lessons[0])
    db.session.commit()

    second = load_curriculum(tmp_path)
    assert second.unchanged == ["tiny"] and not second.changed
    assert second.summary() == "Nothing changed: 1 course(s) already up to date."
    # Whitespace at the ends of the files is not a change.
    (folder / "01-first.md").write_text(LESSON_MD + "\n\n\n", encoding="utf-8")
    assert not load_curriculum(tmp_path).changed

    (folder / "01-first.md").write_text(LESSON_MD.replace("Text.", "Better text."), encoding="utf-8")
    (folder / "02-second.md").write_text(LESSON_MD.replace("First lesson", "Second lesson"), encoding="utf-8")
    third = load_curriculum(tmp_path)
    db.session.commit()
    assert third.updated == ["tiny"]
    assert "version 2 published directly" in "\n".join(third.lines)
    db.session.refresh(course)
    assert course.published_version.number == 2
    assert db.session.get(CourseVersion, v1.id).status == "archived"
    assert [lesson.slug for lesson in course.published_version.lessons] == ["first", "second"]
    assert services.progress_for([enrollment])[enrollment.id].done == 1  # progress kept by lesson slug
    assert load_curriculum(tmp_path).unchanged == ["tiny"]


def test_a_failing_update_leaves_the_course_as_it_was(db, demo, tmp_path):
    folder = write_course(tmp_path)
    load_curriculum(tmp_path)
    db.session.commit()
    (folder / "01-first.md").write_text(LESSON_MD.replace("Text.", "Changed."), encoding="utf-8")
    (folder / "course.md").write_text(COURSE_MD.replace("type: compliance", "type: other"), encoding="utf-8")
    report = load_curriculum(tmp_path)
    db.session.commit()
    assert report.failed == ["tiny"]
    course = db.session.execute(sa.select(Course).where(Course.slug == "tiny")).scalar_one()
    assert [v.number for v in course.versions] == [1]
    assert course.published_version.lessons[0].body.endswith("Text.")


def test_without_expert_national_the_course_has_no_owner(db, tmp_path):
    write_course(tmp_path)
    load_curriculum(tmp_path)
    assert db.session.execute(sa.select(Course)).scalar_one().owner_id is None


def test_loading_one_course_folder(db, tmp_path):
    folder = write_course(tmp_path)
    assert load_curriculum(folder).created == ["tiny"]


def test_archived_course_is_not_reloaded(db, demo, tmp_path):
    folder = write_course(tmp_path)
    load_curriculum(tmp_path)
    course = db.session.execute(sa.select(Course)).scalar_one()
    services.archive_course(demo.user("admin"), course)
    db.session.commit()
    (folder / "01-first.md").write_text(LESSON_MD.replace("Text.", "Changed."), encoding="utf-8")
    report = load_curriculum(tmp_path)
    assert report.skipped == ["tiny"] and [v.number for v in course.versions] == [1]


def test_loader_hooks_run_for_every_course_in_its_transaction(db, demo, tmp_path, monkeypatch):
    calls = []

    def hook(course, version, course_dir, report):
        calls.append((course.slug, version.number, course_dir.name))
        if course.slug == "broken":
            raise CurriculumError(course_dir / "course.md", 2, "the bank has a problem")
        report.note(course.slug, "hook ran")
        return course.slug == "tiny"

    monkeypatch.setattr(curriculum, "LOADER_HOOKS", [hook])
    write_course(tmp_path)
    write_course(tmp_path, slug="broken", course_md=COURSE_MD.replace("slug: tiny", "slug: broken"))
    first = load_curriculum(tmp_path)
    db.session.commit()
    assert sorted(calls) == [("broken", 1, "broken"), ("tiny", 1, "tiny")]
    assert first.failed == ["broken"] and first.created == ["tiny"]
    assert db.session.execute(sa.select(Course.slug)).scalars().all() == ["tiny"]
    calls.clear()
    second = load_curriculum(tmp_path)
    assert ("tiny", 1, "tiny") in calls  # run although the course itself did not change
    assert second.extended == ["tiny"] and second.changed
    assert "tiny: hook ran" in second.lines


def test_shipped_curriculum_loads_and_reloads_without_change(shipped, db, app):
    assert sorted(shipped) == [
        "aeo-standard",
        "certification-procedure",
        "credit-management",
        "mutual-recognition",
        "trade-security-onsite",
    ]
    zh = shipped["certification-procedure"].published_version
    assert zh.language == "zh_CN" and [c.slug for c in zh.prerequisites] == ["credit-management"]
    for course in shipped.values():
        version = course.published_version
        assert 3 <= len(version.lessons) <= 6
        assert version.source_hash == content_hash(version_content(version))
    report = load_curriculum(Path(app.config["COURSES_DIR"]))
    assert not report.changed and len(report.unchanged) == 5


def test_export_then_load_changes_nothing_for_a_browser_course(builder, demo, db, tmp_path):
    course = builder.draft(
        slug="browser-made",
        title="课程：浏览器",
        modes=["online", "social_media"],
        social_link="https://example.org/x",
        hours=1.5,
        tags=["a tag", "b"],
        lessons=3,
        modules=2,
        overview="# 概述\n\nLine with two spaces  \nnext.",
    )
    author = demo.user("expert.national")
    version = course.versions[0]
    services.create_lesson(author, version, {"title": "No module", "slug": "loose", "minutes": 0, "body": ""})
    services.submit_for_review(author, version)
    services.approve(demo.user("admin"), version)
    db.session.commit()
    report = curriculum.export_course(course, tmp_path)
    names = sorted(p.name for p in (tmp_path / "browser-made").iterdir())
    assert names == ["01-loose.md", "02-lesson-1.md", "03-lesson-3.md", "04-lesson-2.md", "course.md"]
    assert len(report.files) == 5
    text = (tmp_path / "browser-made" / "course.md").read_text(encoding="utf-8")
    assert "modes: [online, social_media]" in text and "hours: 1.5" in text
    loaded = load_curriculum(tmp_path)
    assert loaded.unchanged == ["browser-made"], loaded.lines
    # Exporting again over the folder replaces old lesson files.
    (tmp_path / "browser-made" / "09-stale.md").write_text(LESSON_MD, encoding="utf-8")
    curriculum.export_course(course, tmp_path)
    assert not (tmp_path / "browser-made" / "09-stale.md").exists()


def test_export_cli(cli, demo, tmp_path, db):
    write_course(tmp_path / "src")
    load_curriculum(tmp_path / "src")
    db.session.commit()
    result = cli.invoke(args=["content", "export", "tiny", str(tmp_path / "out")])
    assert result.exit_code == 0 and "version 1 (published)" in result.output
    assert (tmp_path / "out" / "tiny" / "01-first.md").is_file()
    assert (
        cli.invoke(args=["content", "load", str(tmp_path / "out")])
        .output.strip()
        .endswith("Nothing changed: 1 course(s) already up to date.")
    )
    unknown = cli.invoke(args=["content", "export", "nope", str(tmp_path / "out")])
    assert unknown.exit_code == 1 and "No course with the slug 'nope'" in unknown.output
    assert cli.invoke(args=["content", "export", "tiny", str(tmp_path), "--version", "7"]).exit_code == 1
    listing = cli.invoke(args=["courses", "list"])
    assert "tiny: v1 published" in listing.output


def test_shipped_export_matches_the_shipped_files(shipped, tmp_path, app):
    """The exporter writes what the loader reads: every shipped course exports to files that parse equal."""
    for slug, course in shipped.items():
        curriculum.export_course(course, tmp_path)
        exported = parse_course_dir(tmp_path / slug)
        original = parse_course_dir(Path(app.config["COURSES_DIR"]) / slug)
        assert exported.content() == original.content()
    shutil.rmtree(tmp_path)


@pytest.mark.parametrize("text", ["", None, "\ufeff# Title\r\n\r\nBody\r\n\n", "\n\nA\rB  \n\n", "x"])
def test_the_parser_and_the_services_normalise_text_alike(text):
    """The files' hash and the stored version's hash are compared: both sides normalise text the same way."""
    assert files.normalise_text(text) == services.normalise_text(text)


@pytest.mark.parametrize("hours", ["1.5", "2", "2.0", "0.1", "10.50", 3])
def test_the_parser_and_the_services_write_hours_alike(hours):
    assert files.hours_text(hours) == services.hours_text(hours)
