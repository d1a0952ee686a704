"""Factories for tests: small, explicit builders with sensible defaults."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from lms.auth.models import User
from lms.courses.models import Course, CourseVersion, Lesson
from lms.database import utcnow
from lms.org.models import CustomsUnit, Enterprise
from lms.org.uscc import make_uscc
from lms.privacy.notice import accept_current

_seq = itertools.count(1)


def published_course(
    db,
    *,
    slug: str | None = None,
    owner: User | None = None,
    published: bool = True,
    lessons: Iterable[tuple[str, str]] = (),
    **fields,
) -> Course:
    """A course with one version, published now (or left a draft with ``published=False``).

    ``lessons`` are (slug, title) pairs, each with the body "Text"; every other keyword is a field of the
    version (title "Course <n>" and training type "compliance" unless given).
    """
    n = next(_seq) if slug is None or "title" not in fields else 0  # the sequence moves only when used
    course = Course(slug=slug or f"course-{n}", owner=owner)
    values = {"title": f"Course {n}", "training_type": "compliance"} | fields
    if published:
        values.setdefault("published_at", utcnow())
    version = CourseVersion(course=course, number=1, status="published" if published else "draft", **values)
    for position, (lesson_slug, title) in enumerate(lessons, start=1):
        version.lessons.append(Lesson(position=position, slug=lesson_slug, title=title, body="Text"))
    db.session.add_all([course, version])
    db.session.flush()
    if published:
        course.published_version = version
        db.session.flush()
    return course


class Factory:
    def __init__(self, db):
        self.db = db

    def unit(
        self,
        code: str | None = None,
        level: str = "local",
        parent: CustomsUnit | None = None,
        name_en: str | None = None,
    ) -> CustomsUnit:
        n = next(_seq)
        unit = CustomsUnit(
            code=code or f"U{n:04d}",
            name_en=name_en or f"Unit {n}",
            name_zh=f"单位{n}",
            level=level,
            parent=parent,
        )
        self.db.session.add(unit)
        self.db.session.flush()
        unit.path = (parent.path if parent else "/") + f"{unit.id}/"
        self.db.session.flush()
        return unit

    def course(self, **values) -> Course:
        """See :func:`published_course`."""
        return published_course(self.db, **values)

    def tree(self) -> dict[str, CustomsUnit]:
        gacc = self.unit(level="gacc", name_en="GACC")
        north = self.unit(level="regional", parent=gacc, name_en="North")
        south = self.unit(level="regional", parent=gacc, name_en="South")
        return {
            "gacc": gacc,
            "north": north,
            "south": south,
            "north_a": self.unit(parent=north, name_en="North A"),
            "north_b": self.unit(parent=north, name_en="North B"),
            "south_a": self.unit(parent=south, name_en="South A"),
        }

    def enterprise(self, unit: CustomsUnit, **values) -> Enterprise:
        n = next(_seq)
        body = f"{n:09d}"
        defaults = dict(
            name_en=f"Enterprise {n}",
            name_zh=f"企业{n}",
            uscc=make_uscc("91440300" + body),
            customs_code=f"F{n:09d}",
            business_type="importer_exporter",
            unit=unit,
        )
        defaults.update(values)
        enterprise = Enterprise(**defaults)
        self.db.session.add(enterprise)
        self.db.session.flush()
        return enterprise

    def user(
        self,
        role: str = "trainee",
        *,
        enterprise: Enterprise | None = None,
        unit: CustomsUnit | None = None,
        login_name: str | None = None,
        password: str = "demo-2026",
        accepted_notice: bool = True,
        **values,
    ) -> User:
        n = next(_seq)
        login_name = login_name or f"{role}{n}"
        user = User(
            login_name=login_name,
            email=f"{login_name}@example.com",
            display_name=f"{role.title()} {n}",
            role=role,
            **values,
        )
        if role == "trainee":
            user.enterprise = enterprise
            user.position = values.get("position") or "department_staff"
        else:
            user.unit = unit
            if role == "expert" and not values.get("expert_level"):
                user.expert_level = "regional"
        user.set_password(password)
        self.db.session.add(user)
        self.db.session.flush()
        if accepted_notice:  # people in tests have read the privacy notice unless a test says otherwise
            accept_current(user)
            self.db.session.flush()
        return user
