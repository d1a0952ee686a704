"""Demo courses: the shipped curriculum, trainees at different stages, a version in review and a new draft.

Idempotent: every step looks for what it would create and skips it when it is already there.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from flask import current_app

from lms.auth.models import User
from lms.courses import services
from lms.courses.models import Course, CourseVersion, Enrollment
from lms.errors import DomainError
from lms.extensions import db

# trainee, course, lessons done ("all" = every lesson), enrolled by (None: the trainee, self-enrolment)
ENROLMENTS = [
    ("trainee", "credit-management", 2, None),
    ("trainee", "mutual-recognition", 1, None),
    ("trainee.manager", "credit-management", "all", None),
    ("trainee.manager", "aeo-standard", 1, "officer.futian"),
    ("trainee.customs", "aeo-standard", 0, "officer.futian"),
    ("trainee.finance", "mutual-recognition", 3, None),
    ("trainee.futian", "credit-management", 1, None),
    ("trainee.shekou", "trade-security-onsite", 0, "officer.shenzhen"),
    ("trainee.nanshan", "credit-management", 4, None),
    ("trainee.guangzhou", "mutual-recognition", "all", None),
    ("trainee.shanghai", "credit-management", 3, None),
    ("trainee.pudong", "certification-procedure", 1, "officer.shanghai"),
    ("trainee.nanjing", "mutual-recognition", 2, None),
]

REVIEW_COURSE = "trade-security-onsite"
NEW_DRAFT_SLUG = "verification-visit-readiness"

NEW_LESSON_BODY = """# What changed after the 2026 visits

Groups that visited the training base in 2026 asked for more time at the container inspection bay, so the
visit now spends a longer stop there.

1. Walk the **seven-point inspection** yourself, with a checklist in hand.
2. Compare a high-security seal with an ordinary one, and record the seal number the way your staff would.
3. Note one gap in your own procedure and the person who will close it.

| Stop | Minutes |
|---|---|
| Briefing room | 30 |
| Container inspection bay | 45 |
| Access control and CCTV room | 30 |
"""

DRAFT_LESSONS = [
    (
        "Before the visit",
        "what-customs-will-ask",
        "What customs will ask to see",
        30,
        """# What customs will ask to see

A verification visit checks that what the enterprise wrote in its application is what happens on the floor.
Prepare, for each item of the standard, **the document**, **the person** who applies it and **the record**
that proves it was applied.

- internal control: the procedures, who signs them, and the training records of the staff who use them;
- financial status: the audited statements for the years the standard asks for;
- compliance: the list of declarations corrected and why;
- trade security: the access logs, seal register and partner assessments.
""",
    ),
    (
        "Before the visit",
        "a-dry-run",
        "Running a dry run",
        25,
        """# Running a dry run

Ask a colleague who did not write the procedures to play the customs officer for half a day. Every question
they cannot get answered in five minutes is a gap to close before the real visit.
""",
    ),
]


def _users() -> dict[str, User]:
    return {u.login_name: u for u in db.session.execute(sa.select(User)).scalars()}


def _courses() -> dict[str, Course]:
    return {c.slug: c for c in db.session.execute(sa.select(Course)).scalars()}


def _load_curriculum() -> int:
    from lms.courses.curriculum import load_curriculum

    if db.session.execute(sa.select(Course.id).limit(1)).first() is not None:
        return 0
    report = load_curriculum(Path(current_app.config["COURSES_DIR"]))
    return len(report.created)


def _enrol(users: dict[str, User], courses: dict[str, Course]) -> int:
    created = 0
    for login, slug, done, enrolled_by in ENROLMENTS:
        trainee, course = users.get(login), courses.get(slug)
        if trainee is None or course is None or course.published_version is None:
            continue
        exists = db.session.execute(
            sa.select(Enrollment.id).where(
                Enrollment.user_id == trainee.id, Enrollment.course_id == course.id
            )
        ).first()
        if exists is not None:
            continue
        actor = users.get(enrolled_by) if enrolled_by else trainee
        try:
            enrollment = services.enroll(actor, course, trainee)
        except DomainError:
            enrollment = services.enroll(None, course, trainee)  # e.g. a prerequisite not met in the demo
        lessons = course.published_version.lessons
        for lesson in lessons if done == "all" else lessons[:done]:
            services.mark_lesson_complete(trainee, enrollment, lesson)
        created += 1
    return created


def _version_in_review(users: dict[str, User], courses: dict[str, Course]) -> int:
    """The Shenzhen expert looks after the Shenzhen training base course and has a new version in review."""
    author, course = users.get("expert.shenzhen"), courses.get(REVIEW_COURSE)
    if author is None or course is None or course.published_version is None:
        return 0
    written = db.session.execute(
        sa.select(CourseVersion.id).where(
            CourseVersion.course_id == course.id, CourseVersion.author_id == author.id
        )
    ).first()
    if written is not None or services.open_version(course) is not None:
        return 0
    course.owner_id = author.id
    version = services.start_new_version(author, course)
    db.session.flush()
    services.create_lesson(
        author,
        version,
        {
            "title": "What changed after the 2026 visits",
            "slug": "changes-after-2026-visits",
            "minutes": 20,
            "body": NEW_LESSON_BODY,
            "module_id": next((m.id for m in version.modules if m.title == "After the visit"), None),
        },
    )
    values = {name: getattr(version, name) for name in services.VERSION_FIELDS}
    values["hours"] = version.hours + 1
    services.update_version(author, version, values, list(version.prerequisites))
    services.submit_for_review(author, version)
    return 1


def _new_draft(users: dict[str, User], courses: dict[str, Course]) -> int:
    author = users.get("expert.shenzhen")
    if author is None or NEW_DRAFT_SLUG in courses:
        return 0
    prerequisite = courses.get("aeo-standard")
    course = services.create_course(
        author,
        slug=NEW_DRAFT_SLUG,
        values={
            "title": "Getting ready for the customs verification visit",
            "summary": "How to prepare documents, people and records for the on-site verification that "
            "follows an AEO certification application.",
            "overview": "A short practical course written from the Shenzhen experts' visits. "
            "**Draft**: still being written.",
            "language": "en",
            "training_type": "aeo_certification",
            "modes": ["online", "one_on_one"],
            "audience_positions": ["senior_management", "department_staff"],
            "audience_business_types": ["importer_exporter", "logistics"],
            "topics": ["internal_control", "trade_security"],
            "tags": ["verification", "certification-procedure"],
            "hours": 2,
            "require_lessons": True,
            "require_quizzes": [],
            "require_attendance": False,
        },
        prerequisites=[prerequisite] if prerequisite is not None else [],
    )
    version = course.versions[0]
    db.session.flush()
    modules = {}
    for module_title, slug, title, minutes, body in DRAFT_LESSONS:
        if module_title not in modules:
            modules[module_title] = services.add_module(author, version, module_title)
        services.create_lesson(
            author,
            version,
            {
                "title": title,
                "slug": slug,
                "minutes": minutes,
                "body": body,
                "module_id": modules[module_title].id,
            },
        )
    return 1


def load() -> str:
    loaded = _load_curriculum()
    users, courses = _users(), _courses()
    enrolled = _enrol(users, courses)
    in_review = _version_in_review(users, courses)
    drafts = _new_draft(users, courses)
    db.session.flush()
    return (
        f"{loaded} courses loaded from the curriculum, {enrolled} new enrolments, "
        f"{in_review} version submitted for review, {drafts} new draft course"
    )
