"""Language variants of one course: one slug and identity, content per language, loaded from the curriculum
files, refused with file and line when one language lacks a lesson or a question, read in the reader's
language (falling back with a notice), graded the same whichever language was read, exported and loaded
elsewhere with the bank in every language."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.content.gift import parse_gift
from lms.courses.curriculum import CurriculumError, export_course, load_curriculum, parse_course_dir
from lms.courses.models import Course, CourseVersionText, Enrollment, LessonText
from lms.database import utcnow
from lms.quizzes.models import Question, QuestionVersionText, Quiz

ROOT = Path(__file__).resolve().parents[2]
COURSES = ROOT / "courses"
QUIZZES = ROOT / "quizzes"
SLUGS = sorted(p.name for p in COURSES.iterdir() if (p / "course.md").is_file())
OTHER = {"en": "zh_CN", "zh_CN": "en"}


def _language(slug: str) -> str:
    return parse_course_dir(COURSES / slug).fields["language"]


def _bank(slug: str, locale: str) -> Path:
    suffix = "" if locale == _language(slug) else f".{locale}"
    return QUIZZES / f"{slug}{suffix}.gift"


# -- the shipped files ------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", SLUGS)
def test_every_shipped_course_and_bank_exists_in_both_languages(slug):
    source = parse_course_dir(COURSES / slug)
    other = OTHER[source.fields["language"]]
    assert set(source.variants) == {other}
    variant = source.variants[other]
    assert set(variant.lessons) == {lesson.slug for lesson in source.lessons}
    assert set(variant.quiz_titles) == {q["key"] for q in source.fields["quizzes"]}
    primary, problems = parse_gift(_bank(slug, source.fields["language"]).read_text(encoding="utf-8"))
    translated, more = parse_gift(_bank(slug, other).read_text(encoding="utf-8"))
    assert not problems and not more
    assert [(q.category, q.name) for q in primary] == [(q.category, q.name) for q in translated]
    # Point 8: every question carries its own tags to the modules of the standard, and they differ within
    # a bank when the questions test different modules.
    modules = {"internal_control", "financial_status", "compliance", "trade_security"}
    assert all(q.tags and set(q.tags) <= modules for q in primary)
    assert [q.tags for q in primary] == [q.tags for q in translated]


def test_question_tags_are_the_questions_own_not_the_course_topics(db, shipped):
    course = shipped["aeo-standard"]
    tags = {
        q.name: set(q.tags)
        for q in db.session.execute(sa.select(Question).where(Question.course_id == course.id)).scalars()
    }
    assert tags["AS09 Seal standard"] == {"trade_security"}
    assert tags["AS06 Debt ratio non-production"] == {"financial_status"}
    assert tags["AS06 Debt ratio non-production"] != set(course.published_version.topics)


def test_shipped_load_stores_every_variant(db, shipped):
    for slug, course in shipped.items():
        version = course.published_version
        other = OTHER[version.language]
        assert version.locales == [version.language, other], slug
        assert version.text_for(other).title and version.text_for(other).overview_html, slug
        assert all(lesson.text_for(other) and lesson.text_for(other).body_html for lesson in version.lessons)
        questions = db.session.execute(sa.select(Question).where(Question.course_id == course.id)).scalars()
        assert all(q.current_version.text_for(other) is not None for q in questions), slug
    # One identity per course: one Course row, one published version, one set of quizzes per slug.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Course)) == len(SLUGS)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Quiz)) == 2 * len(SLUGS)


# -- refused: a variant lacking a lesson or a question ------------------------------------------------------


@pytest.fixture
def copy(tmp_path, app, monkeypatch):
    """A copy of the shipped curriculum (courses/ and quizzes/ side by side), for breaking it."""
    shutil.copytree(COURSES, tmp_path / "courses")
    shutil.copytree(QUIZZES, tmp_path / "quizzes")
    return tmp_path


def _count(model) -> int:
    from lms.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_variant_missing_a_lesson_is_reported_with_file_and_line_and_nothing_loaded(db, copy):
    missing = copy / "courses" / "credit-management" / "zh_CN" / "03-decree-282-five-levels.md"
    missing.unlink()
    report = load_curriculum(copy / "courses")
    assert "credit-management" in report.failed
    error = next(e for e in report.errors if "credit-management" in str(e.path))
    assert error.path.name == "03-decree-282-five-levels.md" and error.line == 1
    assert "zh_CN" in error.message and str(missing) in error.message
    assert db.session.scalar(sa.select(Course).where(Course.slug == "credit-management")) is None


def test_variant_lesson_the_course_lacks_is_reported(db, copy):
    extra = copy / "courses" / "mutual-recognition" / "zh_CN" / "09-extra.md"
    extra.write_text("---\ntitle: 多出来的一课\n---\n正文\n", encoding="utf-8")
    with pytest.raises(CurriculumError) as caught:
        parse_course_dir(copy / "courses" / "mutual-recognition")
    assert caught.value.path == extra and caught.value.line == 1


def test_variant_bank_missing_a_question_is_reported_with_file_and_line(db, copy):
    bank = copy / "quizzes" / "aeo-standard.zh_CN.gift"
    text = bank.read_text(encoding="utf-8")
    start = text.index("::AS05")
    end = text.index("// [tag", start)  # the next question's tag line
    bank.write_text(text[:start] + text[end:], encoding="utf-8")
    primary = (copy / "quizzes" / "aeo-standard.gift").read_text(encoding="utf-8")
    line = primary[: primary.index("::AS05")].count("\n") + 1
    report = load_curriculum(copy / "courses")
    assert "aeo-standard" in report.failed
    error = next(e for e in report.errors if "AS05" in e.message)
    assert error.path.name == "aeo-standard.gift" and error.line == line
    assert "zh_CN" in error.message
    course = db.session.scalar(sa.select(Course).where(Course.slug == "aeo-standard"))
    assert course is None  # all or nothing: not even the course


def test_variant_question_the_primary_lacks_or_with_other_answers_is_reported(db, copy):
    bank = copy / "quizzes" / "credit-management.zh_CN.gift"
    text = bank.read_text(encoding="utf-8")
    bank.write_text(text.replace("::CM07 Replacing decree::", "::CM07 Renamed::"), encoding="utf-8")
    report = load_curriculum(copy / "courses" / "credit-management")
    assert report.failed == ["credit-management"]
    assert any("CM07" in e.message for e in report.errors)

    flipped = re.sub(r"\{([TF])#", lambda m: "{" + ("F" if m.group(1) == "T" else "T") + "#", text, count=1)
    bank.write_text(flipped, encoding="utf-8")  # a true/false question whose answer differs by language
    report = load_curriculum(copy / "courses" / "credit-management")
    assert report.failed == ["credit-management"]
    assert "same in every language" in report.errors[0].message and report.errors[0].path == bank


def test_missing_variant_bank_is_reported(db, copy):
    (copy / "quizzes" / "trade-security-onsite.zh_CN.gift").unlink()
    report = load_curriculum(copy / "courses" / "trade-security-onsite")
    assert report.failed == ["trade-security-onsite"]
    assert report.errors[0].path.name == "trade-security-onsite.zh_CN.gift"


# -- reading: the reader's language, with a fallback notice --------------------------------------------------


def _prefer(db, demo, login: str, language: str | None):
    user = demo.user(login)
    user.preferred_language = language
    db.session.commit()
    return user


def _english_fragments(*texts: str) -> set[str]:
    """Runs of English words long enough to be content, not a code or a name (AEO, ISO 17712, SAFE)."""
    found = set()
    for text in texts:
        plain = re.sub(r"[*_`#>\[\]()]", " ", text or "")
        for run in re.findall(r"[A-Za-z][A-Za-z ,'-]{18,}[A-Za-z]", plain):
            if len(run.split()) >= 3:
                found.add(" ".join(run.split()))
    return found


def _page_text(response) -> str:
    body = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return " ".join(body.split())


def _texts_of(db, course: Course, locale: str) -> list[str]:
    """Every content text of the course in ``locale`` (its own columns or its variant rows)."""
    version = course.published_version
    own = version.language == locale
    text = version.text_for(locale)
    texts = (
        [version.title, version.summary, version.overview]
        if own
        else [text.title, text.summary, text.overview]
    )
    texts += [q.get("title", "") for q in version.quiz_specs] if own else list(text.quiz_titles.values())
    for lesson in version.lessons:
        if own:
            texts += [lesson.title, lesson.body, lesson.module.title if lesson.module else ""]
        else:
            lt = lesson.text_for(locale)
            texts += [lt.title, lt.body, lt.module]
    for q in db.session.execute(sa.select(Question).where(Question.course_id == course.id)).scalars():
        texts += _question_texts(q.current_version if own else q.current_version.text_for(locale))
    return texts


def _english_of_course(db, course: Course) -> set[str]:
    """English runs of the English variant that the Chinese one does not also use (an accepted answer such as
    "World Customs Organization" is in both)."""
    return _english_fragments(*_texts_of(db, course, "en")) - _english_fragments(
        *_texts_of(db, course, "zh_CN")
    )


def _question_texts(shown) -> list[str]:
    data = shown.data or {}
    texts = [shown.stem, shown.general_feedback]
    for choice in data.get("choices") or []:
        texts += [choice.get("text", ""), choice.get("feedback", "")]
    for pair in data.get("pairs") or []:
        texts += [pair.get("left", ""), pair.get("right", "")]
    for answer in data.get("answers") or []:
        texts += [str(answer.get("text", "")), answer.get("feedback", "")]
    return texts


def _assert_no_english(page: str, english: set[str], where: str):
    leaked = sorted(f for f in english if f in page)
    assert not leaked, f"{where}: {leaked[:3]}"


def test_chinese_reader_meets_no_english_on_course_lesson_quiz_and_certificate_pages(
    db, demo, shipped, client
):
    from lms.evidence.services import issue_certificate

    trainee = _prefer(db, demo, "trainee.customs", "zh_CN")
    client.login("trainee.customs")
    catalog = _page_text(client.get("/courses/"))
    for slug, course in sorted(shipped.items()):
        version = course.published_version
        english = _english_of_course(db, course)
        assert english, slug  # the test would prove nothing without English text to look for
        assert version.text_for("zh_CN") is None or version.text_for("zh_CN").title in catalog
        if version.language == "zh_CN":
            assert version.title in catalog
        _assert_no_english(catalog, english, "catalog")
        enrollment = db.session.scalar(
            sa.select(Enrollment).where(Enrollment.course_id == course.id, Enrollment.user_id == trainee.id)
        )
        if enrollment is None:
            enrollment = Enrollment(user_id=trainee.id, course_id=course.id, status="active")
            db.session.add(enrollment)
            db.session.commit()
        page = client.get(f"/courses/{slug}")
        assert page.status_code == 200
        text = _page_text(page)
        _assert_no_english(text, english, f"{slug} course page")
        english_quizzes = (
            [q["title"] for q in version.quiz_specs]
            if version.language == "en"
            else list(version.text_for("en").quiz_titles.values())
        )
        assert not any(f">{title}<" in page.get_data(as_text=True) for title in english_quizzes), slug
        assert "variant-notice" not in page.get_data(as_text=True)
        for lesson in version.lessons:
            response = client.get(f"/courses/{slug}/lessons/{lesson.slug}")
            assert response.status_code == 200, lesson.slug
            _assert_no_english(_page_text(response), english, f"{slug}/{lesson.slug}")
        quizzes = db.session.execute(sa.select(Quiz).where(Quiz.course_id == course.id)).scalars().all()
        for quiz in quizzes:
            _assert_no_english(_page_text(client.get(f"/quizzes/{quiz.id}")), english, f"{slug} quiz page")
        post = next(q for q in quizzes if q.key == "post-test")
        started = client.submit(f"/quizzes/{post.id}/start")
        assert started.status_code == 302
        attempt_url = started.headers["Location"]
        pages = 1
        page_number = 1
        while page_number <= pages:
            response = client.get(f"{attempt_url}?page={page_number}")
            assert response.status_code == 200
            numbers = [int(n) for n in re.findall(r"[?&]page=(\d+)", response.get_data(as_text=True))]
            pages = max([pages, *numbers])
            _assert_no_english(_page_text(response), english, f"{slug} attempt page {page_number}")
            page_number += 1
        attempt_id = int(attempt_url.rstrip("/").split("/")[-1])
        submitted = client.submit(f"/quizzes/attempts/{attempt_id}/submit")
        assert submitted.status_code == 302
        result = client.get(f"/quizzes/attempts/{attempt_id}/result")
        assert result.status_code == 200
        _assert_no_english(_page_text(result), english, f"{slug} result page")

        enrollment = db.session.get(Enrollment, enrollment.id)
        enrollment.status, enrollment.completed_at, enrollment.completed_version_id = (
            "completed",
            utcnow(),
            version.id,
        )
        certificate = issue_certificate(enrollment, version)
        db.session.commit()
        detail = client.get(f"/evidence/certificates/{certificate.id}")
        assert detail.status_code == 200
        _assert_no_english(_page_text(detail), english, f"{slug} certificate page")
        chinese_title = version.title if version.language == "zh_CN" else version.text_for("zh_CN").title
        assert chinese_title in _page_text(detail)
        assert "何军" in _page_text(detail) and "He Jun" not in _page_text(detail)  # the trainee's name too
        assert certificate.experts and "Zhou Ming" not in _page_text(detail)  # and the experts' (周明)
        pdf = client.get(f"/evidence/certificates/{certificate.id}/certificate.pdf")
        assert pdf.status_code == 200
        assert _pdf_subject(pdf.data) == chinese_title  # the PDF's subject is the course title it prints


def _pdf_subject(data: bytes) -> str:
    """The /Subject of a ReportLab PDF (a literal string: UTF-16 with a byte-order mark, octal escapes)."""
    start = data.index(b"/Subject (") + len(b"/Subject (")
    raw, i = bytearray(), start
    while data[i : i + 1] != b")":
        if data[i : i + 1] == b"\\":
            octal = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
            if octal:
                raw.append(int(octal.group(), 8))
                i += 1 + len(octal.group())
                continue
            raw.append(data[i + 1])
            i += 2
            continue
        raw.append(data[i])
        i += 1
    return bytes(raw).decode("utf-16") if raw[:2] == b"\xfe\xff" else bytes(raw).decode("latin-1")


def test_english_reader_reads_the_english_variant_of_the_chinese_course(db, demo, shipped, client):
    _prefer(db, demo, "trainee", "en")
    client.login("trainee")
    version = shipped["certification-procedure"].published_version
    english = version.text_for("en")
    page = _page_text(client.get("/courses/certification-procedure"))
    assert english.title in page and version.title not in page
    catalog = _page_text(client.get("/courses/"))
    assert english.title in catalog and english.summary in catalog
    # The language filter finds a course by any language it can be read in.
    assert english.title in _page_text(client.get("/courses/?language=en"))
    assert english.title in _page_text(client.get("/courses/?language=zh_CN"))


def test_completion_requirements_name_the_quizzes_in_the_readers_language(db, demo, shipped, client):
    from lms.courses import services as course_services

    trainee = _prefer(db, demo, "trainee", "zh_CN")
    course = shipped["aeo-standard"]
    course_services.enroll(None, course, trainee)
    db.session.commit()
    client.login("trainee")
    page = _page_text(client.get("/courses/aeo-standard"))
    assert "通过测验：课后测试" in page and "Post-test" not in page


def test_a_course_without_the_readers_language_falls_back_with_a_notice(db, demo, shipped, client):
    course = shipped["mutual-recognition"]
    db.session.execute(
        sa.delete(CourseVersionText).where(CourseVersionText.version_id == course.published_version_id)
    )
    lesson_ids = [lesson.id for lesson in course.published_version.lessons]
    db.session.execute(sa.delete(LessonText).where(LessonText.lesson_id.in_(lesson_ids)))
    db.session.commit()
    _prefer(db, demo, "trainee", "zh_CN")
    client.login("trainee")
    response = client.get("/courses/mutual-recognition")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "variant-notice" in body
    version = db.session.get(Course, course.id).published_version
    assert version.title in _page_text(response)
    other = client.get("/courses/aeo-standard").get_data(as_text=True)
    assert "variant-notice" not in other


# -- grading: the same whichever language was read ---------------------------------------------------------


def _answer_everything_right(client, attempt_url: str, db, attempt_id: int, locale: str):
    from lms.quizzes.models import AttemptQuestion
    from lms.quizzes.qtypes import Matching

    rows = db.session.execute(
        sa.select(AttemptQuestion).where(AttemptQuestion.attempt_id == attempt_id)
    ).scalars()
    form = {}
    for aq in rows:
        version = aq.version
        data = (version.text_for(locale) or version).data
        field = f"q{aq.slot}"
        if version.qtype == "single_choice":
            form[field] = next(
                c["id"] for c in data["choices"] if str(c["fraction"]) in ("1", "1.0", "1.0000000")
            )
        elif version.qtype == "multiple_response":
            form[field] = [c["id"] for c in data["choices"] if float(c["fraction"]) > 0]
        elif version.qtype == "true_false":
            form[field] = "true" if data["answer"] else "false"
        elif version.qtype == "short_answer":
            form[field] = next(a["text"] for a in data["answers"] if float(a["fraction"]) == 1)
        elif version.qtype == "numerical":
            answer = next(a for a in data["answers"] if float(a["fraction"]) == 1)
            form[field] = str(answer.get("value", answer.get("min")))
        elif version.qtype == "matching":
            for i, pair in enumerate(Matching._items(data)):
                form[f"{field}-{i}"] = pair["right"]
        elif version.qtype == "essay":
            form[field] = "答" if locale == "zh_CN" else "Answer"
    return form


@pytest.mark.parametrize("slug", ["aeo-standard", "certification-procedure"])
def test_attempts_grade_the_same_in_either_language(db, demo, shipped, client, app, slug):
    from lms.quizzes.models import Attempt

    course = shipped[slug]
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id, Quiz.key == "pre-test"))
    quiz.questions_per_page = 100
    db.session.commit()
    scores = {}
    for login, locale in (("trainee.finance", "zh_CN"), ("trainee.manager", "en")):
        trainee = _prefer(db, demo, login, locale)
        db.session.add(Enrollment(user_id=trainee.id, course_id=course.id, status="active"))
        db.session.commit()
        each = app.test_client()
        each.login(login)
        started = each.submit(f"/quizzes/{quiz.id}/start")
        url = started.headers["Location"]
        attempt_id = int(url.rstrip("/").split("/")[-1])
        form = _answer_everything_right(each, url, db, attempt_id, locale)
        saved = each.submit(url, form)
        assert saved.status_code == 302, saved.get_data(as_text=True)[:500]
        assert each.submit(f"/quizzes/attempts/{attempt_id}/submit").status_code == 302
        attempt = db.session.get(Attempt, attempt_id)
        db.session.refresh(attempt)
        scores[locale] = (attempt.score, attempt.max_score, [aq.question_id for aq in attempt.questions])
    assert scores["zh_CN"][0] == scores["en"][0] and scores["zh_CN"][1] == scores["en"][1]
    assert sorted(scores["zh_CN"][2]) == sorted(scores["en"][2])  # the same questions, whatever the language
    assert scores["zh_CN"][0] > 0


# -- export and load elsewhere -----------------------------------------------------------------------------


def test_every_course_round_trips_with_its_bank_in_both_languages(db, shipped, tmp_path):
    export = tmp_path / "export"
    for slug, course in shipped.items():
        report = export_course(course, export)
        names = {p.name for p in report.files}
        other = OTHER[course.published_version.language]
        assert {f"{slug}.gift", f"{slug}.{other}.gift"} <= names
        for locale in ("en", "zh_CN"):
            exported, problems = parse_gift(
                (export / slug / _bank(slug, locale).name).read_text(encoding="utf-8")
            )
            original, _p = parse_gift(_bank(slug, locale).read_text(encoding="utf-8"))
            assert not problems
            assert [(q.name, q.qtype, q.stem, q.data, sorted(q.tags)) for q in exported] == [
                (q.name, q.qtype, q.stem, q.data, sorted(q.tags)) for q in original
            ], (slug, locale)
        assert parse_course_dir(export / slug).content() == parse_course_dir(COURSES / slug).content()

    # Loading the export changes nothing here ...
    again = load_curriculum(export)
    assert not again.changed and not again.failed, again.lines

    # ... and elsewhere (as other courses: the same files under new slugs) the courses keep their questions.
    elsewhere = tmp_path / "elsewhere"
    for slug in shipped:
        target = elsewhere / f"{slug}-copy"
        shutil.copytree(export / slug, target)
        course_md = target / "course.md"
        course_md.write_text(
            course_md.read_text(encoding="utf-8").replace(f"slug: {slug}\n", f"slug: {slug}-copy\n"),
            encoding="utf-8",
        )
        for bank in target.glob("*.gift"):
            bank.rename(target / bank.name.replace(slug, f"{slug}-copy", 1))
    report = load_curriculum(elsewhere)
    assert not report.failed, report.lines
    for slug, course in shipped.items():
        copy = db.session.scalar(sa.select(Course).where(Course.slug == f"{slug}-copy"))
        count = sa.select(sa.func.count()).select_from(Question)
        assert db.session.scalar(count.where(Question.course_id == copy.id)) == db.session.scalar(
            count.where(Question.course_id == course.id)
        ), slug
        texts = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(QuestionVersionText)
            .join(Question, Question.current_version_id == QuestionVersionText.question_version_id)
            .where(Question.course_id == copy.id)
        )
        assert texts == db.session.scalar(count.where(Question.course_id == course.id))
        assert copy.published_version.text_for(OTHER[course.published_version.language]) is not None


def test_content_export_command_writes_the_banks_and_load_reads_them_from_the_folder(
    cli, shipped, tmp_path, db
):
    result = cli.invoke(args=["content", "export", "aeo-standard", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "aeo-standard" / "aeo-standard.gift").is_file()
    assert (tmp_path / "aeo-standard" / "aeo-standard.zh_CN.gift").is_file()
    assert "[tag:financial_status]" in (tmp_path / "aeo-standard" / "aeo-standard.gift").read_text(
        encoding="utf-8"
    )
    bank = tmp_path / "aeo-standard" / "aeo-standard.zh_CN.gift"
    bank.write_text(bank.read_text(encoding="utf-8").replace("::AS07", "::AS07 renamed"), encoding="utf-8")
    result = cli.invoke(args=["content", "load", str(tmp_path)])
    assert result.exit_code == 1
    assert "aeo-standard.zh_CN.gift" in result.output  # the bank read is the exported one


def test_editing_a_question_keeps_its_translations_only_while_the_answers_stay(db, shipped):
    from lms.quizzes.bank import QuestionContent, update_question

    course = shipped["credit-management"]
    question = db.session.scalar(
        sa.select(Question).where(
            Question.course_id == course.id, Question.name == "CM05 Certified level is AEO"
        )
    )
    content = QuestionContent.of_version(question.current_version)
    content.stem += " (reworded)"
    update_question(None, question, content=content)
    assert question.current_version.text_for("zh_CN") is not None  # same answer: the Chinese text still fits

    content = QuestionContent.of_version(question.current_version)
    content.data = {**content.data, "answer": not content.data["answer"]}
    update_question(None, question, content=content)
    db.session.commit()
    # The Chinese text said the opposite: it goes (Chinese readers see the question as written until reloaded).
    assert question.current_version.text_for("zh_CN") is None
