"""Seats: taken by a conditional UPDATE (never overbooked), released, the waitlist promoted by priority."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.extensions import db
from lms.notifications.services import notify
from lms.sessions.models import (
    Registration,
    TrainingSession,
)
from lms.sessions.timing import _session_link

# -- seats -------------------------------------------------------------------------------------------------


def _take_seat(session: TrainingSession) -> bool:
    """Take one seat if one is free, in one conditional UPDATE; True when a seat was taken."""
    result = db.session.execute(
        sa.update(TrainingSession)
        .where(
            TrainingSession.id == session.id,
            TrainingSession.seats_taken < TrainingSession.capacity,
            TrainingSession.status.in_(("open", "full")),
        )
        .values(
            seats_taken=TrainingSession.seats_taken + 1,
            status=sa.case(
                (TrainingSession.seats_taken + 1 >= TrainingSession.capacity, "full"),
                else_=TrainingSession.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["seats_taken", "status"])
    return result.rowcount == 1


def _release_seat(session: TrainingSession) -> None:
    db.session.execute(
        sa.update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.seats_taken > 0)
        .values(
            seats_taken=TrainingSession.seats_taken - 1,
            status=sa.case((TrainingSession.status == "full", "open"), else_=TrainingSession.status),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["seats_taken", "status"])


# Trainee priority (seed): the legal representative, then senior management, then staff of the relevant
# departments; anyone else (position "other" or none) after them. When seats are short it decides who gets
# them.
POSITION_PRIORITY = ("legal_representative", "senior_management", "department_staff", "other")


def priority_rank(position: str | None) -> int:
    return POSITION_PRIORITY.index(position) if position in POSITION_PRIORITY else len(POSITION_PRIORITY)


def _priority_rank_sql():
    return sa.case(
        {position: rank for rank, position in enumerate(POSITION_PRIORITY)},
        value=User.position,
        else_=len(POSITION_PRIORITY),
    )


def by_priority(trainees: list[User]) -> list[User]:
    """Trainees in priority order (stable: equal positions keep their order)."""
    return sorted(trainees, key=lambda user: priority_rank(user.position))


def promote_waitlist(session: TrainingSession, actor=None) -> list[Registration]:
    """Give free seats to the waitlist, telling each promoted trainee. Call after freeing seats.

    The waitlist is served by trainee priority (legal representative, senior management, department staff,
    others), and in the order of joining it within one priority."""
    promoted = []
    while True:
        first = db.session.execute(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(Registration.session_id == session.id, Registration.status == "waitlisted")
            .order_by(_priority_rank_sql(), Registration.waitlisted_at, Registration.id)
            .limit(1)
            .with_for_update(of=Registration)
        ).scalar_one_or_none()
        if first is None or not _take_seat(session):
            break
        first.status = "confirmed"
        first.confirmed_at = now()
        db.session.flush()
        notify(
            first.user,
            "session_promoted",
            _l("A seat in %(session)s is now yours."),
            body=_l("A seat freed up and you moved up from the waitlist. The session starts on %(date)s."),
            link=_session_link(session),
            session=session.title,
            date=session.starts_at,
        )
        promoted.append(first)
    return promoted


def _seat_or_waitlist(registration: Registration, session: TrainingSession) -> str:
    if _take_seat(session):
        registration.status = "confirmed"
        registration.confirmed_at = now()
        registration.waitlisted_at = None
    else:
        registration.status = "waitlisted"
        registration.waitlisted_at = now()
    db.session.flush()
    return registration.status
