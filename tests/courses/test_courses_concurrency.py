"""Check-then-write rules under concurrent requests, against the real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.models import User
from lms.courses import services
from lms.courses.models import Course, CourseVersion, Enrollment, Lesson
from lms.errors import DomainError
from lms.evidence.models import LedgerEntry
from tests.support.race import race


def _run_together(app, db, work, count=2):
    """Run ``work(index)`` in ``count`` threads, each with its own app context and session, together."""
    db.session.commit()
    results = race(app, work, count).results(DomainError)
    db.session.expire_all()
    return results


def _user(login):
    return db_session().execute(sa.select(User).where(User.login_name == login)).scalar_one()


def db_session():
    from lms.extensions import db

    return db.session


def test_enrolling_twice_at_once_makes_one_enrolment(app, db, builder, demo):
    course_id = builder.published().id

    def work(index):
        trainee = _user("trainee")
        return services.enroll(trainee, db.session.get(Course, course_id), trainee).id

    results = _run_together(app, db, work)
    assert sum(isinstance(r, int) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one() == 1


def test_two_reviewers_approving_at_once_publish_once(app, db, builder, demo):
    course = builder.draft(author="expert.shenzhen")
    version_id = course.versions[0].id
    services.submit_for_review(demo.user("expert.shenzhen"), course.versions[0])

    def work(index):
        reviewer = _user(["officer.futian", "expert.national"][index])
        services.approve(reviewer, db.session.get(CourseVersion, version_id))
        return "approved"

    results = _run_together(app, db, work)
    assert results.count("approved") == 1
    version = db.session.get(CourseVersion, version_id)
    assert version.status == "published"
    assert db.session.get(Course, course.id).published_version_id == version_id


def test_starting_two_drafts_at_once_leaves_one(app, db, builder, demo):
    course_id = builder.published(author="expert.shenzhen").id

    def work(index):
        author = _user(["expert.shenzhen", "admin"][index])
        return services.start_new_version(author, db.session.get(Course, course_id)).number

    results = _run_together(app, db, work)
    assert sum(isinstance(r, int) for r in results) == 1
    open_count = db.session.execute(
        sa.select(sa.func.count())
        .select_from(CourseVersion)
        .where(CourseVersion.course_id == course_id, CourseVersion.status.in_(("draft", "in_review")))
    ).scalar_one()
    assert open_count == 1


def test_last_two_lessons_marked_at_once_complete_the_course_once(app, db, builder, demo):
    course = builder.published(lessons=3)
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    lessons = course.published_version.lessons
    services.mark_lesson_complete(trainee, enrollment, lessons[0])
    enrollment_id, lesson_ids = enrollment.id, [lessons[1].id, lessons[2].id]

    def work(index):
        return services.mark_lesson_complete(
            _user("trainee"),
            db.session.get(Enrollment, enrollment_id),
            db.session.get(Lesson, lesson_ids[index]),
        )

    results = _run_together(app, db, work)
    assert sorted(results) == [False, True]
    assert db.session.get(Enrollment, enrollment_id).status == "completed"
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.kind == "course_completed")
        ).scalar_one()
        == 1
    )
