"""Who may see which report.

Reports are for customs: officers see the units, enterprises and trainees of their jurisdiction (their unit
and everything below it), admins (GACC) see all. Other roles get 403. A unit, enterprise or trainee outside
the actor's jurisdiction answers 404, as if it did not exist (the checks are lms.auth.scopes').
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.auth.models import User
from lms.auth.scopes import get_enterprise_or_404, unit_clause, user_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise

REPORT_ROLES = ("officer", "admin")

__all__ = [
    "REPORT_ROLES",
    "get_enterprise_or_404",
    "get_trainee_or_404",
    "get_unit_or_404",
    "root_unit",
    "can_view_reports",
]


def can_view_reports(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and actor.role in REPORT_ROLES


def root_unit(actor: User) -> CustomsUnit | None:
    """The top of the actor's jurisdiction: their own unit, or the national root for admins."""
    if actor.role == "admin":
        top = db.session.execute(
            sa.select(CustomsUnit).where(CustomsUnit.parent_id.is_(None)).order_by(CustomsUnit.id).limit(1)
        ).scalar_one_or_none()
        return top or actor.unit
    return actor.unit


def get_unit_or_404(actor: User, unit_id: int) -> CustomsUnit:
    unit = db.session.execute(
        sa.select(CustomsUnit).where(CustomsUnit.id == unit_id, unit_clause(actor, CustomsUnit.id))
    ).scalar_one_or_none()
    if unit is None:
        abort(404)
    return unit


def get_trainee_or_404(actor: User, user_id: int) -> User:
    """A trainee of an enterprise within the actor's jurisdiction."""
    trainee = db.session.execute(
        sa.select(User)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(User.id == user_id, User.role == "trainee", user_clause(actor))
    ).scalar_one_or_none()
    if trainee is None:
        abort(404)
    return trainee
