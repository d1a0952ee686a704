"""Done when: an expert writes a course in the browser, someone else approves it, a trainee finds it in the
catalog, enrols and completes it; the curriculum loads twice without change and an export loads unchanged."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lms.courses.models import Course, Enrollment
from lms.evidence.models import LedgerEntry


def _client(app, login):
    client = app.test_client()
    client.login(login)
    return client


def test_write_review_publish_enrol_complete(app, db, demo):
    expert = _client(app, "expert.shenzhen")
    course_form = {
        "slug": "seal-integrity",
        "title": "Seal integrity for exporters",
        "summary": "Container seals, ISO 17712.",
        "overview": "Why **seals** matter.\n\n<script>alert(1)</script>",
        "language": "en",
        "training_type": "aeo_certification",
        "modes": ["online", "in_class"],
        "topics": ["trade_security"],
        "audience_positions": ["department_staff"],
        "audience_business_types": ["logistics"],
        "tags": "seals, iso-17712",
        "hours": "1.5",
        "require_lessons": "y",
        "require_quizzes": "",
    }
    # Preview without JavaScript: the form comes back with the rendered, sanitised overview.
    page = expert.submit("/courses/authoring/new", dict(course_form, preview="Preview"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<strong>seals</strong>" in html and "<script>alert" not in html
    assert db.session.execute(sa.select(Course)).first() is None
    page = expert.submit("/courses/authoring/new", dict(course_form, save="Save"))
    assert page.status_code == 302
    version_url = page.headers["Location"]
    version_id = int(re.search(r"/courses/versions/(\d+)", version_url).group(1))

    assert expert.submit(f"/courses/versions/{version_id}/modules", {"title": "Seals"}).status_code == 302
    course = db.session.execute(sa.select(Course).where(Course.slug == "seal-integrity")).scalar_one()
    module_id = course.versions[0].modules[0].id
    lesson_form = {
        "title": "Reading a seal",
        "slug": "",
        "module_id": str(module_id),
        "minutes": "15",
        "body": "# Seals\n\n| Part | Check |\n|---|---|\n| Bolt | number |\n",
    }
    page = expert.submit(f"/courses/versions/{version_id}/lessons/new", dict(lesson_form, preview="Preview"))
    assert "<table>" in page.get_data(as_text=True)
    assert (
        expert.submit(
            f"/courses/versions/{version_id}/lessons/new", dict(lesson_form, save="Save")
        ).status_code
        == 302
    )
    lesson_form.update(title="Recording a seal", body="Write the number down.")
    assert (
        expert.submit(
            f"/courses/versions/{version_id}/lessons/new", dict(lesson_form, save="Save")
        ).status_code
        == 302
    )
    page = expert.get(version_url)
    assert "Reading a seal" in page.get_data(as_text=True)

    assert expert.submit(f"/courses/versions/{version_id}/submit").status_code == 302
    # The author cannot approve: no review form for them, and posting anyway is refused.
    assert "Approve and publish" not in expert.get(version_url).get_data(as_text=True)
    expert.submit(f"/courses/versions/{version_id}/review", {"note": "", "approve": "Approve and publish"})
    db.session.expire_all()
    assert course.versions[0].status == "in_review"

    # Not yet in the catalog.
    trainee = _client(app, "trainee")
    assert "Seal integrity" not in trainee.get("/courses/?q=seal").get_data(as_text=True)
    assert trainee.get("/courses/seal-integrity").status_code == 404

    reviewer = _client(app, "expert.national")
    assert "Seal integrity for exporters" in reviewer.get("/courses/reviews").get_data(as_text=True)
    page = reviewer.submit(f"/courses/versions/{version_id}/review", {"note": "Clear.", "approve": "Approve"})
    assert page.status_code == 302
    db.session.expire_all()
    assert course.published_version_id == version_id

    # The trainee finds it, enrols and completes it.
    catalog = trainee.get(
        "/courses/?q=seal&mode=online&topic=trade_security&type=aeo_certification&language=en"
    )
    assert "Seal integrity for exporters" in catalog.get_data(as_text=True)
    page = trainee.get("/courses/seal-integrity")
    assert "Enrol in this course" in page.get_data(as_text=True)
    assert trainee.get("/courses/seal-integrity/lessons/reading-a-seal").status_code == 403
    assert trainee.submit("/courses/seal-integrity/enrol").status_code == 302
    page = trainee.get("/courses/seal-integrity/lessons/reading-a-seal")
    assert page.status_code == 200 and "Mark complete" in page.get_data(as_text=True)
    page = trainee.submit("/courses/seal-integrity/lessons/reading-a-seal/complete")
    assert page.headers["Location"].endswith("/courses/seal-integrity/lessons/recording-a-seal")
    page = trainee.submit("/courses/seal-integrity/lessons/recording-a-seal/complete")
    assert page.headers["Location"].endswith("/courses/seal-integrity")
    enrollment = db.session.execute(sa.select(Enrollment)).scalar_one()
    assert enrollment.status == "completed" and enrollment.completed_version_id == version_id
    entry = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.kind == "course_completed")
    ).scalar_one()
    assert (entry.subject_type, entry.subject_id) == ("enrollment", enrollment.id)
    assert "Completed" in trainee.get("/courses/my").get_data(as_text=True)


def test_content_load_twice_then_export_and_load(cli, demo, tmp_path, app):
    first = cli.invoke(args=["content", "load"])
    assert first.exit_code == 0, first.output
    assert "credit-management: created; version 1 published directly" in first.output
    second = cli.invoke(args=["content", "load"])
    assert second.exit_code == 0
    assert "Nothing changed: 5 course(s) already up to date." in second.output
    for slug in ("credit-management", "certification-procedure", "aeo-standard"):
        exported = cli.invoke(args=["content", "export", slug, str(tmp_path)])
        assert exported.exit_code == 0, exported.output
    again = cli.invoke(args=["content", "load", str(tmp_path)])
    assert again.exit_code == 0
    assert "Nothing changed: 3 course(s) already up to date." in again.output
