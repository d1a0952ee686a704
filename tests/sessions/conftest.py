"""Fixtures for the sessions tests: published courses, venues and sessions built directly (the clock is
tests/conftest.py's)."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from lms.database import utcnow
from lms.sessions.models import SessionExpert, TrainingSession, Venue
from tests.factories import published_course

_seq = itertools.count(1)


class Kit:
    def __init__(self, db):
        self.db = db

    def course(self, *, require_attendance: bool = False, published: bool = True, title: str | None = None):
        n = next(_seq)
        return published_course(
            self.db,
            slug=f"session-course-{n}",
            published=published,
            title=title or f"Course {n}",
            training_type="aeo_certification",
            require_lessons=False,
            require_attendance=require_attendance,
        )

    def venue(self, unit, capacity: int = 40, **values) -> Venue:
        n = next(_seq)
        venue = Venue(
            name_en=values.pop("name_en", f"Room {n}"),
            name_zh=f"教室{n}",
            address=f"{n} Test Road",
            capacity=capacity,
            unit_id=unit.id,
            **values,
        )
        self.db.session.add(venue)
        self.db.session.flush()
        return venue

    def session(
        self,
        course,
        unit,
        *,
        mode: str = "in_class",
        starts_at: datetime | None = None,
        hours: float = 2,
        capacity: int = 20,
        status: str = "open",
        venue=None,
        **values,
    ) -> TrainingSession:
        starts_at = starts_at or (utcnow() + timedelta(days=7)).replace(microsecond=0)
        if mode == "in_class" and venue is None and "venue_id" not in values:
            venue = self.venue(unit, capacity=max(capacity, 40))
        session = TrainingSession(
            course_id=course.id,
            unit_id=unit.id,
            mode=mode,
            title=values.pop("title", "Session"),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            status=status,
            seats_taken=0,
            venue_id=venue.id if venue is not None else values.pop("venue_id", None),
            **values,
        )
        self.db.session.add(session)
        self.db.session.flush()
        return session

    def assign(self, session, expert, role: str = "lead") -> SessionExpert:
        row = SessionExpert(session_id=session.id, expert_id=expert.id, role=role)
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def reload(self, model, id_):
        self.db.session.expire_all()
        return self.db.session.get(model, id_)

    def count(self, stmt) -> int:
        return self.db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()


@pytest.fixture
def kit(db):
    return Kit(db)
