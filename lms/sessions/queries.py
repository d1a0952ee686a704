"""The queries behind the session pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.auth.scopes import user_clause
from lms.courses.models import Course
from lms.extensions import db
from lms.org.models import CustomsUnit
from lms.sessions import services
from lms.sessions.models import SESSION_MODES, SESSION_STATUSES, Registration, TrainingSession
from lms.sessions.permissions import session_clause


def list_options():
    return (
        joinedload(TrainingSession.course).joinedload(Course.published_version),
        joinedload(TrainingSession.unit),
        joinedload(TrainingSession.venue),
    )


def session_list(
    actor,
    *,
    course_id: int | None = None,
    unit_id: int | None = None,
    mode: str = "",
    status: str = "",
    when: str = "upcoming",
    date_from: date | None = None,
    date_to: date | None = None,
) -> sa.Select:
    """Sessions ``actor`` may see, with the list's filters; upcoming soonest first, past latest first."""
    stmt = sa.select(TrainingSession).where(session_clause(actor)).options(*list_options())
    if course_id:
        stmt = stmt.where(TrainingSession.course_id == course_id)
    if mode in SESSION_MODES:
        stmt = stmt.where(TrainingSession.mode == mode)
    if status in SESSION_STATUSES:
        stmt = stmt.where(TrainingSession.status == status)
    if unit_id:
        unit = db.session.get(CustomsUnit, unit_id)
        if unit is not None:
            stmt = stmt.where(
                TrainingSession.unit_id.in_(
                    sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(unit.path, autoescape=True))
                )
            )
    if date_from:
        stmt = stmt.where(
            TrainingSession.starts_at >= services.form_to_utc(datetime.combine(date_from, time()))
        )
    if date_to:
        stmt = stmt.where(
            TrainingSession.starts_at
            < services.form_to_utc(datetime.combine(date_to + timedelta(days=1), time()))
        )
    current = services.now()
    if when == "upcoming" and not (date_from or date_to):
        stmt = stmt.where(TrainingSession.ends_at >= current).order_by(
            TrainingSession.starts_at, TrainingSession.id
        )
    elif when == "past" and not (date_from or date_to):
        stmt = stmt.where(TrainingSession.ends_at < current).order_by(
            TrainingSession.starts_at.desc(), TrainingSession.id.desc()
        )
    else:
        stmt = stmt.order_by(TrainingSession.starts_at, TrainingSession.id)
    return stmt


def session_registrations(actor, session: TrainingSession, *, manage: bool) -> sa.Select:
    """A session's registrations as its registrations page lists them: everyone for its organisers, the
    people of their own jurisdiction for other officers."""
    stmt = (
        sa.select(Registration)
        .where(Registration.session_id == session.id)
        .options(joinedload(Registration.user).joinedload(User.enterprise))
        .order_by(
            sa.case(
                (Registration.status == "pending", 0),
                (Registration.status == "confirmed", 1),
                (Registration.status == "waitlisted", 2),
                else_=3,
            ),
            Registration.waitlisted_at,
            Registration.id,
        )
    )
    if not manage:
        stmt = stmt.where(Registration.user_id.in_(sa.select(User.id).where(user_clause(actor))))
    return stmt


def attendance_sheet(session: TrainingSession) -> sa.Select:
    """The confirmed registrations of a session: the rows of its attendance sheet."""
    return (
        sa.select(Registration)
        .where(Registration.session_id == session.id, Registration.status == "confirmed")
        .options(joinedload(Registration.user).joinedload(User.enterprise))
        .order_by(Registration.id)
    )


def active_registration_count(session: TrainingSession) -> sa.Select:
    """How many registrations of ``session`` still hold or wait for a seat."""
    return (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.session_id == session.id, Registration.status.in_(services.ACTIVE_REGISTRATION))
    )
