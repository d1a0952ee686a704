"""Who may see and do what with training sessions, venues, registrations and coaching records.

Officers see the sessions organised in their jurisdiction (and manage them), plus the sessions their parent
units organise (national and regional sessions their trainees may join). Experts see the sessions they are
assigned to. Trainees see open sessions of published courses, and every session they registered for.
Anything outside these answers 404.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.auth.scopes import enterprise_in_scope, unit_clause, unit_in_scope
from lms.courses.models import Course
from lms.extensions import db
from lms.sessions.models import Registration, SessionExpert, TrainingSession, Venue

STAFF = ("officer", "admin")
VISIBLE_TO_TRAINEES = ("open", "full")


def ancestor_unit_ids(user) -> list[int]:
    """The ids of the user's unit and the units above it, read from the materialised path."""
    unit = getattr(user, "unit", None)
    if unit is None or not unit.path:
        return []
    return [int(part) for part in unit.path.strip("/").split("/") if part]


def published_course_ids() -> sa.Select:
    return sa.select(Course.id).where(Course.published_version_id.is_not(None), Course.archived.is_(False))


def assigned_session_ids(user) -> sa.Select:
    return sa.select(SessionExpert.session_id).where(SessionExpert.expert_id == user.id)


def session_clause(actor) -> sa.ColumnElement[bool]:
    """Restrict training sessions to those ``actor`` may see."""
    if actor.role == "admin":
        return sa.true()
    if actor.role == "officer":
        return sa.or_(
            unit_clause(actor, TrainingSession.unit_id),
            sa.and_(
                TrainingSession.unit_id.in_(ancestor_unit_ids(actor)), TrainingSession.status != "planned"
            ),
        )
    if actor.role == "expert":
        return TrainingSession.id.in_(assigned_session_ids(actor))
    if actor.role == "trainee":
        own = sa.select(Registration.session_id).where(Registration.user_id == actor.id)
        return sa.or_(
            sa.and_(
                TrainingSession.status.in_(VISIBLE_TO_TRAINEES),
                TrainingSession.course_id.in_(published_course_ids()),
                sa.or_(
                    TrainingSession.mode != "one_on_one", TrainingSession.enterprise_id == actor.enterprise_id
                ),
            ),
            # Coaching of one's own enterprise stays visible (its record and action items) after it ends.
            sa.and_(
                TrainingSession.mode == "one_on_one",
                TrainingSession.enterprise_id == actor.enterprise_id,
                TrainingSession.status != "planned",
            ),
            TrainingSession.id.in_(own),
        )
    return sa.false()


def get_session_or_404(actor, session_id: int, *, lock: bool = False) -> TrainingSession:
    stmt = sa.select(TrainingSession).where(TrainingSession.id == session_id, session_clause(actor))
    session = db.session.execute(stmt).scalar_one_or_none()
    if session is None:
        abort(404)
    return session


def can_manage_session(actor, session: TrainingSession) -> bool:
    """Officers of the organising unit's jurisdiction and admins edit, cancel and run registrations."""
    if actor.role == "admin":
        return True
    return actor.role == "officer" and unit_in_scope(actor, session.unit_id)


def is_assigned_expert(actor, session: TrainingSession) -> bool:
    if actor.role != "expert":
        return False
    stmt = sa.select(SessionExpert.id).where(
        SessionExpert.session_id == session.id, SessionExpert.expert_id == actor.id
    )
    return db.session.execute(stmt).first() is not None


def can_run_session(actor, session: TrainingSession) -> bool:
    """Mark attendance, show the check-in code, see feedback: the assigned experts and the organisers."""
    return can_manage_session(actor, session) or is_assigned_expert(actor, session)


def can_register_others(actor, session: TrainingSession) -> bool:
    """Officers register their trainees for sessions they can see (their units' or their parents')."""
    return actor.role in STAFF


def can_view_coaching(actor, session: TrainingSession) -> bool:
    if session.mode != "one_on_one" or session.enterprise_id is None:
        return False
    if actor.role == "trainee":
        return actor.enterprise_id == session.enterprise_id
    if actor.role == "officer":
        return can_manage_session(actor, session) or enterprise_in_scope(actor, session.enterprise_id)
    return can_run_session(actor, session)


def can_edit_coaching(actor, session: TrainingSession) -> bool:
    if session.mode != "one_on_one":
        return False
    if actor.role == "officer" and enterprise_in_scope(actor, session.enterprise_id):
        return True
    return can_run_session(actor, session)


def venue_clause(actor, *, manage: bool = False) -> sa.ColumnElement[bool]:
    """Venues an officer may use: their jurisdiction's and their parent units' (manage: only their own)."""
    if actor.role == "admin":
        return sa.true()
    if actor.role != "officer":
        return sa.false()
    own = unit_clause(actor, Venue.unit_id)
    if manage:
        return own
    return sa.or_(own, Venue.unit_id.in_(ancestor_unit_ids(actor)))


def get_venue_or_404(actor, venue_id: int, *, manage: bool = False) -> Venue:
    venue = db.session.execute(
        sa.select(Venue).where(Venue.id == venue_id, venue_clause(actor, manage=manage))
    ).scalar_one_or_none()
    if venue is None:
        abort(404)
    return venue
