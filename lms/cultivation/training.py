"""The key training list and training: ranking, confirming, plans, training started and completed."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from lms.cultivation import clock, eligibility, notices, settings
from lms.cultivation.models import (
    SUSPENSION_REASONS,
    TERMINATION_REASONS,
    CaseEvent,
    CultivationCase,
)
from lms.cultivation.transitions import _check_day, _lock, _require_staff, _transition, check_transition
from lms.errors import InvalidInput, RuleViolation
from lms.i18n import format_day
from lms.org.models import CREDIT_LEVELS, DISCREDITED_LEVELS, Enterprise
from lms.org.services import credit_level_on, regime_on

# -- key training list and training -------------------------------------------------------------------------


def list_case(actor, case: CultivationCase, key_list, *, notes: str = "") -> CaseEvent:
    """Put a screened case on a (confirmed) key training list."""
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "list")
    if not key_list.confirmed:
        raise RuleViolation(_l("Rule: a case is on the key training list once the list is confirmed."))
    case.key_list_id = key_list.id
    return _transition(
        actor,
        case,
        "list",
        effective_on=clock.today(),
        notes=notes,
        details={"key_list_id": key_list.id, "unit_id": key_list.unit_id, "period": key_list.period},
    )


def start_training(
    actor, case: CultivationCase, *, started_on: date | None = None, notes: str = "", notify: bool = True
) -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "start_training")
    started_on = _check_day(
        started_on or clock.today(), "started_on", not_before=case.opened_on, label=_l("the case was opened")
    )
    case.training_started_on = started_on
    event = _transition(actor, case, "start_training", effective_on=started_on, notes=notes)
    if notify:
        notices.notify_case(case, "training_started", day=started_on)
    return event


def suspend_case(
    actor,
    case: CultivationCase,
    *,
    reason: str | None,
    reason_text: str = "",
    suspended_on: date | None,
    audit_started_on: date | None = None,
    notes: str = "",
) -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "suspend")
    if reason not in SUSPENSION_REASONS:
        raise InvalidInput(
            _l(
                "Rule: a suspension needs a reason: the enterprise is being audited, "
                "it is filed for investigation under the simple or summary procedure, "
                "or other circumstances (described)."
            ),
            field="reason",
            code="suspension.reason",
        )
    if reason == "other" and not (reason_text or "").strip():
        raise InvalidInput(
            _l("Rule: describe the other circumstances of the suspension."),
            field="reason_text",
            code="suspension.reason_text",
        )
    _check_day(
        suspended_on, "suspended_on", not_before=case.training_started_on, label=_l("training started")
    )
    if audit_started_on is not None:
        if reason != "audit":
            raise InvalidInput(
                _l("Rule: the audit's start date is given only for a suspension because of an audit."),
                field="audit_started_on",
                code="suspension.audit_start",
            )
        _check_day(audit_started_on, "audit_started_on")
        if audit_started_on > suspended_on:
            raise InvalidInput(
                _l(
                    "Rule: the suspension follows the audit; an audit starting on %(start)s cannot be "
                    "the reason for a suspension from %(day)s.",
                    start=format_day(audit_started_on),
                    day=format_day(suspended_on),
                ),
                field="audit_started_on",
                code="suspension.audit_start",
            )
    case.suspension_reason, case.suspension_text, case.suspended_on = (
        reason,
        (reason_text or "").strip(),
        suspended_on,
    )
    case.audit_started_on = (audit_started_on or suspended_on) if reason == "audit" else None
    event = _transition(
        actor,
        case,
        "suspend",
        effective_on=suspended_on,
        reason_code=reason,
        reason_text=reason_text,
        notes=notes,
        details={"audit_started_on": case.audit_started_on.isoformat()} if case.audit_started_on else None,
    )
    notices.notify_case(
        case,
        "suspended",
        day=suspended_on,
        reason=case.suspension_text or SUSPENSION_REASONS[reason],
    )
    return event


def resume_case(actor, case: CultivationCase, *, resumed_on: date | None, notes: str = "") -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "resume")
    _check_day(resumed_on, "resumed_on", not_before=case.suspended_on, label=_l("the suspension"))
    details = {
        "suspended_on": case.suspended_on.isoformat() if case.suspended_on else None,
        "suspension_reason": case.suspension_reason,
    }
    if case.audit_started_on:
        details["audit_started_on"] = case.audit_started_on.isoformat()
    case.suspension_reason, case.suspension_text, case.suspended_on = None, "", None
    case.audit_started_on = None
    event = _transition(actor, case, "resume", effective_on=resumed_on, notes=notes, details=details)
    notices.notify_case(case, "resumed", day=resumed_on)
    return event


def complete_case(actor, case: CultivationCase, *, notes: str = "", automatic: bool = False) -> CaseEvent:
    """Complete the training once every nominee has completed every plan item."""
    from lms.cultivation import plans

    if not automatic:
        _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "complete")
    progress = plans.plan_progress(case)
    if not progress.complete:
        raise RuleViolation(
            _l(
                "Rule: a case completes when every nominee has completed every item of the plan; %(open)d of "
                "%(total)d are still open.",
                open=progress.open_count,
                total=progress.total_count,
            ),
            code="case.plan_incomplete",
        )
    case.completed_on = clock.today()
    event = _transition(
        actor,
        case,
        "complete",
        effective_on=case.completed_on,
        notes=notes,
        reason_code="plan_complete" if automatic else None,
        details={"items": progress.total_count, "automatic": automatic},
    )
    notices.notify_case(case, "completed")
    return event


def check_completion(actor, case: CultivationCase) -> bool:
    """Complete the case if its plan is complete; say whether it is (now) completed."""
    from lms.cultivation import plans

    _require_staff(actor, case)
    if case.state == "in_training" and plans.plan_progress(case).complete:
        complete_case(actor, case)
    return case.state == "completed"


def terminate_case(
    actor,
    case: CultivationCase,
    *,
    reason: str | None,
    reason_text: str = "",
    terminated_on: date | None,
    notes: str = "",
) -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "terminate")
    if reason not in TERMINATION_REASONS:
        raise InvalidInput(
            _l(
                "Rule: a termination needs a reason: filed under the general procedure, "
                "filed for a suspected crime, discredited, seriously discredited, "
                "no audit conclusion in time, or other circumstances."
            ),
            field="reason",
            code="termination.reason",
        )
    if reason == "other" and not (reason_text or "").strip():
        raise InvalidInput(
            _l("Rule: describe the other circumstances of the termination."),
            field="reason_text",
            code="termination.reason_text",
        )
    _check_day(terminated_on, "terminated_on", not_before=case.opened_on, label=_l("the case was opened"))
    if reason == "audit_no_conclusion":
        months = settings.audit_conclusion_months()
        if case.state != "suspended" or case.suspension_reason != "audit":
            raise RuleViolation(
                _l("Rule: this reason applies to a case suspended for an audit."), field="reason"
            )
        start = case.audit_counted_from
        limit = clock.add_months(start, months)
        if terminated_on < limit:
            raise RuleViolation(
                _l(
                    "Rule: an audit counts as without conclusion %(months)d months after it started "
                    "(%(start)s), on %(day)s; on %(decided)s it has not.",
                    months=months,
                    start=format_day(start),
                    day=format_day(limit),
                    decided=format_day(terminated_on),
                ),
                field="reason",
                code="termination.audit_limit",
            )
    details = {"state_before": case.state}
    if reason in DISCREDITED_LEVELS:
        details["credit_level"] = _check_discredit_ground(case.enterprise, reason, terminated_on)
    case.termination_reason, case.termination_text, case.terminated_on = (
        reason,
        (reason_text or "").strip(),
        terminated_on,
    )
    event = _transition(
        actor,
        case,
        "terminate",
        effective_on=terminated_on,
        reason_code=reason,
        reason_text=reason_text,
        notes=notes,
        details=details,
    )
    notices.notify_case(
        case,
        "terminated",
        day=terminated_on,
        reason=case.termination_text or TERMINATION_REASONS[reason],
    )
    return event


def _check_discredit_ground(enterprise: Enterprise, reason: str, day: date) -> str:
    """A termination because the enterprise became (seriously) discredited needs that credit status on the
    decision date. Returns the level held, for the record."""
    regime = regime_on(day)
    held = eligibility.read_level(credit_level_on(enterprise, day), regime)
    if held == reason:
        return held
    rules = {
        "discredited": _l(
            "Rule: a case is terminated because the enterprise became discredited only when it is a "
            "discredited enterprise on the decision date."
        ),
        "seriously_discredited": _l(
            "Rule: a case is terminated because the enterprise became seriously discredited only when it is "
            "a seriously discredited enterprise on the decision date."
        ),
    }
    raise RuleViolation(
        _l(
            "%(rule)s On %(day)s %(enterprise)s is: %(level)s.",
            rule=rules[reason],
            day=format_day(day),
            enterprise=enterprise.name,
            level=str(CREDIT_LEVELS[held]) if held in CREDIT_LEVELS else _l("not rated"),
        ),
        field="reason",
        code="termination.credit_status",
    )
