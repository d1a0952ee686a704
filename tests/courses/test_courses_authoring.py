"""Authoring in the browser: forms with preview, ordering, new versions, review notes, history; bad input
gives
a message, never a 500."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import CourseVersion, Lesson

COURSE_FORM = {
    "title": "Edited title",
    "summary": "S",
    "overview": "",
    "language": "zh_CN",
    "training_type": "compliance",
    "modes": ["online"],
    "topics": ["compliance", "internal_control"],
    "tags": "a, b，c",
    "hours": "3",
    "require_lessons": "y",
    "require_quizzes": "post-test",
    "require_attendance": "y",
}


@pytest.fixture
def draft(builder):
    return builder.draft(author="expert.shenzhen", slug="draft-course", lessons=3, modules=1)


def test_edit_course_details_with_preview(as_user, draft, db):
    client = as_user("expert.shenzhen")
    version = draft.versions[0]
    url = f"/courses/versions/{version.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Course' in page and "Overview **text**." in page
    preview = client.submit(url, dict(COURSE_FORM, overview="## Heading\n\n*x*", preview="Preview"))
    assert "<h2>Heading</h2>" in preview.get_data(as_text=True)
    db.session.expire_all()
    assert version.title != "Edited title"  # preview saves nothing
    assert client.submit(url, dict(COURSE_FORM, save="Save")).status_code == 302
    db.session.expire_all()
    assert (version.title, version.language, version.tags) == ("Edited title", "zh_CN", ["a", "b", "c"])
    assert version.require_quizzes == ["post-test"] and version.require_attendance
    assert "Edited title" in client.get(f"/courses/versions/{version.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hours": "lots"}, "Not a valid decimal value"),
        ({"hours": "-1"}, "Number must be between 0 and 9999.9."),
        ({"hours": ""}, "This field is required."),
        ({"title": ""}, "This field is required"),
        ({"modes": []}, "Choose at least one delivery mode."),
        ({"modes": ["social_media"]}, "The social media mode needs the channel&#39;s http(s) link."),
        ({"modes": ["teleport"]}, "&#39;teleport&#39; is not a valid choice for this field."),
        ({"require_quizzes": "Post Test"}, "Quiz keys use lowercase letters"),
        ({"hours": "1.25"}, "Hours take at most one decimal place."),
    ],
)
def test_bad_course_form_shows_a_message(as_user, draft, db, change, message):
    response = as_user("expert.shenzhen").submit(
        f"/courses/versions/{draft.versions[0].id}/edit", dict(COURSE_FORM, save="Save", **change)
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert draft.versions[0].title != "Edited title"


def test_new_course_slug_problems_are_shown(as_user, builder):
    builder.draft(slug="taken")
    client = as_user("expert.national")
    for slug, message in (
        ("taken", "already exists"),
        ("Not A Slug", "Use lowercase letters"),
        ("reviews", "reserved"),
        ("", "Use lowercase letters"),
    ):
        page = client.submit("/courses/authoring/new", dict(COURSE_FORM, slug=slug, save="Save"))
        assert page.status_code == 200 and message in page.get_data(as_text=True), slug


def test_lesson_form_preview_edit_and_bad_input(as_user, draft, db):
    client = as_user("expert.shenzhen")
    lesson = draft.versions[0].lessons[0]
    url = f"/courses/lessons/{lesson.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "Body of lesson 1." in page and "At most 20 MB." in page
    data = {
        "title": "Renamed",
        "module_id": "0",
        "minutes": "0",
        "body": "Para with [link](https://example.org)",
    }
    page = client.submit(url, dict(data, preview="Preview")).get_data(as_text=True)
    assert 'href="https://example.org"' in page and 'rel="noopener noreferrer nofollow"' in page
    assert client.submit(url, dict(data, save="Save")).status_code == 302
    db.session.expire_all()
    assert (lesson.title, lesson.minutes, lesson.module_id, lesson.position) == ("Renamed", 0, None, 1)
    for bad, message in (
        ({"minutes": "-5"}, "Number must be between 0 and 1000"),
        ({"minutes": "x"}, "Not a valid integer value"),
        ({"minutes": ""}, "This field is required."),
        ({"title": ""}, "This field is required"),
        ({"module_id": "999999"}, "Choose a module of this version."),
    ):
        page = client.submit(url, dict(data, save="Save", **bad))
        assert page.status_code == 200 and message in page.get_data(as_text=True), bad
    new_url = f"/courses/versions/{draft.versions[0].id}/lessons/new"
    page = client.submit(new_url, dict(data, slug="lesson-2", save="Save"))
    assert "Another lesson of this version has this slug." in page.get_data(as_text=True)
    page = client.submit(new_url, dict(data, slug="Bad Slug", save="Save"))
    assert "Use lowercase letters" in page.get_data(as_text=True)
    assert client.submit(new_url, dict(data, title="第三章 概述", save="Save")).status_code == 302
    assert (
        db.session.execute(sa.select(Lesson).where(Lesson.title == "第三章 概述")).scalar_one().slug
        == "lesson"
    )


def test_modules_and_lessons_reordered_in_the_browser(as_user, draft, db):
    client = as_user("expert.shenzhen")
    version = draft.versions[0]
    assert client.submit(f"/courses/versions/{version.id}/modules", {"title": "Second"}).status_code == 302
    assert "already has a module" in client.submit(
        f"/courses/versions/{version.id}/modules", {"title": "Second"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "at most 200" in client.submit(
        f"/courses/versions/{version.id}/modules", {"title": ""}, follow_redirects=True
    ).get_data(as_text=True)
    db.session.expire_all()
    second = version.modules[1]
    client.submit(f"/courses/modules/{second.id}/move", {"direction": "up"})
    client.submit(f"/courses/modules/{second.id}/edit", {"title": "Now first"})
    db.session.expire_all()
    assert [m.title for m in version.modules] == ["Now first", "Module 1"]
    last = version.lessons[-1]
    client.submit(f"/courses/lessons/{last.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert [x.slug for x in version.lessons] == ["lesson-1", "lesson-3", "lesson-2"]
    assert client.submit(f"/courses/lessons/{last.id}/move", {"direction": "sideways"}).status_code == 400
    assert client.submit(f"/courses/lessons/{last.id}/delete", {"confirmed": "1"}).status_code == 302
    assert client.submit(f"/courses/modules/{second.id}/delete", {"confirmed": "1"}).status_code == 302
    db.session.expire_all()
    assert [x.position for x in version.lessons] == [1, 2] and len(version.modules) == 1


def test_return_with_note_new_version_history_archive(as_user, builder, demo, db):
    course = builder.published(author="expert.shenzhen", slug="lived")
    author = as_user("expert.shenzhen")
    page = author.get("/courses/lived").get_data(as_text=True)
    assert "Edit (new draft version)" in page
    response = author.submit(f"/courses/manage/{course.id}/new-version")
    v2_url = response.headers["Location"]
    v2 = db.session.execute(sa.select(CourseVersion).where(CourseVersion.number == 2)).scalar_one()
    assert v2_url.endswith(f"/courses/versions/{v2.id}")
    author.submit(f"/courses/versions/{v2.id}/submit")
    reviewer = as_user("officer.futian")
    page = reviewer.submit(
        f"/courses/versions/{v2.id}/review", {"note": "", "send_back": "Return"}, follow_redirects=True
    )
    assert "Say what should change." in page.get_data(as_text=True)
    reviewer.submit(f"/courses/versions/{v2.id}/review", {"note": "Cite Decree 282.", "send_back": "Return"})
    page = author.get(v2_url).get_data(as_text=True)
    assert "Cite Decree 282." in page and "Submit for review" in page
    history = reviewer.get(f"/courses/manage/{course.id}/history").get_data(as_text=True)
    assert "Version 2" in history and "Cite Decree 282." in history and "Seen by trainees" in history
    author.submit(f"/courses/versions/{v2.id}/submit")
    author.submit(f"/courses/versions/{v2.id}/withdraw")
    db.session.expire_all()
    assert v2.status == "draft"
    author.submit(f"/courses/manage/{course.id}/archive")
    db.session.expire_all()
    assert course.archived
    assert "Old course" not in reviewer.get("/courses/").get_data(as_text=True)
    assert "lived" not in as_user("trainee").get("/courses/").get_data(as_text=True)
    assert as_user("trainee").get("/courses/lived").status_code == 404
    author.submit(f"/courses/manage/{course.id}/restore")
    db.session.expire_all()
    assert not course.archived


def test_enrolled_trainee_keeps_an_archived_course(as_user, builder, demo, db):
    course = builder.published(author="expert.shenzhen", slug="kept")
    builder.enroll("trainee", course, actor=demo.user("trainee"))
    services.archive_course(demo.user("expert.shenzhen"), course)
    db.session.commit()
    client = as_user("trainee")
    assert client.get("/courses/kept").status_code == 200
    assert client.get("/courses/kept/lessons/lesson-1").status_code == 200
    assert client.submit("/courses/kept/lessons/lesson-1/complete").status_code == 302


@pytest.mark.parametrize(
    "url",
    [
        "/courses/versions/99999999999999999999",
        "/courses/attachments/99999999999999999999",
        "/courses/manage/99999999999999999999/history",
        "/courses/?page=99999999999999",
    ],
)
def test_absurd_numbers_are_not_errors(as_user, db, demo, url):
    assert as_user("admin").get(url).status_code in (200, 404)
