"""One journey per role, in English and Chinese, at 1280 px and at 390 px, in Chromium.

Each journey starts from the demo world as loaded (``live`` puts it back) and checks every page it visits
(see visitor.py). Selectors use addresses and field names, not wording, so one journey serves both languages.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.browser.visitor import Visitor

SETTINGS = [
    pytest.param((language, width), id=f"{language}-{width}")
    for language in ("en", "zh_CN")
    for width in (1280, 390)
]

GIFT = """$CATEGORY: Browser journey

::Seal check::Which standard do high-security container seals meet? {
=ISO 17712
~ISO 9001
~ISO 14001
}

::AEO code::An AEO code starts with AEOCN. {T}
"""


@pytest.fixture(params=SETTINGS)
def visitor(request, chromium, live, axe_source):
    language, width = request.param
    person = Visitor(chromium, live, axe_source, language, width)
    yield person
    person.context.close()


def _with_app(live, work):
    from lms.extensions import db

    with live.app.app_context():
        result = work(db)
        db.session.commit()
        db.session.remove()
        return result


def _answer_page(page) -> None:
    """Answer every question on an attempt page with something valid for its type."""
    for question in page.locator("section.question").all():
        for name in sorted(
            set(question.locator("input[type=radio]").evaluate_all("l => l.map(e => e.name)"))
        ):
            question.locator(f"input[type=radio][name='{name}']").first.check()
        boxes = question.locator("input[type=checkbox]")
        if boxes.count():
            boxes.first.check()
        for select in question.locator("select").all():
            select.select_option(index=1)
        for field in question.locator("input[type=text]").all():
            numeric = question.locator(".qtype-numerical").count() > 0
            field.fill("1" if numeric else "AEOCN")
        for area in question.locator("textarea").all():
            area.fill("We keep a seal log.")


def test_trainee_journey(visitor, live):
    """Enrols, learns, takes and submits a quiz, books a seat, gives feedback, downloads a certificate."""

    def given(db):
        """Guo Qiang attended a session and has not said what he thought of it yet; the pre-test of the course
        he enrols in, and an open session he may book, are looked up by what they are."""
        from lms.auth.models import User
        from lms.courses.models import Course
        from lms.quizzes.models import Quiz
        from lms.sessions.models import Registration, SessionFeedback, TrainingSession

        user = db.session.execute(sa.select(User).where(User.login_name == "trainee.futian")).scalar_one()
        attended = (
            db.session.execute(
                sa.select(Registration).where(
                    Registration.user_id == user.id, Registration.attendance == "present"
                )
            )
            .scalars()
            .first()
        )
        db.session.execute(sa.delete(SessionFeedback).where(SessionFeedback.registration_id == attended.id))
        course = db.session.execute(sa.select(Course).where(Course.slug == "mutual-recognition")).scalar_one()
        pretest = db.session.execute(
            sa.select(Quiz.id).where(Quiz.course_id == course.id, Quiz.purpose == "pre_test")
        ).scalar_one()
        clinic = (
            db.session.execute(
                sa.select(TrainingSession.id)
                .where(
                    TrainingSession.title.like("Weekly AEO standard clinic%"),
                    TrainingSession.status == "open",
                )
                .order_by(TrainingSession.starts_at)
            )
            .scalars()
            .first()
        )
        return {"attended": attended.session_id, "pretest": pretest, "clinic": clinic}

    ids = _with_app(live, given)
    v = visitor
    v.login("trainee.futian")
    v.goto("/courses/")
    v.follow("main a[href='/courses/mutual-recognition']")
    v.submit("form[action='/courses/mutual-recognition/enrol'] button")
    v.follow("main a[href^='/courses/mutual-recognition/lessons/']")
    v.submit("form[action$='/complete'] button")
    assert v.page.locator(".badge.ok").count() >= 1  # "You completed this lesson."

    # The pre-test of the course: start, answer every question, submit.
    v.goto(f"/quizzes/{ids['pretest']}")
    v.submit(f"form[action='/quizzes/{ids['pretest']}/start'] button")
    while True:
        _answer_page(v.page)
        if v.page.locator("button[name=go][value=next]").count():
            v.submit("button[name=go][value=next]")
            continue
        break
    v.submit("button[name=go][value=summary]")
    v.submit("form[action$='/submit'] button[type=submit]")
    assert "/result" in v.page.url

    # A seat in a session.
    v.goto(f"/sessions/{ids['clinic']}")
    v.submit(f"form[action='/sessions/{ids['clinic']}/register'] button")
    assert v.page.locator("form[action^='/sessions/registrations/'][action$='/cancel']").count() == 1

    # Feedback on the session attended.
    v.goto(f"/sessions/{ids['attended']}/feedback")
    for name in ("content", "expert", "organisation", "usefulness"):
        v.page.locator(f"input[name={name}][value='5']").check()
    v.page.fill("textarea[name=comment]", "Clear and useful.")
    v.submit("form.feedback-form button[type=submit]")

    # The certificate, as a PDF.
    v.goto("/evidence/certificates/mine")
    v.follow("main td a[href^='/evidence/certificates/']")
    pdf = v.download("a[href$='certificate.pdf']")
    assert pdf.suggested_filename.endswith(".pdf")
    with open(pdf.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
    v.finish()


def test_expert_journey(visitor, live):
    """Writes a course, submits it for review and imports a GIFT question bank into it."""
    v = visitor
    v.login("expert.shenzhen")
    v.goto("/courses/authoring")
    v.goto("/courses/authoring/new")
    slug = f"journey-{v.language[:2]}-{v.width}"
    v.page.fill("input[name=title]", "Customs declarations in practice")
    v.page.fill("input[name=slug]", slug)
    v.page.fill("textarea[name=summary]", "How to declare goods correctly.")
    v.page.locator("input[name=modes]").first.check()
    v.page.fill("input[name=hours]", "2")
    v.submit("button[name=save], input[name=save]")
    assert "/courses/versions/" in v.page.url
    version_url = v.page.url.removeprefix(v.live.url)
    v.page.fill("form[action$='/modules'] input[name=title]", "Basics")
    v.submit("form[action$='/modules'] button[type=submit]")
    v.follow("main a[href$='/lessons/new'], main a[href*='/lessons/new?']")
    v.page.fill("input[name=title]", "What a declaration holds")
    v.page.fill("textarea[name=body]", "# What a declaration holds\n\nGoods, value, origin and the HS code.")
    v.submit("button[name=save], input[name=save]")
    v.goto(version_url)
    v.submit("form[action$='/submit'] button")
    assert v.page.locator(".badge.status-in_review").count() == 1

    v.goto(f"/quizzes/course/{slug}/import")
    v.page.fill("textarea[name=text]", GIFT)
    v.submit("form[enctype='multipart/form-data'] button[type=submit]")
    v.submit(f"form[action='/quizzes/course/{slug}/import/confirm'] button[type=submit]")
    assert f"/quizzes/course/{slug}" in v.page.url
    assert "ISO 17712" in v.text() or v.page.locator("main a[href^='/quizzes/questions/']").count() == 2
    v.finish()


def test_officer_journey(visitor, live):
    """Screens a case, ranks and confirms a key training list, terminates a case with a reason, exports a
    report."""
    v = visitor
    v.login("officer.shenzhen")
    v.goto("/")
    # Screen the case waiting for it (the dashboard lists it).
    v.follow("#panel-cultivation_to_screen li a[href^='/cultivation/cases/']")
    case_url = v.page.url.removeprefix(v.live.url)
    v.submit(f"form[action='{case_url}/screen'] button[type=submit]")
    assert v.page.locator(f"form[action='{case_url}/screen']").count() == 0

    # Rank the screened cases into a new list and confirm it.
    v.goto("/cultivation/key-lists")
    v.page.locator("select[name=unit_id]").select_option(index=0)
    v.page.fill("input[name=period]", "2027-Q1")
    v.submit("form.card button[type=submit]")
    assert "/cultivation/key-lists/" in v.page.url
    v.submit("form[action$='/confirm'] button[name=start][value='0']")
    assert v.page.locator("form[action$='/confirm']").count() == 0

    # Terminate the flagged case: the dashboard leads to a confirmation that asks for the reason.
    v.goto("/")
    flagged = v.page.locator("a[href*='/terminate?']").first.get_attribute("href").split("/terminate")[0]
    v.follow("a[href*='/terminate?']")
    assert v.page.locator("select[name='terminate-reason']").input_value() != ""
    v.page.fill("input[name='terminate-reason_text']", "Audit opened in July without conclusion.")
    v.submit("form.confirm-form button.btn-danger")
    assert v.page.locator("a[href*='/terminate?']").count() == 1  # one flag left
    v.goto(flagged)
    assert v.page.locator(".badge.state-terminated").count() == 1

    # Export a report.
    v.goto("/reports/")
    csv = v.download("a[href$='/export/summary.csv']")
    with open(csv.path(), "rb") as handle:
        assert handle.read().decode("utf-8-sig").count("\n") >= 2
    v.finish()


def test_admin_journey(visitor, live):
    """Looks through the evidence ledger and verifies its hash chain."""
    v = visitor
    v.login("admin")
    v.goto("/evidence/ledger")
    v.follow("main td a[href^='/evidence/ledger/']")
    v.goto("/evidence/verify")
    v.submit("main form[method=post] button[type=submit]")
    assert v.page.locator(".verify-result.passed").count() == 1
    v.finish()
