"""Progress and completion: lessons marked, the lessons requirement, evidence of completion in the ledger."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.completion import requirement_statuses
from lms.courses.models import LessonProgress
from lms.errors import InvalidInput, NotPermitted
from lms.evidence.ledger import KINDS
from lms.evidence.models import LedgerEntry


def test_marking_every_lesson_completes_the_course_once(builder, demo, db):
    course = builder.published(lessons=3)
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    lessons = course.published_version.lessons
    assert services.mark_lesson_complete(trainee, enrollment, lessons[0]) is False
    assert services.mark_lesson_complete(trainee, enrollment, lessons[0]) is False  # twice: still one row
    assert services.mark_lesson_complete(trainee, enrollment, lessons[1]) is False
    assert services.progress_for([enrollment])[enrollment.id].next_lesson.slug == lessons[2].slug
    assert services.mark_lesson_complete(trainee, enrollment, lessons[2]) is True
    db.session.commit()
    assert enrollment.status == "completed"
    assert enrollment.completed_version_id == course.published_version_id
    assert db.session.execute(sa.select(sa.func.count()).select_from(LessonProgress)).scalar_one() == 3
    entries = (
        db.session.execute(sa.select(LedgerEntry).where(LedgerEntry.kind == "course_completed"))
        .scalars()
        .all()
    )
    assert len(entries) == 1
    payload = json.loads(entries[0].payload)
    assert payload == {
        "user_id": trainee.id,
        "course_id": course.id,
        "version_id": course.published_version_id,
        "completed_at": enrollment.completed_at.isoformat(),
    }
    # The description is reproducible from the row, as the ledger verifier needs.
    assert KINDS["course_completed"].describe(enrollment) == {
        "user_id": trainee.id,
        "course_id": course.id,
        "version_id": course.published_version_id,
        "completed_at": enrollment.completed_at,
    }
    # Marking again after completion changes nothing and writes no second entry.
    assert services.mark_lesson_complete(trainee, enrollment, lessons[0]) is False
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "course_completed")
        ).scalar_one()
        == 1
    )


def test_enrolment_is_not_ledger_evidence(builder, demo, db):
    course = builder.published()
    builder.enroll("trainee", course, actor=demo.user("trainee"))
    assert db.session.execute(sa.select(LedgerEntry)).first() is None


def test_only_the_trainee_marks_and_only_current_lessons(builder, demo, db):
    course = builder.published(author="expert.shenzhen")
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    with pytest.raises(NotPermitted):
        services.mark_lesson_complete(
            demo.user("trainee.manager"), enrollment, course.published_version.lessons[0]
        )
    draft = services.start_new_version(demo.user("expert.shenzhen"), course)
    db.session.flush()
    with pytest.raises(InvalidInput):
        services.mark_lesson_complete(trainee, enrollment, draft.lessons[0])


def test_progress_survives_a_new_version_by_lesson_slug(builder, demo, db):
    course = builder.published(author="expert.shenzhen", lessons=2)
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    services.mark_lesson_complete(trainee, enrollment, course.published_version.lessons[0])
    author = demo.user("expert.shenzhen")
    draft = services.start_new_version(author, course)
    db.session.flush()
    services.create_lesson(author, draft, {"title": "Extra", "slug": "extra", "minutes": 5, "body": "x"})
    services.submit_for_review(author, draft)
    services.approve(demo.user("admin"), draft)
    db.session.commit()
    progress = services.progress_for([enrollment])[enrollment.id]
    assert (progress.done, progress.total) == (1, 3)


def test_course_without_the_lessons_rule(builder, demo):
    course = builder.published(require_lessons=False, require_attendance=False, require_quizzes=[])
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    assert [s.key for s in requirement_statuses(enrollment)] == []
    # Nothing is required: marking a lesson does not complete an empty rule.
    assert services.mark_lesson_complete(trainee, enrollment, course.published_version.lessons[0]) is False


def test_lesson_page_mark_complete_and_my_learning(client, builder, demo):
    course = builder.published(slug="progress-course", lessons=2)
    builder.enroll("trainee", course, actor=demo.user("trainee"))
    client.login("trainee")
    page = client.get("/courses/my").get_data(as_text=True)
    assert "<progress" in page and "0 of 2" in page and "Lesson 1" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "panel-courses_my_learning" in dashboard and "Lesson 1" in dashboard
    response = client.submit("/courses/progress-course/lessons/lesson-1/complete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/lessons/lesson-2")
    page = client.get("/courses/my").get_data(as_text=True)
    assert "1 of 2" in page and 'value="50"' in page
    lesson = client.get("/courses/progress-course/lessons/lesson-1").get_data(as_text=True)
    assert "You completed this lesson." in lesson
    assert (
        client.post("/courses/progress-course/lessons/lesson-2/complete").status_code == 400
    )  # no CSRF token


def test_mark_complete_without_enrolment_is_refused(client, builder, demo):
    builder.published(slug="not-enrolled")
    client.login("trainee")
    assert client.submit("/courses/not-enrolled/lessons/lesson-1/complete").status_code == 403
    assert client.submit("/courses/not-enrolled/lessons/no-such-lesson/complete").status_code == 404
