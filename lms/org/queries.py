"""The queries behind the enterprise and customs-unit pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa

from lms.auth.scopes import enterprise_clause, unit_clause
from lms.core.search import contains
from lms.extensions import db
from lms.org import services
from lms.org.models import CREDIT_LEVELS, CreditStatusRecord, CustomsUnit, Enterprise


def enterprise_list(
    actor, *, q: str = "", unit_id: int | None = None, level: str = "", key: str = ""
) -> sa.Select:
    """Enterprises in ``actor``'s jurisdiction with the list page's filters, ordered by name."""
    stmt = (
        sa.select(Enterprise)
        .where(enterprise_clause(actor))
        .options(sa.orm.joinedload(Enterprise.unit))
        .order_by(Enterprise.name_en, Enterprise.id)
    )
    if q:
        stmt = stmt.where(
            sa.or_(
                contains(Enterprise.name_en, q),
                contains(Enterprise.name_zh, q, case_sensitive=True),
                Enterprise.uscc == q.upper(),
                Enterprise.customs_code == q.upper(),
            )
        )
    if unit_id:
        unit = db.session.get(CustomsUnit, unit_id)
        if unit is not None:
            stmt = stmt.where(Enterprise.unit_id.in_(services.unit_descendants(unit)))
    if level in CREDIT_LEVELS:
        stmt = stmt.where(Enterprise.credit_level == level)
    if key in ("1", "0"):
        stmt = stmt.where(Enterprise.is_key == (key == "1"))
    return stmt


def credit_history(enterprise: Enterprise) -> sa.Select:
    """An enterprise's credit decisions, newest first (as its page lists them)."""
    return (
        sa.select(CreditStatusRecord)
        .where(CreditStatusRecord.enterprise_id == enterprise.id)
        .order_by(CreditStatusRecord.decided_on.desc(), CreditStatusRecord.id.desc())
    )


def customs_units(actor, *, level: str = "") -> sa.Select:
    """Customs units in ``actor``'s jurisdiction, in tree order (the unit choices of every page's filters)."""
    stmt = sa.select(CustomsUnit).where(unit_clause(actor, CustomsUnit.id)).order_by(CustomsUnit.path)
    if level:
        stmt = stmt.where(CustomsUnit.level == level)
    return stmt
