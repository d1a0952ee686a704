"""Who may see, edit and assign experts.

- Admins (GACC) see and edit every expert and assign on every session.
- Officers see national experts and every expert whose home unit lies in the officer's region (the
  regional customs above their unit; an officer at GACC sees all): those are the experts they can put on
  their sessions. They edit the profiles of experts whose home unit is in their jurisdiction (their unit
  and below), and assign experts on sessions organised by units in their jurisdiction.
- An expert sees and edits only their own profile.
- Trainees see no expert directory.
Anything outside these answers 404, as if it did not exist.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.auth.models import User
from lms.auth.scopes import unit_clause, unit_in_scope
from lms.extensions import db
from lms.org.models import CustomsUnit

STAFF = ("officer", "admin")


def _region_unit_ids(actor: User) -> sa.Select:
    """Ids of the units in the region of ``actor``'s unit (all units for someone at GACC)."""
    unit = actor.unit
    region = unit.region() if unit is not None else None
    if unit is not None and region is None:  # GACC: the whole country
        return sa.select(CustomsUnit.id)
    if region is None:
        return sa.select(CustomsUnit.id).where(sa.false())
    return sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(region.path, autoescape=True))


def expert_clause(actor: User) -> sa.ColumnElement[bool]:
    """Restrict users to the experts ``actor`` may see."""
    is_expert = User.role == "expert"
    if actor.role == "admin":
        return is_expert
    if actor.role == "officer":
        return sa.and_(
            is_expert, sa.or_(User.expert_level == "national", User.unit_id.in_(_region_unit_ids(actor)))
        )
    if actor.role == "expert":
        return sa.and_(is_expert, User.id == actor.id)
    return sa.false()


def can_view_expert(actor: User, expert: User) -> bool:
    stmt = sa.select(User.id).where(User.id == expert.id, expert_clause(actor))
    return db.session.execute(stmt).first() is not None


def can_edit_expert(actor: User, expert: User) -> bool:
    if expert.role != "expert":
        return False
    if actor.role == "admin":
        return True
    if actor.role == "expert":
        return actor.id == expert.id
    if actor.role == "officer":
        return expert.unit_id is not None and unit_in_scope(actor, expert.unit_id)
    return False


def get_expert_or_404(actor: User, expert_id: int) -> User:
    expert = db.session.execute(
        sa.select(User).where(User.id == expert_id, expert_clause(actor))
    ).scalar_one_or_none()
    if expert is None:
        abort(404)
    return expert


def can_assign_on_session(actor: User, session) -> bool:
    """Officers of the organising unit's jurisdiction (and admins) assign experts to a session."""
    return actor.role in STAFF and unit_in_scope(actor, session.unit_id)


def session_clause(actor: User, unit_id_column) -> sa.ColumnElement[bool]:
    """Sessions organised by units in ``actor``'s jurisdiction (staff only)."""
    if actor.role not in STAFF:
        return sa.false()
    return unit_clause(actor, unit_id_column)


def get_staff_session_or_404(actor: User, session_id: int):
    from lms.sessions.models import TrainingSession

    session = db.session.execute(
        sa.select(TrainingSession).where(
            TrainingSession.id == session_id, session_clause(actor, TrainingSession.unit_id)
        )
    ).scalar_one_or_none()
    if session is None:
        abort(404)
    return session
