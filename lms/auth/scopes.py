"""Jurisdiction: the one place that decides which rows an actor may see.

An admin (GACC) sees everything. An officer sees their customs unit and every unit below it, with the
enterprises those units supervise and the people of those enterprises and units. An expert sees their own
unit's tree for people and units, and the enterprises they are assigned to through later areas. A trainee
sees only their own records. Every list and detail page filters through these clauses; a row outside the
actor's jurisdiction answers 404, as if it did not exist.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort

from lms.auth.models import User
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise


def unit_ids_in_scope(actor: User) -> sa.Select:
    """Ids of the customs units in ``actor``'s jurisdiction, as a sub-select."""
    if actor.role == "admin":
        return sa.select(CustomsUnit.id)
    if actor.unit is None:
        return sa.select(CustomsUnit.id).where(sa.false())
    return sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(actor.unit.path, autoescape=True))


def unit_clause(actor: User, unit_column) -> sa.ColumnElement[bool]:
    """Restrict ``unit_column`` (a foreign key to customs_unit) to the actor's jurisdiction."""
    if actor.role == "admin":
        return sa.true()
    if actor.role == "trainee":
        return sa.false()
    return unit_column.in_(unit_ids_in_scope(actor))


def enterprise_clause(actor: User, enterprise_id_column=None) -> sa.ColumnElement[bool]:
    """Restrict enterprises (or any column holding an enterprise id) to the actor's jurisdiction."""
    column = enterprise_id_column if enterprise_id_column is not None else Enterprise.id
    if actor.role == "admin":
        return sa.true()
    if actor.role == "trainee":
        return column == actor.enterprise_id
    if actor.role == "officer":
        if enterprise_id_column is None:
            return Enterprise.unit_id.in_(unit_ids_in_scope(actor))
        return column.in_(sa.select(Enterprise.id).where(Enterprise.unit_id.in_(unit_ids_in_scope(actor))))
    return sa.false()


def user_clause(actor: User) -> sa.ColumnElement[bool]:
    """Restrict users to those the actor may see: themselves, and for officers everyone under their units."""
    if actor.role == "admin":
        return sa.true()
    if actor.role == "officer":
        units = unit_ids_in_scope(actor)
        enterprises = sa.select(Enterprise.id).where(Enterprise.unit_id.in_(units))
        return sa.or_(User.unit_id.in_(units), User.enterprise_id.in_(enterprises))
    return User.id == actor.id


def enterprise_in_scope(actor: User, enterprise: Enterprise | int | None) -> bool:
    if enterprise is None:
        return False
    enterprise_id = enterprise if isinstance(enterprise, int) else enterprise.id
    stmt = sa.select(Enterprise.id).where(Enterprise.id == enterprise_id, enterprise_clause(actor))
    return db.session.execute(stmt).first() is not None


def unit_in_scope(actor: User, unit: CustomsUnit | int | None) -> bool:
    if unit is None:
        return False
    unit_id = unit if isinstance(unit, int) else unit.id
    stmt = sa.select(CustomsUnit.id).where(CustomsUnit.id == unit_id, unit_clause(actor, CustomsUnit.id))
    return db.session.execute(stmt).first() is not None


def user_in_scope(actor: User, user: User | int | None) -> bool:
    if user is None:
        return False
    user_id = user if isinstance(user, int) else user.id
    return (
        db.session.execute(sa.select(User.id).where(User.id == user_id, user_clause(actor))).first()
        is not None
    )


def get_enterprise_or_404(actor: User, enterprise_id: int) -> Enterprise:
    enterprise = db.session.execute(
        sa.select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_clause(actor))
    ).scalar_one_or_none()
    if enterprise is None:
        abort(404)
    return enterprise


def get_user_or_404(actor: User, user_id: int) -> User:
    user = db.session.execute(
        sa.select(User).where(User.id == user_id, user_clause(actor))
    ).scalar_one_or_none()
    if user is None:
        abort(404)
    return user


def units_in_scope(actor: User, levels: tuple[str, ...] | None = None) -> list[CustomsUnit]:
    """The units an actor may choose from in forms, ordered by code."""
    stmt = sa.select(CustomsUnit).where(unit_clause(actor, CustomsUnit.id)).order_by(CustomsUnit.path)
    if levels:
        stmt = stmt.where(CustomsUnit.level.in_(levels))
    return list(db.session.execute(stmt).scalars())
