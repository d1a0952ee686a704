"""Read-only queries shared by the expert pages and panels."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lms.auth.models import User
from lms.database import utcnow
from lms.experts.eligibility import local_month_bounds
from lms.experts.permissions import expert_clause
from lms.extensions import db
from lms.org.models import CustomsUnit
from lms.sessions.models import SessionExpert, TrainingSession


def preload_units() -> list[CustomsUnit]:
    """Load the customs unit tree once so that region() and unit names need no further queries.

    Keep the returned list while rendering: the session's identity map holds its objects only weakly.
    """
    return list(db.session.execute(sa.select(CustomsUnit)).scalars())


def month_load_subquery():
    """Sessions per expert in the current local month (cancelled ones do not count)."""
    start, end = local_month_bounds(utcnow())
    return (
        sa.select(SessionExpert.expert_id.label("expert_id"), sa.func.count().label("load"))
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .where(
            TrainingSession.status != "cancelled",
            TrainingSession.starts_at >= start,
            TrainingSession.starts_at < end,
        )
        .group_by(SessionExpert.expert_id)
        .subquery("month_load")
    )


def upcoming_assignments(expert: User, limit: int = 20) -> list[SessionExpert]:
    return list(
        db.session.execute(
            sa.select(SessionExpert)
            .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
            .where(
                SessionExpert.expert_id == expert.id,
                TrainingSession.status != "cancelled",
                TrainingSession.ends_at > utcnow(),
            )
            .options(joinedload(SessionExpert.session).joinedload(TrainingSession.unit))
            .order_by(TrainingSession.starts_at)
            .limit(limit)
        ).scalars()
    )


def candidate_experts(actor: User) -> list[User]:
    """Active experts the actor may put on a session."""
    return list(
        db.session.execute(
            sa.select(User)
            .where(expert_clause(actor), User.active.is_(True))
            .order_by(User.display_name, User.id)
        ).scalars()
    )


def session_assignments(session: TrainingSession) -> list[SessionExpert]:
    """The session's experts, lead first."""
    return list(
        db.session.execute(
            sa.select(SessionExpert)
            .where(SessionExpert.session_id == session.id)
            .options(joinedload(SessionExpert.expert))
            .order_by(sa.case((SessionExpert.role == "lead", 0), else_=1), SessionExpert.id)
        ).scalars()
    )


def session_is_open_for_assignment(session: TrainingSession) -> bool:
    return session.status not in ("cancelled", "completed") and session.ends_at > utcnow()
