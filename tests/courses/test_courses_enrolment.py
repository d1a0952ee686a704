"""Enrolment: trainees enrol themselves in online courses once the prerequisites are done; officers enrol the
trainees of their jurisdiction; withdrawal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import Enrollment
from lms.errors import InvalidInput, NotPermitted, RuleViolation


def test_trainee_enrols_in_an_online_course(builder, demo):
    course = builder.published()
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    assert (enrollment.status, enrollment.enrolled_by_id) == ("active", trainee.id)
    with pytest.raises(RuleViolation, match="already enrolled"):
        services.enroll(trainee, course, trainee)


def test_self_enrolment_only_in_online_courses(builder, demo):
    course = builder.published(modes=["onsite", "in_class"])
    trainee = demo.user("trainee")
    with pytest.raises(RuleViolation, match="customs officer"):
        services.enroll(trainee, course, trainee)


def test_missing_prerequisites_are_named(builder, demo, db):
    basics = builder.published(title="Credit basics")
    security = builder.published(title="Security basics")
    advanced = builder.published(title="Advanced", prerequisites=[basics, security])
    trainee = demo.user("trainee")
    with pytest.raises(RuleViolation) as error:
        services.enroll(trainee, advanced, trainee)
    assert "Credit basics" in str(error.value) and "Security basics" in str(error.value)
    # Completing one leaves only the other one named.
    enrollment = services.enroll(trainee, basics, trainee)
    for lesson in basics.published_version.lessons:
        services.mark_lesson_complete(trainee, enrollment, lesson)
    db.session.commit()
    with pytest.raises(RuleViolation) as error:
        services.enroll(trainee, advanced, trainee)
    assert "Security basics" in str(error.value) and "Credit basics" not in str(error.value)


def test_trainee_cannot_enrol_someone_else(builder, demo):
    course = builder.published()
    with pytest.raises(NotPermitted):
        services.enroll(demo.user("trainee"), course, demo.user("trainee.manager"))


def test_officer_enrols_trainees_of_the_jurisdiction_only(builder, demo):
    course = builder.published(modes=["in_class"])
    officer = demo.user("officer.shenzhen")
    # In-class courses and missing prerequisites do not stop an officer's enrolment.
    assert services.enroll(officer, course, demo.user("trainee.futian")).enrolled_by_id == officer.id
    with pytest.raises(NotPermitted, match="jurisdiction"):
        services.enroll(officer, course, demo.user("trainee.shanghai"))
    with pytest.raises(NotPermitted):
        services.enroll(demo.user("expert.national"), course, demo.user("trainee"))
    assert services.enroll(demo.user("admin"), course, demo.user("trainee.shanghai")).status == "active"


def test_only_trainees_are_enrolled_and_only_in_published_courses(builder, demo):
    course = builder.published()
    with pytest.raises(InvalidInput):
        services.enroll(demo.user("admin"), course, demo.user("officer.futian"))
    draft = builder.draft()
    with pytest.raises(RuleViolation, match="not open"):
        services.enroll(demo.user("admin"), draft, demo.user("trainee"))


def test_withdraw_and_enrol_again_keeps_progress(builder, demo, db):
    course = builder.published(lessons=3)
    trainee = demo.user("trainee")
    enrollment = services.enroll(trainee, course, trainee)
    services.mark_lesson_complete(trainee, enrollment, course.published_version.lessons[0])
    services.withdraw(trainee, enrollment)
    assert enrollment.status == "withdrawn" and enrollment.withdrawn_at is not None
    with pytest.raises(RuleViolation):
        services.withdraw(trainee, enrollment)
    with pytest.raises(RuleViolation):
        services.mark_lesson_complete(trainee, enrollment, course.published_version.lessons[1])
    again = services.enroll(trainee, course, trainee)
    assert again.id == enrollment.id and again.status == "active"
    assert services.progress_for([again])[again.id].done == 1


def test_withdraw_by_others(builder, demo):
    course = builder.published()
    enrollment = builder.enroll("trainee.shanghai", course, actor=demo.user("admin"))
    with pytest.raises(NotPermitted):
        services.withdraw(demo.user("trainee"), enrollment)
    with pytest.raises(NotPermitted):
        services.withdraw(demo.user("officer.shenzhen"), enrollment)
    services.withdraw(demo.user("officer.shanghai"), enrollment)
    assert enrollment.status == "withdrawn"


def test_one_enrolment_per_trainee_and_course_in_the_database(builder, demo, db):
    course = builder.published()
    trainee = demo.user("trainee")
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    db.session.add(Enrollment(user_id=trainee.id, course_id=course.id))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


# -- through the pages ---------------------------------------------------------------------------------------


def test_enrol_page_names_missing_prerequisites(client, builder, demo):
    basics = builder.published(title="Credit basics", slug="credit-basics")
    builder.published(title="Advanced", slug="advanced", prerequisites=[basics])
    client.login("trainee")
    page = client.get("/courses/advanced").get_data(as_text=True)
    assert "Complete these courses first: Credit basics." in page
    response = client.submit("/courses/advanced/enrol", follow_redirects=True)
    assert "Complete these courses first: Credit basics." in response.get_data(as_text=True)


def test_officer_enrols_from_the_course_page(client, builder, demo, db):
    builder.published(slug="officer-course", modes=["in_class"])
    client.login("officer.futian")
    page = client.get("/courses/officer-course").get_data(as_text=True)
    assert demo.user("trainee").display_name in page
    assert demo.user("trainee.shanghai").display_name not in page
    ids = [demo.user("trainee").id, demo.user("trainee.customs").id]
    response = client.submit("/courses/officer-course/enrol-trainees", {"trainee_ids": ids})
    assert response.status_code == 302
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one() == 2
    listing = client.get("/courses/officer-course/enrolments").get_data(as_text=True)
    assert demo.user("trainee.customs").display_name in listing


def test_officer_of_another_jurisdiction_gets_404(client, builder, demo, db):
    builder.published(slug="far-course")
    client.login("officer.shanghai")
    response = client.submit("/courses/far-course/enrol-trainees", {"trainee_ids": [demo.user("trainee").id]})
    assert response.status_code == 404
    assert db.session.execute(sa.select(Enrollment)).first() is None


def test_enrolling_the_same_trainee_twice_from_the_page_says_so(client, builder, demo, db):
    course = builder.published(slug="twice")
    builder.enroll("trainee", course, actor=demo.user("admin"))
    client.login("admin")
    page = client.submit(
        "/courses/twice/enrol-trainees",
        {"trainee_ids": [demo.user("trainee").id, demo.user("trainee.manager").id]},
        follow_redirects=True,
    )
    assert "already enrolled" in page.get_data(as_text=True)
    # All or nothing: the second trainee was not enrolled either.
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one() == 1


def test_withdraw_someone_elses_enrolment_is_404(as_user, builder, demo, db):
    course = builder.published()
    enrollment = builder.enroll("trainee.manager", course, actor=demo.user("admin"))
    url = f"/courses/enrollments/{enrollment.id}/withdraw"
    assert as_user("trainee").submit(url, {"confirmed": "1"}).status_code == 404
    assert as_user("officer.shanghai").submit(url, {"confirmed": "1"}).status_code == 404
    assert as_user("expert.national").submit(url, {"confirmed": "1"}).status_code == 404
    db.session.refresh(enrollment)
    assert enrollment.status == "active"
    response = as_user("officer.futian").submit(url, {"confirmed": "1", "next": "enrollments"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/enrolments")
    db.session.refresh(enrollment)
    assert enrollment.status == "withdrawn"
