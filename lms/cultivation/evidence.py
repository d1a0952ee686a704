"""Ledger entries of the cultivation workflow: every case transition, key list confirmations, outcomes.

Each ``describe`` reads only stored columns that never change afterwards (case events are append-only, a
confirmed list is fixed, an outcome is final), so the verifier can recompute the payload later.
"""

from __future__ import annotations

import sqlalchemy as sa

from lms.cultivation.models import CaseEvent, CultivationCase, KeyListEntry, KeyTrainingList
from lms.evidence.ledger import evidence_kind
from lms.extensions import db


# The verifier loads the events a batch at a time with their cases (describe reads the case's enterprise):
# one query per batch instead of one per event.
@evidence_kind(
    "case_transition",
    subject_type="case_event",
    model=CaseEvent,
    load_options=lambda: (sa.orm.selectinload(CaseEvent.case),),  # named once every model is mapped
)
def describe_case_event(event: CaseEvent) -> dict:
    return {
        "case_id": event.case_id,
        "enterprise_id": event.case.enterprise_id,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor_id": event.actor_id,
        "occurred_at": event.occurred_at,
        "effective_on": event.effective_on,
        "reason_code": event.reason_code,
        "reason_text": event.reason_text,
        "notes": event.notes,
        "details": event.details or {},
    }


@evidence_kind("key_list_confirmed", subject_type="key_training_list", model=KeyTrainingList)
def describe_key_list(key_list: KeyTrainingList) -> dict:
    entries = (
        db.session.execute(
            sa.select(KeyListEntry).where(KeyListEntry.list_id == key_list.id).order_by(KeyListEntry.position)
        )
        .scalars()
        .all()
    )
    return {
        "unit_id": key_list.unit_id,
        "unit_code": key_list.unit.code,
        "period": key_list.period,
        "confirmed_at": key_list.confirmed_at,
        "confirmed_by_id": key_list.confirmed_by_id,
        "weights": key_list.weights,
        "entries": [
            {"case_id": e.case_id, "position": e.position, "score": e.score, "included": bool(e.included)}
            for e in entries
        ],
    }


@evidence_kind(
    "certification_outcome", subject_type="cultivation_case", model=CultivationCase, columns_only=True
)
def describe_outcome(case: CultivationCase) -> dict:
    return {
        "case_id": case.id,
        "enterprise_id": case.enterprise_id,
        "training_type": case.training_type,
        "category": case.category,
        "outcome": case.state,
        "level": case.outcome_level,
        "regime": case.outcome_regime,
        "applied_on": case.certification_applied_on,
        "decided_on": case.outcome_decided_on,
        "reason": case.outcome_reason,
    }
