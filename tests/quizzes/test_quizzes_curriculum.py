"""`content load` with the quiz hook: shipped banks, pre/post tests from course.md, idempotent."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses.curriculum import LOADER_HOOKS, load_curriculum
from lms.courses.models import Course
from lms.quizzes.curriculum import load_course_quizzes
from lms.quizzes.models import Question, Quiz

ROOT = Path(__file__).resolve().parents[2]


def test_hook_is_registered():
    assert load_course_quizzes in LOADER_HOOKS


def test_shipped_curriculum_loads_banks_and_pre_post_tests(db, app):
    report = load_curriculum(Path(app.config["COURSES_DIR"]))
    db.session.commit()
    assert not report.failed, report.lines
    courses = db.session.execute(sa.select(Course)).scalars().all()
    primary_banks = [path for path in (ROOT / "quizzes").glob("*.gift") if "." not in path.stem]
    assert len(courses) == len(primary_banks)
    for course in courses:
        questions = (
            db.session.execute(sa.select(Question).where(Question.course_id == course.id)).scalars().all()
        )
        assert len(questions) >= 12, course.slug
        assert all(q.tag_rows for q in questions)  # each tagged with the AEO modules it tests (its tag line)
        quizzes = {
            q.key: q for q in db.session.execute(sa.select(Quiz).where(Quiz.course_id == course.id)).scalars()
        }
        assert {"pre-test", "post-test"} <= set(quizzes), course.slug
        assert quizzes["pre-test"].purpose == "pre_test" and quizzes["post-test"].purpose == "post_test"
        assert quizzes["pre-test"].draw_category == "core" and quizzes["pre-test"].from_spec

    again = load_curriculum(Path(app.config["COURSES_DIR"]))
    assert not again.changed and not again.extended, again.lines


@pytest.fixture
def copied(tmp_path, app, monkeypatch):
    courses = tmp_path / "courses"
    quizzes = tmp_path / "quizzes"
    courses.mkdir()
    quizzes.mkdir()
    shutil.copytree(ROOT / "courses" / "credit-management", courses / "credit-management")
    shutil.copy(ROOT / "quizzes" / "credit-management.gift", quizzes / "credit-management.gift")
    # The course has a zh_CN variant, so its bank has one too.
    shutil.copy(ROOT / "quizzes" / "credit-management.zh_CN.gift", quizzes / "credit-management.zh_CN.gift")
    monkeypatch.setitem(app.config, "QUIZZES_DIR", str(quizzes))
    return courses, quizzes


def test_changed_bank_or_quiz_entry_is_applied(db, copied):
    courses, quizzes = copied
    assert load_curriculum(courses).created == ["credit-management"]
    db.session.commit()

    bank = quizzes / "credit-management.gift"
    bank.write_text(
        bank.read_text(encoding="utf-8").replace("=Article 5#Correct.", "=Article 5#Right."), encoding="utf-8"
    )
    report = load_curriculum(courses)
    assert report.extended == ["credit-management"]
    db.session.commit()

    course_md = courses / "credit-management" / "course.md"
    course_md.write_text(
        course_md.read_text(encoding="utf-8").replace("pass_mark: 60", "pass_mark: 70"), encoding="utf-8"
    )
    report = load_curriculum(courses)
    assert report.updated == ["credit-management"]
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.key == "post-test")).scalar_one()
    assert quiz.pass_mark == Decimal(70)
    db.session.commit()
    assert not load_curriculum(courses).changed


def test_settings_changed_in_the_browser_survive_an_unchanged_reload(db, copied):
    courses, _quizzes = copied
    load_curriculum(courses)
    quiz = db.session.execute(sa.select(Quiz).where(Quiz.key == "pre-test")).scalar_one()
    quiz.time_limit_minutes = 25
    db.session.commit()
    assert not load_curriculum(courses).changed
    assert (
        db.session.execute(sa.select(Quiz.time_limit_minutes).where(Quiz.key == "pre-test")).scalar_one()
        == 25
    )


def test_a_broken_bank_stops_that_course_with_the_line(db, copied):
    courses, quizzes = copied
    bank = quizzes / "credit-management.gift"
    lines = bank.read_text(encoding="utf-8").splitlines()
    target = next(i for i, line in enumerate(lines) if line.startswith("::CM05"))
    lines[target] = lines[target].replace("{T#", "{=T ~#")  # not a valid answer block any more
    bank.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_curriculum(courses)
    assert report.failed == ["credit-management"]
    message = str(report.errors[0])
    assert "credit-management.gift" in message and f"line {target + 1}" in message
    assert db.session.execute(sa.select(sa.func.count(Course.id))).scalar_one() == 0
