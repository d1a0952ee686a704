"""Panels the sessions area adds to the dashboard and the course page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.auth.scopes import unit_clause
from lms.core.panels import ALL_ROLES, course_page, dashboard
from lms.extensions import db
from lms.sessions import services
from lms.sessions.models import CoachingActionItem, Registration, SessionExpert, TrainingSession
from lms.sessions.permissions import session_clause

PANEL_LIMIT = 8


@course_page.panel(
    "upcoming_sessions", _l("Upcoming sessions"), ALL_ROLES, "sessions/panels/course_sessions.html", order=40
)
def course_sessions(user, course=None, **context):
    if course is None:
        return None
    sessions = (
        db.session.execute(
            sa.select(TrainingSession)
            .where(
                TrainingSession.course_id == course.id,
                session_clause(user),
                TrainingSession.ends_at >= services.now(),
                TrainingSession.status != "cancelled",
            )
            .options(joinedload(TrainingSession.venue), joinedload(TrainingSession.unit))
            .order_by(TrainingSession.starts_at, TrainingSession.id)
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"sessions": sessions, "course": course}


@dashboard.panel(
    "my_upcoming_sessions",
    _l("My upcoming sessions"),
    ("trainee",),
    "sessions/panels/my_upcoming.html",
    order=20,
)
def my_upcoming_sessions(user):
    rows = (
        db.session.execute(
            sa.select(Registration)
            .join(TrainingSession, TrainingSession.id == Registration.session_id)
            .where(
                Registration.user_id == user.id,
                Registration.status.in_(services.ACTIVE_REGISTRATION),
                TrainingSession.ends_at >= services.now(),
            )
            .options(joinedload(Registration.session).joinedload(TrainingSession.venue))
            .order_by(TrainingSession.starts_at)
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"registrations": rows}


@dashboard.panel(
    "expert_sessions", _l("My sessions"), ("expert",), "sessions/panels/expert_sessions.html", order=21
)
def expert_sessions(user):
    current = services.now()
    base = (
        sa.select(TrainingSession)
        .join(SessionExpert, SessionExpert.session_id == TrainingSession.id)
        .where(SessionExpert.expert_id == user.id, TrainingSession.status != "cancelled")
        .options(joinedload(TrainingSession.venue))
    )
    upcoming = (
        db.session.execute(
            base.where(TrainingSession.ends_at >= current)
            .order_by(TrainingSession.starts_at)
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    past = (
        db.session.execute(
            base.where(TrainingSession.ends_at < current).order_by(TrainingSession.starts_at.desc()).limit(4)
        )
        .scalars()
        .all()
    )
    return {"upcoming": upcoming, "past": past, "now": current}


@dashboard.panel(
    "pending_registrations",
    _l("Pending registrations"),
    ("officer", "admin"),
    "sessions/panels/pending_registrations.html",
    order=22,
)
def pending_registrations(user):
    stmt = (
        sa.select(Registration)
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
        .where(
            Registration.status == "pending",
            unit_clause(user, TrainingSession.unit_id),
            TrainingSession.ends_at >= services.now(),
        )
    )
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = (
        db.session.execute(
            stmt.options(joinedload(Registration.session), joinedload(Registration.user))
            .order_by(TrainingSession.starts_at, Registration.id)
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"registrations": rows, "total": total}


@dashboard.panel(
    "open_action_items",
    _l("Open action items"),
    ("trainee", "officer", "admin"),
    "sessions/panels/open_action_items.html",
    order=23,
)
def open_action_items(user):
    stmt = services.open_action_items_stmt(user)
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    if total == 0:
        return None
    items = (
        db.session.execute(
            stmt.options(
                joinedload(CoachingActionItem.owner),
                joinedload(CoachingActionItem.session).joinedload(TrainingSession.enterprise),
            ).limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"action_items": items, "total": total, "today": services.local_date(services.now())}
