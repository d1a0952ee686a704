"""Builders for the experts tests: courses, sessions (created directly), expert profiles, registrations."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.courses.models import Course
from lms.database import utcnow
from lms.experts.models import ExpertProfile, ExpertSpecialty, Involvement, UnavailablePeriod
from lms.sessions.models import Registration, SessionExpert, SessionFeedback, TrainingSession
from tests.factories import published_course

SHANGHAI = ZoneInfo("Asia/Shanghai")
_seq = itertools.count(1)


def local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    """An aware UTC datetime for a wall-clock time in Asia/Shanghai."""
    return datetime.combine(day, time(hour, minute), tzinfo=SHANGHAI).astimezone(ZoneInfo("UTC"))


def future_month(months_ahead: int = 3) -> date:
    """The first day of a month comfortably in the future (tests must not depend on today)."""
    today = utcnow().astimezone(SHANGHAI).date()
    year, month = today.year, today.month + months_ahead
    year += (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


class ExpertsKit:
    def __init__(self, db, factory):
        self.db = db
        self.factory = factory

    def course(self, topics=("internal_control",), tags=(), title=None) -> Course:
        n = next(_seq)
        return published_course(
            self.db,
            slug=f"course-{n}",
            title=title or f"Course {n}",
            training_type="aeo_certification",
            topics=list(topics),
            tags=list(tags),
        )

    def session(
        self,
        unit,
        starts_at: datetime,
        *,
        hours: float = 3,
        course=None,
        mode="in_class",
        status="open",
        enterprise=None,
        host=None,
        title="",
        capacity=30,
    ) -> TrainingSession:
        session = TrainingSession(
            course=course or self.course(),
            unit=unit,
            mode=mode,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours),
            capacity=capacity,
            status=status,
            title=title,
            enterprise_id=enterprise.id if enterprise is not None else None,
            host_enterprise_id=host.id if host is not None else None,
        )
        self.db.session.add(session)
        self.db.session.flush()
        return session

    def expert(
        self,
        unit,
        level="regional",
        *,
        topics=(),
        maximum=8,
        languages=("zh_CN",),
        name=None,
        login_name=None,
    ):
        user = self.factory.user("expert", unit=unit, expert_level=level, login_name=login_name)
        if name:
            user.display_name = name
        profile = ExpertProfile(user_id=user.id, max_sessions_per_month=maximum, languages=list(languages))
        profile.specialties = [ExpertSpecialty(topic=t) for t in topics]
        self.db.session.add(profile)
        self.db.session.flush()
        return user

    def profile(self, user) -> ExpertProfile:
        import sqlalchemy as sa

        return self.db.session.execute(
            sa.select(ExpertProfile).where(ExpertProfile.user_id == user.id)
        ).scalar_one()

    def assign(self, session, expert, role="assistant") -> SessionExpert:
        """Put an expert on a session directly (history, not a checked assignment)."""
        row = SessionExpert(session_id=session.id, expert_id=expert.id, role=role)
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def unavailable(self, expert, starts_on: date, ends_on: date, reason="Leave") -> UnavailablePeriod:
        period = UnavailablePeriod(
            profile=self.profile(expert), starts_on=starts_on, ends_on=ends_on, reason=reason
        )
        self.db.session.add(period)
        self.db.session.flush()
        return period

    def involvement(self, expert, enterprise, starts_on: date, ends_on: date | None = None, kind="audit"):
        row = Involvement(
            profile=self.profile(expert),
            kind=kind,
            enterprise_id=enterprise.id,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def register(self, session, trainee, status="confirmed", attendance=None) -> Registration:
        row = Registration(session_id=session.id, user_id=trainee.id, status=status, attendance=attendance)
        self.db.session.add(row)
        self.db.session.flush()
        return row

    def feedback(self, registration, content, expert, organisation, usefulness) -> SessionFeedback:
        row = SessionFeedback(
            registration_id=registration.id,
            session_id=registration.session_id,
            content=content,
            expert=expert,
            organisation=organisation,
            usefulness=usefulness,
        )
        self.db.session.add(row)
        self.db.session.flush()
        return row


@pytest.fixture
def kit(db, factory):
    return ExpertsKit(db, factory)


@pytest.fixture
def world(kit, factory):
    """Two regions (North with two local units, South with one), an officer in each, a GACC admin."""
    units = factory.tree()
    return {
        **units,
        "officer_north": factory.user("officer", unit=units["north"], login_name="officer.north"),
        "officer_north_a": factory.user("officer", unit=units["north_a"], login_name="officer.north_a"),
        "officer_south": factory.user("officer", unit=units["south"], login_name="officer.south"),
        "admin": factory.user("admin", unit=units["gacc"], login_name="admin.gacc"),
    }
