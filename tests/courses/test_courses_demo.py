"""The demo: the shipped curriculum, trainees at different stages, a version in review, a new draft; twice is
the same as once."""

from __future__ import annotations

import sqlalchemy as sa

from lms.courses import demo as courses_demo
from lms.courses import services
from lms.courses.models import Course, CourseVersion, Enrollment, LessonProgress


def _counts(db):
    return tuple(
        db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (Course, CourseVersion, Enrollment, LessonProgress)
    )


def _enrollment(db, demo, login, slug):
    return db.session.execute(
        sa.select(Enrollment)
        .join(Course)
        .where(Enrollment.user_id == demo.user(login).id, Course.slug == slug)
    ).scalar_one()


def test_demo_load_is_idempotent_and_covers_the_stages(db, demo):
    summary = courses_demo.load()
    db.session.commit()
    assert "5 courses loaded" in summary
    first = _counts(db)
    assert "0 new enrolments" in courses_demo.load()
    db.session.commit()
    assert _counts(db) == first

    progress = lambda e: services.progress_for([e])[e.id]  # noqa: E731
    some = _enrollment(db, demo, "trainee", "credit-management")
    assert (progress(some).done, progress(some).total) == (2, 5)
    manager = _enrollment(db, demo, "trainee.manager", "credit-management")
    assert progress(manager).done == progress(manager).total == 5
    customs = _enrollment(db, demo, "trainee.customs", "aeo-standard")
    assert customs.status == "active" and progress(customs).done == 0
    assert customs.enrolled_by_id == demo.user("officer.futian").id

    in_review = db.session.execute(
        sa.select(CourseVersion).where(CourseVersion.status == "in_review")
    ).scalar_one()
    assert in_review.author_id == demo.user("expert.shenzhen").id and in_review.number == 2
    assert in_review.course.published_version.number == 1
    new_draft = db.session.execute(
        sa.select(Course).where(Course.slug == courses_demo.NEW_DRAFT_SLUG)
    ).scalar_one()
    assert new_draft.owner_id == demo.user("expert.shenzhen").id
    assert new_draft.published_version_id is None and new_draft.versions[0].status == "draft"


def test_curriculum_not_loaded_again_when_courses_exist(db, demo, builder):
    builder.published(slug="own-course")
    assert courses_demo.load().startswith("0 courses loaded")
