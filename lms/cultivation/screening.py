"""Screening: the officer accepts a case for the key training list or rejects it."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from lms.cultivation import eligibility, notices
from lms.cultivation.models import (
    CaseEvent,
    CultivationCase,
)
from lms.cultivation.transitions import _check_day, _lock, _require_staff, _transition, check_transition
from lms.errors import InvalidInput, RuleViolation

# -- screening ----------------------------------------------------------------------------------------------


def screen_case(actor, case: CultivationCase, *, decided_on: date, notes: str = "") -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "screen")
    _check_day(decided_on, "decided_on", not_before=case.opened_on, label=_l("the case was opened"))
    eligibility.sync_credit_bars(case.enterprise, actor)
    result = eligibility.evaluate_case(case, decided_on)
    if not result["eligible"]:
        raise RuleViolation(
            _l(
                "The case cannot be screened in: %(reasons)s Reject it with a reason instead.",
                reasons=eligibility.failed_summary(result),
            ),
            code="case.ineligible",
        )
    case.decided_on, case.screened_by_id, case.eligibility = decided_on, actor.id, result
    event = _transition(
        actor, case, "screen", effective_on=decided_on, notes=notes, details={"eligibility": result}
    )
    notices.notify_case(case, "screened", day=decided_on)
    return event


def reject_case(actor, case: CultivationCase, *, decided_on: date, reason: str, notes: str = "") -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "reject")
    if not (reason or "").strip():
        raise InvalidInput(_l("Rule: a rejection states its reason."), field="reason")
    _check_day(decided_on, "decided_on", not_before=case.opened_on, label=_l("the case was opened"))
    result = eligibility.evaluate_case(case, decided_on)
    case.decided_on, case.screened_by_id, case.eligibility = decided_on, actor.id, result
    event = _transition(
        actor,
        case,
        "reject",
        effective_on=decided_on,
        reason_text=reason,
        notes=notes,
        details={"eligibility": result},
    )
    notices.notify_case(case, "rejected", day=decided_on, reason=reason.strip())
    return event
