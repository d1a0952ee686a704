"""GIFT import and export: the CLI (counts, problems with lines, dry run), round trips, the browser import."""

from __future__ import annotations

import gc
import hashlib
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.content.gift import parse_gift
from lms.errors import InvalidInput
from lms.quizzes import bank
from lms.quizzes.bank import (
    CONTENT_JSON,
    QuestionContent,
    _gift_content,
    apply_import,
    create_question,
    export_gift,
    import_gift,
    plan_import,
)
from lms.quizzes.models import Question, QuestionVersion

ROOT = Path(__file__).resolve().parents[2]
MOODLE_EXAMPLES = ROOT / "tests" / "content" / "data" / "moodle_gift_examples.gift"

GOOD = """// a small bank
$CATEGORY: core

::TF1::Decree 282 applies from 1 April 2026.{T}

::SC1::[markdown]Which article of **Decree 251**?{=Article 5 ~Article 1 ~Article 12}

::MR1::Which are Decree 251 categories?{
~%50%Advanced certified enterprise
~%50%Discredited enterprise
~%-100%Seriously discredited enterprise
}

::SA1::Replacing decree number?{=282 =Decree 282}

::NU1::How many levels in Decree 282?{#5:0}

::MA1::Match.{=Decree 251 -> 2021 =Decree 282 -> 2026}

$CATEGORY: reflection

::ES1::Describe your plan.{}
"""

BROKEN = """$CATEGORY: core

::TF1::Decree 282 applies from 1 April 2026.{T}

::SC1::Which article?{=Article 5 ~Article 1

::MR1::Which are categories?{
~%50%Advanced certified enterprise
~%30%Discredited enterprise
~%-100%Seriously discredited enterprise
}

::SA2::Fine?{=yes}
"""


def _questions(db, course):
    return db.session.execute(sa.select(Question).where(Question.course_id == course.id)).scalars().all()


@pytest.fixture
def course(kit, db):
    course = kit.course(slug="gift-course")
    db.session.commit()
    return course


