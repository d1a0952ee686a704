"""The queries behind the session pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause, unit_clause, user_clause
from lms.courses.models import Course
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.sessions import services
from lms.sessions.models import (
    SESSION_MODES,
    SESSION_STATUSES,
    CoachingActionItem,
    Registration,
    SessionExpert,
    TrainingSession,
    Venue,
)
from lms.sessions.permissions import session_clause, venue_clause


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


def published_courses() -> sa.Select:
    """The courses a session may be scheduled for: published and not archived."""
    return (
        sa.select(Course)
        .where(Course.published_version_id.is_not(None), Course.archived.is_(False))
        .options(joinedload(Course.published_version))
        .order_by(Course.slug)
    )


def all_units() -> sa.Select:
    """Every customs unit, tree order (a trainee's or expert's filter of the session list)."""
    return sa.select(CustomsUnit).order_by(CustomsUnit.path)


def own_registration_statuses(user: User, session_ids: list[int]) -> sa.Select:
    """(session id, status) of ``user``'s registrations for the sessions ``session_ids``."""
    return sa.select(Registration.session_id, Registration.status).where(
        Registration.user_id == user.id, Registration.session_id.in_(session_ids)
    )


def registration_counts(session: TrainingSession) -> sa.Select:
    """(status, count) of the registrations of ``session``."""
    return (
        sa.select(Registration.status, sa.func.count())
        .where(Registration.session_id == session.id)
        .group_by(Registration.status)
    )


def checked_in_count(session: TrainingSession) -> sa.Select:
    return (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.session_id == session.id, Registration.checked_in_at.is_not(None))
    )


def confirmed_count(session: TrainingSession) -> sa.Select:
    return (
        sa.select(sa.func.count())
        .select_from(Registration)
        .where(Registration.session_id == session.id, Registration.status == "confirmed")
    )


def session_experts(session: TrainingSession) -> sa.Select:
    """The experts assigned to ``session``, the lead first."""
    return (
        sa.select(SessionExpert)
        .where(SessionExpert.session_id == session.id)
        .options(joinedload(SessionExpert.expert))
        .order_by(SessionExpert.role.desc(), SessionExpert.id)
    )


def usable_venues(actor) -> sa.Select:
    """The active venues ``actor`` may hold a session in."""
    return sa.select(Venue).where(venue_clause(actor), Venue.active.is_(True)).order_by(Venue.name_en)


def venue_list(actor) -> sa.Select:
    """The venues ``actor`` sees, active first."""
    return (
        sa.select(Venue)
        .where(venue_clause(actor))
        .options(joinedload(Venue.unit))
        .order_by(Venue.active.desc(), Venue.name_en, Venue.id)
    )


def managed_venue_ids(actor) -> sa.Select:
    return sa.select(Venue.id).where(venue_clause(actor, manage=True))


def enterprises_in_scope(actor) -> sa.Select:
    """The enterprises of ``actor``'s jurisdiction, by name (host and one-on-one choices, the filter of the
    registrations page)."""
    return sa.select(Enterprise).where(enterprise_clause(actor)).order_by(Enterprise.name_en)


def users_in_scope(actor, user_ids) -> sa.Select:
    """The users among ``user_ids`` inside ``actor``'s jurisdiction (fewer than asked: some are not)."""
    return sa.select(User).where(User.id.in_(user_ids), user_clause(actor))


def trainee_candidates(actor, session: TrainingSession, *, enterprise_id: int | None = None) -> sa.Select:
    """Active trainees of ``actor``'s jurisdiction not yet holding or awaiting a seat at ``session`` (its own
    enterprise's for a one-on-one session, else ``enterprise_id``'s when given); at most 500."""
    stmt = (
        sa.select(User)
        .where(User.role == "trainee", User.active.is_(True), enterprise_clause(actor, User.enterprise_id))
        .options(joinedload(User.enterprise))
        .order_by(User.enterprise_id, User.display_name)
    )
    if session.mode == "one_on_one":
        stmt = stmt.where(User.enterprise_id == session.enterprise_id)
    elif enterprise_id:
        stmt = stmt.where(User.enterprise_id == enterprise_id)
    registered = sa.select(Registration.user_id).where(
        Registration.session_id == session.id, Registration.status.in_(services.ACTIVE_REGISTRATION)
    )
    return stmt.where(User.id.not_in(registered)).limit(500)


def feedback_scope_clause(actor):
    """Sessions whose feedback ``actor`` reads: an expert their own, an officer their jurisdiction's."""
    if actor.role == "expert":
        return TrainingSession.id.in_(
            sa.select(SessionExpert.session_id).where(SessionExpert.expert_id == actor.id)
        )
    return unit_clause(actor, TrainingSession.unit_id)


def feedback_sessions(actor) -> sa.Select:
    """Sessions of ``actor``'s feedback scope that have started and were not cancelled, latest first."""
    return (
        sa.select(TrainingSession)
        .where(
            feedback_scope_clause(actor),
            TrainingSession.starts_at <= services.now(),
            TrainingSession.status != "cancelled",
        )
        .options(*list_options())
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    )


def feedback_session_ids(actor) -> sa.Select:
    """Ids of every session in ``actor``'s feedback scope (the totals of the feedback overview)."""
    return sa.select(TrainingSession.id).where(feedback_scope_clause(actor))


def my_registrations(user: User) -> sa.Select:
    """A trainee's registrations with their sessions, in session order (their calendar)."""
    return (
        sa.select(Registration)
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
        .where(Registration.user_id == user.id)
        .options(
            joinedload(Registration.session).joinedload(TrainingSession.venue),
            joinedload(Registration.session).joinedload(TrainingSession.unit),
        )
        .order_by(TrainingSession.starts_at)
    )


def my_expert_sessions(user: User) -> sa.Select:
    """The sessions an expert is assigned to, in session order (their calendar)."""
    return (
        sa.select(TrainingSession)
        .join(SessionExpert, SessionExpert.session_id == TrainingSession.id)
        .where(SessionExpert.expert_id == user.id)
        .options(joinedload(TrainingSession.venue), joinedload(TrainingSession.unit))
        .order_by(TrainingSession.starts_at)
    )


def coaching_action_items(session: TrainingSession) -> sa.Select:
    """A coaching session's action items: open first, then by due date (undated last)."""
    return (
        sa.select(CoachingActionItem)
        .where(CoachingActionItem.session_id == session.id)
        .options(joinedload(CoachingActionItem.owner))
        .order_by(
            CoachingActionItem.done,
            CoachingActionItem.due_on.is_(None),
            CoachingActionItem.due_on,
            CoachingActionItem.id,
        )
    )
