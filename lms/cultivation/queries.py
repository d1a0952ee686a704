"""The queries behind the cultivation case pages, shared with the JSON API (lms/api)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from lms.core.search import contains
from lms.cultivation.models import (
    CASE_STATES,
    OPEN_STATES,
    TRAINING_TYPES,
    CaseEvent,
    CaseNominee,
    CultivationCase,
    KeyTrainingList,
)
from lms.cultivation.permissions import case_clause, key_list_clause
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.org.services import unit_descendants


def case_list(
    actor, *, state: str = "", training_type: str = "", unit_id: int | None = None, q: str = ""
) -> sa.Select:
    """Cases in ``actor``'s jurisdiction with the list page's filters, most recently changed first."""
    stmt = (
        sa.select(CultivationCase)
        .join(Enterprise, Enterprise.id == CultivationCase.enterprise_id)
        .where(case_clause(actor))
        .options(joinedload(CultivationCase.enterprise).joinedload(Enterprise.unit))
        .order_by(CultivationCase.state_changed_at.desc(), CultivationCase.id.desc())
    )
    if state == "open":
        stmt = stmt.where(CultivationCase.state.in_(OPEN_STATES))
    elif state in CASE_STATES:
        stmt = stmt.where(CultivationCase.state == state)
    if training_type in TRAINING_TYPES:
        stmt = stmt.where(CultivationCase.training_type == training_type)
    if unit_id:
        unit = db.session.get(CustomsUnit, unit_id)
        if unit is not None:
            stmt = stmt.where(Enterprise.unit_id.in_(unit_descendants(unit)))
    if q:
        stmt = stmt.where(
            sa.or_(contains(Enterprise.name_en, q), contains(Enterprise.name_zh, q, case_sensitive=True))
        )
    return stmt


def case_in_scope(actor, case_id: int) -> sa.Select:
    """One case, if ``actor`` may see it, with what its page shows loaded."""
    return (
        sa.select(CultivationCase)
        .where(CultivationCase.id == case_id, case_clause(actor))
        .options(
            joinedload(CultivationCase.enterprise).joinedload(Enterprise.unit),
            selectinload(CultivationCase.nominees).joinedload(CaseNominee.user),
            joinedload(CultivationCase.opened_by),
        )
    )


def case_events(case: CultivationCase) -> sa.Select:
    """A case's audit trail, oldest first."""
    return (
        sa.select(CaseEvent)
        .where(CaseEvent.case_id == case.id)
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.id)
    )


def my_cases(actor) -> sa.Select:
    """A trainee's enterprise's cases, newest first (the “Cultivation” page of trainees)."""
    return (
        sa.select(CultivationCase)
        .where(CultivationCase.enterprise_id == actor.enterprise_id)
        .options(
            joinedload(CultivationCase.enterprise),
            selectinload(CultivationCase.nominees).joinedload(CaseNominee.user),
        )
        .order_by(CultivationCase.opened_on.desc(), CultivationCase.id.desc())
    )


def key_lists(actor) -> sa.Select:
    """Key training lists of ``actor``'s units, latest period first."""
    return (
        sa.select(KeyTrainingList)
        .where(key_list_clause(actor))
        .options(joinedload(KeyTrainingList.unit))
        .order_by(KeyTrainingList.period.desc(), KeyTrainingList.id.desc())
    )