def _write(tmp_path, text, name="bank.gift"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_cli_import_counts_questions_per_type(cli, db, course, tmp_path):
    result = cli.invoke(args=["quizzes", "import", _write(tmp_path, GOOD), "--course", "gift-course"])
    assert result.exit_code == 0, result.output
    for line in (
        "essay: 1",
        "matching: 1",
        "multiple_response: 1",
        "numerical: 1",
        "short_answer: 1",
        "single_choice: 1",
        "true_false: 1",
        "total: 7",
        "imported: 7 new",
    ):
        assert line in result.output
    questions = _questions(db, course)
    assert len(questions) == 7
    assert {q.category for q in questions} == {"core", "reflection"}


def test_cli_import_with_problems_prints_lines_and_imports_nothing(cli, db, course, tmp_path):
    result = cli.invoke(args=["quizzes", "import", _write(tmp_path, BROKEN), "--course", "gift-course"])
    assert result.exit_code != 0
    assert "line 5:" in result.stderr  # the unclosed answer block
    assert "line 7:" in result.stderr  # weights adding up to 80%
    assert "nothing was imported" in result.stderr
    assert _questions(db, course) == []


def test_cli_dry_run_imports_nothing(cli, db, course, tmp_path):
    result = cli.invoke(
        args=["quizzes", "import", _write(tmp_path, GOOD), "--course", "gift-course", "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "total: 7" in result.output and "dry run: 7 new" in result.output
    assert _questions(db, course) == []


def test_cli_unknown_course_and_bad_encoding(cli, db, course, tmp_path):
    assert cli.invoke(args=["quizzes", "import", _write(tmp_path, GOOD), "--course", "nope"]).exit_code != 0
    path = tmp_path / "latin1.gift"
    path.write_bytes("::Q::Caf\xe9?{T}".encode("latin-1"))
    result = cli.invoke(args=["quizzes", "import", str(path), "--course", "gift-course"])
    assert result.exit_code != 0 and "UTF-8" in result.output


def test_import_again_changes_nothing_and_a_change_makes_a_version(cli, db, kit, course, tmp_path):
    path = _write(tmp_path, GOOD)
    cli.invoke(args=["quizzes", "import", path, "--course", "gift-course"])
    again = cli.invoke(args=["quizzes", "import", path, "--course", "gift-course"])
    assert "0 new, 0 changed, 7 unchanged" in again.output
    assert len(_questions(db, course)) == 7

    # the question is shown in an attempt, then its text changes: a new version, the old one kept
    trainee = kit.trainee()
    kit.enrol(trainee, course)
    quiz = kit.quiz(course, draw_category="core")
    kit.take(trainee, quiz)
    db.session.commit()
    changed = GOOD.replace("{T}", "{F}")
    result = cli.invoke(
        args=["quizzes", "import", _write(tmp_path, changed, "b2.gift"), "--course", "gift-course"]
    )
    assert "0 new, 1 changed, 6 unchanged" in result.output
    question = db.session.execute(sa.select(Question).where(Question.name == "TF1")).scalar_one()
    versions = (
        db.session.execute(
            sa.select(QuestionVersion)
            .where(QuestionVersion.question_id == question.id)
            .order_by(QuestionVersion.number)
        )
        .scalars()
        .all()
    )
    assert [v.data["answer"] for v in versions] == [True, False]


def test_export_prints_gift_that_imports_to_the_same_questions(cli, db, course, kit, tmp_path):
    cli.invoke(args=["quizzes", "import", _write(tmp_path, GOOD), "--course", "gift-course"])
    exported = cli.invoke(args=["quizzes", "export", "--course", "gift-course"])
    assert exported.exit_code == 0
    assert "$CATEGORY: core" in exported.output and "::MR1::" in exported.output

    # into the same bank: nothing new, nothing changed
    report = import_gift(None, course, exported.output)
    assert report.ok and report.count("unchanged") == 7
    # into an empty bank: the same questions, so its export is identical
    other = kit.course(slug="copy")
    assert import_gift(None, other, exported.output).count("create") == 7
    assert export_gift(other) == exported.output


def _bank_rows(db, course):
    """Every question of the bank with its current version and tags, in id order, without ids and times."""
    rows = db.session.execute(
        sa.select(Question, QuestionVersion)
        .join(QuestionVersion, QuestionVersion.id == Question.current_version_id)
        .where(Question.course_id == course.id)
        .order_by(Question.id)
    ).all()
    return [
        (
            (q.category, q.name, q.qtype, q.default_mark, q.archived, q.created_by_id, sorted(q.tags)),
            (v.question_id == q.id, v.number, v.qtype, v.stem, v.stem_format, v.data, v.general_feedback),
            (v.content_hash, v.created_by_id, len(q.versions)),
        )
        for q, v in rows
    ]


TAGGED = (
    GOOD.replace("::TF1::", "// [tag:Decrees] [tag:dates]\n::TF1::")
    + "\n$CATEGORY: core\n\nText between questions, no answer block.\n\n"
    + "::SC1::Same name again?{=yes ~no}\n\nNo name here?{=ok ~ko}\n"
)


def _create_each(db, author, course, text, extra_tags=()):
    """Each question of a GIFT ``text`` created one by one in ``course``, as the editor would; then everything
    is read back from the database."""
    for item in plan_import(course, text).items:
        create_question(
            author,
            course,
            content=_gift_content(item.question),
            name=item.name,
            category=item.question.category,
            tags=[*item.question.tags, *extra_tags],
        )
    db.session.flush()
    db.session.expire_all()


@pytest.mark.parametrize("staged", [True, False], ids=["staged", "unstaged"])
def test_import_writes_the_rows_that_creating_each_question_writes(db, kit, monkeypatch, staged):
    """``unstaged``: a PostgreSQL role that may not create temporary tables writes by the any-database path."""
    if not staged:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("only PostgreSQL stages the new questions")
        monkeypatch.setattr(bank, "_SEQUENCES", sa.text("SELECT false, NULL::bigint, NULL::bigint"))
    author = kit.trainee()
    bulk, single = kit.course(slug="bulk"), kit.course(slug="single")
    report = import_gift(author, bulk, TAGGED, tags_for_new=["Imported"])
    assert report.ok and report.count("create") == 10
    _create_each(db, author, single, TAGGED, extra_tags=["Imported"])
    rows = _bank_rows(db, bulk)
    assert rows == _bank_rows(db, single)
    # in file order (the bank's creation order), with the names and tags the file gives
    assert [row[0][1] for row in rows][-3:] == [
        "Text between questions, no answer block.",
        "SC1 (2)",
        "No name here?",
    ]
    assert rows[0][0][1] == "TF1" and rows[0][0][6] == ["dates", "decrees", "imported"]
    assert {row[1][2] for row in rows} == {
        "true_false",
        "single_choice",
        "multiple_response",
        "short_answer",
        "numerical",
        "matching",
        "essay",
        "description",
    }


def test_import_without_tags_writes_the_rows_that_creating_each_question_writes(db, kit):
    """A file without tags (PostgreSQL's statement then has no tag part), imported twice in one transaction
    (into two banks: what the import stages on the way is gone when it ends)."""
    author = kit.trainee()
    bulk, again, single = kit.course(slug="bulk"), kit.course(slug="again"), kit.course(slug="single")
    assert import_gift(author, bulk, GOOD).count("create") == 7
    assert import_gift(author, again, GOOD).count("create") == 7
    _create_each(db, author, single, GOOD)
    rows = _bank_rows(db, bulk)
    assert rows == _bank_rows(db, single) == _bank_rows(db, again)
    assert [row[0][1] for row in rows] == ["TF1", "SC1", "MR1", "SA1", "NU1", "MA1", "ES1"]
    assert all(row[0][6] == [] for row in rows)


def test_content_hash_is_the_sha256_of_the_contents_sorted_json():
    """Every stored version carries its hash: the text hashed stays json.dumps of the five fields."""
    choices = [
        {"id": k, "text": t, "feedback": "", "fraction": f}
        for k, t, f in (
            ("a", "Certificate of origin", "1"),
            ("b", "Invoice", "0"),
            ("c", "Bill of lading", "0"),
        )
    ]
    contents = [
        QuestionContent("single_choice", "Which document proves origin (0)?", "moodle", {"choices": choices}),
        QuestionContent("essay"),
        QuestionContent(
            "numerical",
            'Ünïcode “stem” \\ "quoted"\n\t\u2028',
            "markdown",
            {"z": [1, 2.5, True, None, {"b": Decimal("0.50"), "a": "日本"}], "answers": []},
            "feedback </script> \x7f",
        ),
    ]
    for content in contents:
        body = json.dumps(
            {
                "qtype": content.qtype,
                "stem": content.stem,
                "stem_format": content.stem_format,
                "data": content.data,
                "general_feedback": content.general_feedback,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
            default=str,
        )
        expected = hashlib.sha256(body.encode("utf-8")).hexdigest()
        assert content.hash() == content.hash(CONTENT_JSON.encode(content.data)) == expected
    # as an import of the benchmark's first question stored it before
    assert contents[0].hash() == "0ef67cb3f5f8eb4fe8567726e04f542469134fac9c8c6d83d7f42c469fc41da1"


def _statements_bank(n: int, answer: str, tag: str) -> str:
    questions = [f"// [tag:{tag}]\n::Q{k}::Statement {k}.{{{answer}}}" for k in range(n)]
    return "$CATEGORY: core\n\n" + "\n\n".join(questions) + "\n"


def _import_statements(db, kit, count_queries, n: int) -> tuple[int, int]:
    course = kit.course()
    db.session.flush()
    with count_queries() as created:
        assert import_gift(None, course, _statements_bank(n, "T", "one")).count("create") == n
    with count_queries() as changed:
        report = import_gift(None, course, _statements_bank(n, "F", "two"))
        assert report.count("update") == n and report.retagged == n
    return created.count, changed.count


def test_import_statements_do_not_grow_with_the_file(db, kit, count_queries):
    """New questions, changed ones and their tags are written without a statement or flush per question."""
    assert _import_statements(db, kit, count_queries, 3) == _import_statements(db, kit, count_queries, 12)


def test_import_turns_the_cycle_collector_back_on(db, kit):
    course = kit.course()
    assert import_gift(None, course, GOOD).count("create") == 7
    assert gc.isenabled()
    with pytest.raises(
        InvalidInput
    ):  # a report with problems is refused: the collector is back on all the same
        apply_import(None, course, plan_import(course, BROKEN))
    assert gc.isenabled()
    gc.disable()  # paused by the caller: the import leaves it paused
    try:
        assert import_gift(None, kit.course(), GOOD).count("create") == 7
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize("bank", sorted((ROOT / "quizzes").glob("*.gift")), ids=lambda p: p.stem)
def test_shipped_banks_round_trip(db, kit, bank):
    course = kit.course()
    report = import_gift(None, course, bank.read_text(encoding="utf-8"))
    assert report.ok, report.problems
    assert len(report.items) >= 12
    text = export_gift(course)
    again = import_gift(None, course, text)
    assert again.ok and again.count("unchanged") == len(report.items)


def test_moodle_documentation_examples_import_with_the_right_types(db, kit):
    course = kit.course()
    text = MOODLE_EXAMPLES.read_text(encoding="utf-8")
    parsed, problems = parse_gift(text)
    assert problems == []
    report = import_gift(None, course, text)
    assert report.ok, report.problems
    assert len(report.items) == len(parsed)
    by_name = {item.name: item.question.qtype for item in report.items}
    assert by_name["Q1"] == "true_false"
    assert by_name["Q2"] == "single_choice"
    assert by_name["Q3"] == "short_answer"
    assert by_name["Q4"] == "matching"
    assert by_name["Q5"] == by_name["Q6"] == by_name["Q7"] == "numerical"
    assert by_name["Q8"] == "essay"
    # unnamed and same-named questions get distinct names, so a second import matches each to itself
    assert len(set(by_name)) == len(report.items)
    assert import_gift(None, course, text).count("unchanged") == len(report.items)


def test_browser_import_shows_problems_with_lines_then_imports_after_confirmation(client, db, kit):
    expert = kit.expert(login_name="bank.expert")
    course = kit.course(expert, slug="browser-course")
    db.session.commit()
    client.login("bank.expert")
    page = client.get("/quizzes/course/browser-course/import")
    assert page.status_code == 200

    bad = client.submit(
        "/quizzes/course/browser-course/import", {"file": (io.BytesIO(BROKEN.encode("utf-8")), "bank.gift")}
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "nothing can be imported" in html
    assert '<td class="num">5</td>' in html and '<td class="num">7</td>' in html
    assert "Import these questions" not in html
    assert _questions(db, course) == []

    good = client.submit(
        "/quizzes/course/browser-course/import", {"file": (io.BytesIO(GOOD.encode("utf-8")), "bank.gift")}
    )
    html = good.get_data(as_text=True)
    assert good.status_code == 200 and "7 new, 0 changed, 0 unchanged." in html
    assert 'name="gift_text"' in html and _questions(db, course) == []

    confirmed = client.submit("/quizzes/course/browser-course/import/confirm", {"gift_text": GOOD})
    assert confirmed.status_code == 302 and confirmed.location.endswith("/quizzes/course/browser-course/bank")
    assert len(_questions(db, course)) == 7
    bank = client.get(confirmed.location).get_data(as_text=True)
    assert "Imported: 7 new, 0 changed, 0 unchanged." in bank and "MR1" in bank

    tampered = client.submit("/quizzes/course/browser-course/import/confirm", {"gift_text": BROKEN})
    assert tampered.status_code == 422 and len(_questions(db, course)) == 7

    export = client.get("/quizzes/course/browser-course/export.gift")
    assert (
        export.status_code == 200
        and export.mimetype == "text/plain"
        and "::SC1::" in export.get_data(as_text=True)
    )


def test_browser_import_refuses_non_utf8_and_empty(client, db, kit):
    expert = kit.expert(login_name="bank.expert2")
    kit.course(expert, slug="browser-course-2")
    db.session.commit()
    client.login("bank.expert2")
    latin = client.submit(
        "/quizzes/course/browser-course-2/import",
        {"file": (io.BytesIO("::Q::Caf\xe9?{T}".encode("latin-1")), "bank.gift")},
    )
    assert latin.status_code == 400 and "not UTF-8" in latin.get_data(as_text=True)
    empty = client.submit("/quizzes/course/browser-course-2/import", {})
    assert empty.status_code == 400 and "Choose a GIFT file" in empty.get_data(as_text=True)
