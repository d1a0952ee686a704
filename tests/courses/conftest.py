"""Fixtures of the courses tests: published courses built through the services, the shipped curriculum."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import Course, Enrollment

_seq = itertools.count(1)

BASE_VALUES = {
    "title": "Course",
    "summary": "A summary.",
    "overview": "Overview **text**.",
    "language": "en",
    "training_type": "compliance",
    "modes": ["online"],
    "social_link": "",
    "audience_positions": [],
    "audience_business_types": [],
    "topics": ["compliance"],
    "tags": [],
    "hours": 2,
    "require_lessons": True,
    "require_quizzes": [],
    "require_attendance": False,
}


class CourseBuilder:
    def __init__(self, db, demo):
        self.db = db
        self.demo = demo

    def draft(self, *, author="expert.national", slug=None, lessons=2, modules=1, prerequisites=(), **values):
        author_user = self.demo.user(author) if isinstance(author, str) else author
        n = next(_seq)
        data = dict(BASE_VALUES, title=values.pop("title", f"Course {n}"), **values)
        course = services.create_course(
            author_user, slug=slug or f"course-{n}", values=data, prerequisites=list(prerequisites)
        )
        version = course.versions[0]
        self.db.session.flush()
        module_rows = [services.add_module(author_user, version, f"Module {i + 1}") for i in range(modules)]
        for i in range(lessons):
            module = module_rows[i % len(module_rows)] if module_rows else None
            services.create_lesson(
                author_user,
                version,
                {
                    "title": f"Lesson {i + 1}",
                    "slug": f"lesson-{i + 1}",
                    "minutes": 10,
                    "body": f"Body of lesson {i + 1}.",
                    "module_id": module.id if module else None,
                },
            )
        self.db.session.flush()
        return course

    def published(self, *, reviewer="officer.shenzhen", **kwargs):
        course = self.draft(**kwargs)
        version = course.versions[0]
        services.submit_for_review(version.author, version)
        services.approve(self.demo.user(reviewer), version)
        self.db.session.commit()
        return course

    def enroll(self, login: str, course: Course, actor=None) -> Enrollment:
        trainee = self.demo.user(login)
        enrollment = services.enroll(actor, course, trainee)
        self.db.session.commit()
        return enrollment


@pytest.fixture
def builder(db, demo):
    return CourseBuilder(db, demo)


@pytest.fixture
def shipped(app, db, demo):
    """The shipped curriculum, loaded as the CLI does."""
    from lms.courses.curriculum import load_curriculum

    load_curriculum(Path(app.config["COURSES_DIR"]))
    db.session.commit()
    return {c.slug: c for c in db.session.execute(sa.select(Course)).scalars()}


@pytest.fixture
def as_user(app, db):
    """``as_user("officer.futian")``: a fresh client logged in as that account (one client per person)."""

    def make(login: str):
        client = app.test_client()
        client.login(login)
        return client

    return make
