"""The transitions of the procedure: which each state allows, checking and recording one; shared helpers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.scopes import enterprise_in_scope
from lms.cultivation import clock
from lms.cultivation.models import (
    CASE_STATES,
    OPEN_STATES,
    CaseEvent,
    CultivationCase,
)
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    label: object
    rule: object  # the rule, said in full when a transition is refused


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({None}),
            "submitted",
            _l("Apply"),
            _l("An enterprise applies by opening a new case."),
        ),
        Transition(
            "nominate",
            frozenset({None}),
            "submitted",
            _l("Nominate"),
            _l("Customs nominates an enterprise by opening a new case."),
        ),
        Transition(
            "screen",
            frozenset({"submitted"}),
            "screened",
            _l("Screen in"),
            _l("Only a submitted case can be screened."),
        ),
        Transition(
            "reject",
            frozenset({"submitted"}),
            "rejected",
            _l("Reject"),
            _l("Only a submitted case can be rejected."),
        ),
        Transition(
            "list",
            frozenset({"screened"}),
            "listed",
            _l("Put on the key training list"),
            _l("Only a screened case can be put on a key training list."),
        ),
        Transition(
            "start_training",
            frozenset({"listed"}),
            "in_training",
            _l("Start training"),
            _l("Training starts only for a case on a confirmed key training list."),
        ),
        Transition(
            "suspend",
            frozenset({"in_training"}),
            "suspended",
            _l("Suspend"),
            _l("Only a case in training can be suspended."),
        ),
        Transition(
            "resume",
            frozenset({"suspended"}),
            "in_training",
            _l("Resume"),
            _l("Only a suspended case can be resumed."),
        ),
        Transition(
            "complete",
            frozenset({"in_training"}),
            "completed",
            _l("Complete"),
            _l("Only a case in training can be completed."),
        ),
        Transition(
            "apply_certification",
            frozenset({"completed"}),
            "certification_applied",
            _l("Record certification application"),
            _l("The certification application is recorded after the training is completed."),
        ),
        Transition(
            "certify",
            frozenset({"certification_applied"}),
            "certified",
            _l("Record: certified"),
            _l("The outcome is recorded after the certification application."),
        ),
        Transition(
            "not_certify",
            frozenset({"certification_applied"}),
            "not_certified",
            _l("Record: not certified"),
            _l("The outcome is recorded after the certification application."),
        ),
        Transition(
            "terminate",
            frozenset(OPEN_STATES),
            "terminated",
            _l("Terminate"),
            _l("Only an open case can be terminated."),
        ),
    )
}
OPENING = ("submit", "nominate")


def allowed_transitions(case: CultivationCase) -> list[str]:
    return [name for name, t in TRANSITIONS.items() if name not in OPENING and case.state in t.sources]


def _require_staff(actor, case_or_enterprise) -> None:
    enterprise_id = (
        case_or_enterprise.enterprise_id
        if isinstance(case_or_enterprise, CultivationCase)
        else case_or_enterprise.id
    )
    if (
        actor is None
        or actor.role not in ("officer", "admin")
        or not enterprise_in_scope(actor, enterprise_id)
    ):
        raise NotPermitted(_l("Only customs officers supervising this enterprise may decide on its case."))


def _lock(case: CultivationCase) -> CultivationCase:
    """Re-read the case under a row lock: concurrent decisions on one case are applied one after the other."""
    return db.session.execute(
        sa.select(CultivationCase)
        .where(CultivationCase.id == case.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def check_transition(case: CultivationCase, name: str) -> Transition:
    transition = TRANSITIONS[name]
    if case.state not in transition.sources:
        raise RuleViolation(
            _l(
                "Refused: %(rule)s This case is %(state)s.",
                rule=transition.rule,
                state=CASE_STATES[case.state],
            ),
            code=f"transition.{name}",
        )
    return transition


def _transition(
    actor,
    case: CultivationCase,
    name: str,
    *,
    effective_on: date,
    reason_code: str | None = None,
    reason_text: str = "",
    notes: str = "",
    details: dict | None = None,
) -> CaseEvent:
    transition = check_transition(case, name)
    event = CaseEvent(
        case=case,
        transition=name,
        from_state=case.state,
        to_state=transition.target,
        actor_id=getattr(actor, "id", None),
        effective_on=effective_on,
        reason_code=reason_code,
        reason_text=(reason_text or "").strip(),
        notes=(notes or "").strip(),
        details=details or {},
    )
    case.state = transition.target
    case.state_changed_at = event.occurred_at = _now()
    db.session.add(event)
    record_evidence("case_transition", event, actor)
    return event


def _now():
    from lms.database import utcnow

    return utcnow()


def _check_day(day: date | None, field: str, *, not_before: date | None = None, label=None) -> date:
    if day is None:
        raise InvalidInput(_l("Give the date."), field=field)
    if day > clock.today():
        raise InvalidInput(_l("The date cannot be in the future."), field=field)
    if not_before is not None and day < not_before:
        raise InvalidInput(
            _l("The date cannot be before %(day)s (%(what)s).", day=not_before, what=label or ""),
            field=field,
        )
    return day
