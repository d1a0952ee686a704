"""One-on-one coaching: the coaching record and its action items."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db
from lms.sessions import permissions
from lms.sessions.models import (
    CoachingActionItem,
    CoachingRecord,
    SessionExpert,
    TrainingSession,
)

# -- one-on-one coaching -----------------------------------------------------------------------------------


def coaching_record(session: TrainingSession) -> CoachingRecord | None:
    return db.session.execute(
        sa.select(CoachingRecord).where(CoachingRecord.session_id == session.id)
    ).scalar_one_or_none()


def save_coaching_record(actor, session: TrainingSession, *, agenda: str, notes: str) -> CoachingRecord:
    if not permissions.can_edit_coaching(actor, session):
        raise NotPermitted(
            _l("Only the coaching experts and the officers of the enterprise keep this record.")
        )
    record = coaching_record(session)
    if record is None:
        record = CoachingRecord(session_id=session.id)
        db.session.add(record)
    record.agenda = agenda or ""
    record.notes = notes or ""
    record.updated_by_id = actor.id
    db.session.flush()
    return record


def action_item_owners(session: TrainingSession) -> list[User]:
    """Who may own an action item: the enterprise's trainees and the assigned experts."""
    trainees = (
        db.session.execute(
            sa.select(User)
            .where(User.enterprise_id == session.enterprise_id, User.role == "trainee", User.active.is_(True))
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    experts = (
        db.session.execute(
            sa.select(User)
            .join(SessionExpert, SessionExpert.expert_id == User.id)
            .where(SessionExpert.session_id == session.id)
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    return [*trainees, *experts]


def add_action_item(
    actor, session: TrainingSession, *, text: str, owner_id: int | None, due_on: date | None
) -> CoachingActionItem:
    if not permissions.can_edit_coaching(actor, session):
        raise NotPermitted(
            _l("Only the coaching experts and the officers of the enterprise keep this record.")
        )
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_l("Describe the action."), field="text")
    if owner_id not in {u.id for u in action_item_owners(session)}:
        raise InvalidInput(
            _l("The owner is a trainee of the enterprise or an assigned expert."), field="owner_id"
        )
    item = CoachingActionItem(
        session_id=session.id, text=text[:500], owner_id=owner_id, due_on=due_on, created_by_id=actor.id
    )
    db.session.add(item)
    db.session.flush()
    return item


def set_action_item_done(actor, item: CoachingActionItem, done: bool) -> CoachingActionItem:
    if not (permissions.can_edit_coaching(actor, item.session) or actor.id == item.owner_id):
        raise NotPermitted(_l("Only the owner, the coaching experts and the officers update this action."))
    item.done = bool(done)
    item.done_at = now() if done else None
    return item


def open_action_items_stmt(actor) -> sa.Select:
    """Open action items of the coaching the actor follows (their enterprise, or their jurisdiction)."""
    stmt = (
        sa.select(CoachingActionItem)
        .join(TrainingSession, TrainingSession.id == CoachingActionItem.session_id)
        .where(CoachingActionItem.done.is_(False), TrainingSession.status != "cancelled")
    )
    if actor.role == "trainee":
        stmt = stmt.where(TrainingSession.enterprise_id == actor.enterprise_id)
    elif actor.role == "expert":
        stmt = stmt.where(TrainingSession.id.in_(permissions.assigned_session_ids(actor)))
    else:
        stmt = stmt.where(enterprise_clause(actor, TrainingSession.enterprise_id))
    return stmt.order_by(
        CoachingActionItem.due_on.is_(None), CoachingActionItem.due_on, CoachingActionItem.id
    )
