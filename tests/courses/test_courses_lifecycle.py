"""Versions and review: draft → in review → published → archived; nobody approves their own version."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import CourseVersion
from lms.errors import InvalidInput, NotPermitted, RuleViolation


def test_new_course_is_a_draft_owned_by_its_author(builder, demo):
    course = builder.draft(author="expert.shenzhen", slug="my-course")
    version = course.versions[0]
    assert course.owner_id == demo.user("expert.shenzhen").id
    assert (version.status, version.number, version.origin) == ("draft", 1, "browser")
    assert course.published_version_id is None
    assert [lesson.position for lesson in version.lessons] == [1, 2]


@pytest.mark.parametrize("login", ["trainee", "officer.shenzhen"])
def test_only_experts_and_admins_write_courses(db, demo, login):
    with pytest.raises(NotPermitted):
        services.create_course(
            demo.user(login),
            slug="x-course",
            values=dict(title="X", language="en", training_type="compliance", modes=["online"], hours=1),
        )


@pytest.mark.parametrize("slug", ["Bad Slug", "my", "authoring", "a--b", "-x", ""])
def test_bad_or_reserved_slugs_are_refused(db, demo, slug):
    with pytest.raises(InvalidInput) as error:
        services.create_course(
            demo.user("expert.national"),
            slug=slug,
            values=dict(title="X", language="en", training_type="compliance", modes=["online"], hours=1),
        )
    assert error.value.field == "slug"


def test_duplicate_slug_is_refused(builder, demo):
    builder.draft(slug="same-slug")
    with pytest.raises(RuleViolation):
        builder.draft(slug="same-slug")


def test_social_media_mode_needs_a_link(builder):
    with pytest.raises(InvalidInput) as error:
        builder.draft(modes=["social_media"])
    assert error.value.field == "social_link"
    with pytest.raises(InvalidInput):
        builder.draft(modes=["online"], social_link="https://example.org/")
    course = builder.draft(modes=["online", "social_media"], social_link="https://example.org/")
    assert course.versions[0].social_link == "https://example.org/"


def test_author_cannot_approve_own_version(builder, demo):
    course = builder.draft(author="expert.shenzhen")
    version = course.versions[0]
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    with pytest.raises(NotPermitted, match="someone else"):
        services.approve(demo.user("expert.shenzhen"), version)
    assert version.status == "in_review"


@pytest.mark.parametrize("reviewer", ["expert.national", "officer.futian", "admin"])
def test_another_expert_officer_or_admin_approves(builder, demo, reviewer):
    course = builder.draft(author="expert.shenzhen")
    version = course.versions[0]
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    services.approve(demo.user(reviewer), version, "Looks right.")
    assert version.status == "published"
    assert course.published_version_id == version.id
    assert version.reviewed_by_id == demo.user(reviewer).id
    assert version.source_hash


def test_trainee_cannot_review(builder, demo):
    course = builder.draft(author="expert.shenzhen")
    version = course.versions[0]
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    with pytest.raises(NotPermitted):
        services.approve(demo.user("trainee"), version)


def test_return_needs_a_note_and_goes_back_to_draft(builder, demo):
    course = builder.draft(author="expert.shenzhen")
    version = course.versions[0]
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    with pytest.raises(InvalidInput):
        services.return_to_author(demo.user("expert.national"), version, "  ")
    services.return_to_author(demo.user("expert.national"), version, "Add the Decree 282 levels.")
    assert version.status == "draft"
    assert version.review_note == "Add the Decree 282 levels."
    with pytest.raises(RuleViolation):
        services.approve(demo.user("expert.national"), version)


def test_submit_needs_a_lesson(builder, demo):
    course = builder.draft(lessons=0)
    with pytest.raises(RuleViolation):
        services.submit_for_review(demo.user("expert.national"), course.versions[0])


def test_editing_a_published_course_makes_a_new_draft_and_trainees_keep_the_old(builder, demo, db):
    course = builder.published(author="expert.shenzhen")
    v1 = course.published_version
    enrollment = builder.enroll("trainee", course, actor=demo.user("trainee"))
    author = demo.user("expert.shenzhen")
    v2 = services.start_new_version(author, course)
    db.session.flush()
    assert (v2.number, v2.status) == (2, "draft")
    assert [lesson.slug for lesson in v2.lessons] == [lesson.slug for lesson in v1.lessons]
    assert [m.title for m in v2.modules] == [m.title for m in v1.modules]
    assert {lesson.id for lesson in v2.lessons}.isdisjoint({lesson.id for lesson in v1.lessons})
    services.update_lesson(
        author,
        v2.lessons[0],
        {"title": "Rewritten", "minutes": 5, "body": "New text", "module_id": v2.lessons[0].module_id},
    )
    db.session.commit()
    assert course.published_version_id == v1.id
    assert v1.lessons[0].title == "Lesson 1"
    # A second draft at the same time is refused.
    with pytest.raises(RuleViolation):
        services.start_new_version(author, course)
    db.session.rollback()
    services.submit_for_review(author, v2)
    services.approve(demo.user("officer.shanghai"), v2)
    db.session.commit()
    assert course.published_version_id == v2.id
    assert db.session.get(CourseVersion, v1.id).status == "archived"
    assert enrollment.course.published_version.lessons[0].title == "Rewritten"


def test_only_the_owner_or_an_admin_starts_a_new_version(builder, demo):
    course = builder.published(author="expert.shenzhen")
    for login in ("expert.national", "officer.shenzhen", "trainee"):
        with pytest.raises(NotPermitted):
            services.start_new_version(demo.user(login), course)
    assert services.start_new_version(demo.user("admin"), course).number == 2


def test_draft_edits_only_by_its_authors(builder, demo):
    course = builder.draft(author="expert.shenzhen")
    version = course.versions[0]
    for login in ("expert.national", "officer.shenzhen"):
        with pytest.raises(NotPermitted):
            services.add_module(demo.user(login), version, "Intruder")
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    with pytest.raises(NotPermitted):  # in review: no more edits until returned
        services.add_module(demo.user("expert.shenzhen"), version, "Late")


def test_archive_and_restore(builder, demo, db):
    course = builder.published(author="expert.shenzhen")
    author = demo.user("expert.shenzhen")
    services.archive_course(author, course)
    db.session.commit()
    assert course.archived and course.published_version.status == "archived"
    with pytest.raises(RuleViolation):
        services.enroll(demo.user("trainee"), course, demo.user("trainee"))
    with pytest.raises(RuleViolation):
        services.start_new_version(author, course)
    services.restore_course(author, course)
    assert not course.archived and course.published_version.status == "published"


def test_discarded_draft_is_archived_and_frees_the_course(builder, demo, db):
    course = builder.published(author="expert.shenzhen")
    author = demo.user("expert.shenzhen")
    v2 = services.start_new_version(author, course)
    db.session.flush()
    services.discard_draft(author, v2)
    db.session.flush()
    assert v2.status == "archived"
    assert services.start_new_version(author, course).number == 3


def test_one_open_version_per_course_in_the_database(builder, db):
    course = builder.draft()
    db.session.add(
        CourseVersion(course=course, number=2, status="draft", title="Other", training_type="compliance")
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_prerequisite_loops_are_refused(builder, demo, db):
    first = builder.published()
    second = builder.published(prerequisites=[first])
    version = services.start_new_version(demo.user("expert.national"), first)
    db.session.flush()
    with pytest.raises(InvalidInput, match="loop"):
        services.set_prerequisites(version, [second])
    with pytest.raises(InvalidInput):
        services.set_prerequisites(version, [first])


def test_module_and_lesson_ordering(builder, demo, db):
    course = builder.draft(lessons=4, modules=2)
    version = course.versions[0]
    author = demo.user("expert.national")
    # Lessons are grouped by module: Module 1 has lessons 1 and 3, Module 2 lessons 2 and 4.
    assert [lesson.slug for lesson in sorted(version.lessons, key=lambda x: x.position)] == [
        "lesson-1",
        "lesson-3",
        "lesson-2",
        "lesson-4",
    ]
    services.move_module(author, version.modules[1], "up")
    db.session.commit()
    db.session.refresh(version)
    assert [m.title for m in version.modules] == ["Module 2", "Module 1"]
    assert [lesson.slug for lesson in version.lessons] == ["lesson-2", "lesson-4", "lesson-1", "lesson-3"]
    lesson_4 = next(x for x in version.lessons if x.slug == "lesson-4")
    services.move_lesson(author, lesson_4, "up")
    db.session.commit()
    db.session.refresh(version)
    assert [lesson.slug for lesson in version.lessons] == ["lesson-4", "lesson-2", "lesson-1", "lesson-3"]
    services.move_lesson(author, lesson_4, "up")  # already first: nothing moves
    with pytest.raises(RuleViolation):
        services.delete_module(author, version.modules[0])
    for lesson in [x for x in version.lessons if x.module_id == version.modules[0].id]:
        services.delete_lesson(author, lesson)
    services.delete_module(author, version.modules[0])
    db.session.commit()
    db.session.refresh(version)
    assert [m.position for m in version.modules] == [1]
    assert [x.position for x in version.lessons] == [1, 2]
