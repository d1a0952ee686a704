"""The cultivation procedure: opening cases, one function per transition, bars and outcomes.

Every transition goes through :func:`_transition`, which locks the case row, checks the transition table,
changes the state, appends a :class:`CaseEvent` to the audit trail and writes the ledger entry, all in the
caller's transaction. Functions raise domain errors naming the rule they apply; they never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.scopes import enterprise_in_scope
from lms.cultivation import clock, eligibility, notices, settings
from lms.cultivation.models import (
    BAR_KINDS,
    CASE_STATES,
    CATEGORIES,
    CATEGORIES_BY_TYPE,
    OPEN_STATES,
    SUSPENSION_REASONS,
    TERMINATION_REASONS,
    TRAINING_TYPES,
    BarEvent,
    CaseEvent,
    CaseNominee,
    CultivationCase,
)
from lms.cultivation.permissions import APPLICANT_POSITIONS
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.i18n import format_day, join_list
from lms.org.models import AEO_LEVELS, CREDIT_LEVELS, DISCREDITED_LEVELS, REGIME_LEVELS, REGIMES, Enterprise
from lms.org.services import credit_level_on, no_regime_message, record_credit_decision, regime_on


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


# -- opening a case -----------------------------------------------------------------------------------------


def _nominees(enterprise: Enterprise, nominee_ids) -> list[User]:
    ids = []
    for value in nominee_ids or []:
        try:
            ids.append(int(value))
        except (TypeError, ValueError) as error:
            raise InvalidInput(_l("Choose the nominees from the list."), field="nominees") from error
    ids = list(dict.fromkeys(ids))
    if not ids:
        raise InvalidInput(
            _l("Rule: name at least one trainee of the enterprise as a nominee."), field="nominees"
        )
    users = db.session.execute(sa.select(User).where(User.id.in_(ids))).scalars().all()
    ours = [u for u in users if u.role == "trainee" and u.enterprise_id == enterprise.id and u.active]
    if len(ours) != len(ids):
        raise RuleViolation(
            _l(
                "Rule: nominees must be active trainees of %(enterprise)s; "
                "a trainee of another enterprise cannot be nominated.",
                enterprise=enterprise.name,
            ),
            field="nominees",
            code="nominee.other_enterprise",
        )
    order = {user_id: index for index, user_id in enumerate(ids)}
    return sorted(ours, key=lambda u: order[u.id])


def _check_type_and_category(training_type: str, category: str) -> None:
    if training_type not in TRAINING_TYPES:
        raise InvalidInput(_l("Choose a training type."), field="training_type")
    if category not in CATEGORIES:
        raise InvalidInput(_l("Choose the enterprise's category."), field="category")
    if category not in CATEGORIES_BY_TYPE[training_type]:
        allowed = join_list(str(CATEGORIES[c]) for c in CATEGORIES_BY_TYPE[training_type])
        raise RuleViolation(
            _l("Rule: %(type)s is for %(allowed)s.", type=TRAINING_TYPES[training_type], allowed=allowed),
            field="category",
            code="case.category",
        )


def _check_no_bar(enterprise: Enterprise, training_type: str, day: date) -> None:
    if training_type not in settings.bar_training_types():
        return
    holding = eligibility.active_bars(enterprise, day)
    if holding:
        bar = holding[0]
        raise RuleViolation(
            _l(
                "Rule: one-year bar. %(enterprise)s cannot apply before %(until)s (%(kind)s on %(day)s).",
                enterprise=enterprise.name,
                until=format_day(max(b.until for b in holding)),
                kind=BAR_KINDS[bar.kind],
                day=format_day(bar.occurred_on),
            ),
            code="case.one_year_bar",
        )


def _check_may_apply(enterprise: Enterprise, day: date) -> None:
    """An enterprise's own application: not while (seriously) discredited, nor soon after a termination."""
    regime = regime_on(day)
    if regime is None:
        raise RuleViolation(no_regime_message(day), code="case.no_regime")
    held = eligibility.read_level(credit_level_on(enterprise, day), regime)
    if held in DISCREDITED_LEVELS:
        raise RuleViolation(
            _l(
                "Rule: a discredited or seriously discredited enterprise is not cultivated. On %(day)s "
                "%(enterprise)s is: %(level)s (%(regime)s).",
                day=format_day(day),
                enterprise=enterprise.name,
                level=CREDIT_LEVELS[held],
                regime=REGIMES[regime],
            ),
            code="case.discredited",
        )
    held_termination = eligibility.last_termination(enterprise, day)
    if held_termination is not None:
        terminated, until = held_termination
        raise RuleViolation(
            _l(
                "Rule: an enterprise whose cultivation was terminated applies again only %(months)d months "
                "after the termination. Case %(ref)s was terminated on %(on)s: no application before "
                "%(until)s (judged on %(day)s).",
                months=settings.termination_wait_months(),
                ref=terminated.reference,
                on=format_day(terminated.terminated_on),
                until=format_day(until),
                day=format_day(day),
            ),
            code="case.termination_wait",
        )


def _open_case(
    actor,
    enterprise: Enterprise,
    *,
    origin: str,
    training_type: str,
    category: str,
    nominee_ids,
    statement: str,
) -> CultivationCase:
    _check_type_and_category(training_type, category)
    nominees = _nominees(enterprise, nominee_ids)
    eligibility.sync_credit_bars(enterprise, actor)  # also locks the enterprise row until commit
    existing = (
        db.session.execute(
            sa.select(CultivationCase).where(
                CultivationCase.enterprise_id == enterprise.id,
                CultivationCase.training_type == training_type,
                CultivationCase.state.in_(OPEN_STATES),
            )
        )
        .scalars()
        .first()
    )
    if existing is not None:
        raise RuleViolation(
            _l(
                "Rule: one open case per enterprise and training type; "
                "case %(ref)s (%(state)s) is still open on %(day)s.",
                ref=existing.reference,
                state=existing.state_label,
                day=format_day(clock.today()),
            ),
            field="training_type",
            code="case.one_open",
        )
    if origin == "application":
        _check_may_apply(enterprise, clock.today())
    _check_no_bar(enterprise, training_type, clock.today())
    case = CultivationCase(
        enterprise=enterprise,
        training_type=training_type,
        category=category,
        origin=origin,
        statement=(statement or "").strip(),
        opened_by_id=actor.id,
        state="submitted",
        opened_on=clock.today(),
    )
    for user in nominees:
        case.nominees.append(CaseNominee(user=user, position=user.position or "other"))
    db.session.add(case)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as error:  # another request opened the same case first
        raise RuleViolation(
            _l("Rule: one open case per enterprise and training type."),
            field="training_type",
            code="case.one_open",
        ) from error
    event = CaseEvent(
        case=case,
        transition="submit" if origin == "application" else "nominate",
        from_state=None,
        to_state="submitted",
        actor_id=actor.id,
        effective_on=case.opened_on,
        notes=case.statement,
        details={"nominees": [{"user_id": n.user_id, "position": n.position} for n in case.nominees]},
    )
    event.occurred_at = case.opened_at
    db.session.add(event)
    record_evidence("case_transition", event, actor)
    notices.notify_case(case, "submitted")
    return case


def apply_for_cultivation(actor, *, training_type: str, category: str, nominee_ids, statement: str = ""):
    """A legal representative or senior manager applies for their enterprise."""
    if actor.role != "trainee" or actor.enterprise is None:
        raise NotPermitted(_l("Only trainees of an enterprise can apply for it."))
    if actor.position not in APPLICANT_POSITIONS:
        raise NotPermitted(
            _l("Rule: only the enterprise's legal representative or a senior manager may apply.")
        )
    return _open_case(
        actor,
        actor.enterprise,
        origin="application",
        training_type=training_type,
        category=category,
        nominee_ids=nominee_ids,
        statement=statement,
    )


def nominate_enterprise(
    actor, enterprise: Enterprise, *, training_type: str, category: str, nominee_ids, statement: str = ""
):
    """An officer of the enterprise's jurisdiction opens a case for it."""
    _require_staff(actor, enterprise)
    return _open_case(
        actor,
        enterprise,
        origin="nomination",
        training_type=training_type,
        category=category,
        nominee_ids=nominee_ids,
        statement=statement,
    )


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


# -- certification ------------------------------------------------------------------------------------------


def apply_for_certification(
    actor, case: CultivationCase, *, applied_on: date | None, notes: str = ""
) -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "apply_certification")
    _check_day(applied_on, "applied_on", not_before=case.completed_on, label=_l("training was completed"))
    case.certification_applied_on = applied_on
    return _transition(actor, case, "apply_certification", effective_on=applied_on, notes=notes)


def granted_levels(day: date) -> list[str]:
    """The certified levels the regime in force on ``day`` can grant."""
    regime = regime_on(day)
    return [lv for lv in REGIME_LEVELS.get(regime, ()) if lv in AEO_LEVELS] if regime else []


def certify_case(
    actor, case: CultivationCase, *, level: str | None, decided_on: date | None, notes: str = ""
) -> CaseEvent:
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "certify")
    _check_day(
        decided_on,
        "decided_on",
        not_before=case.certification_applied_on,
        label=_l("the certification application"),
    )
    allowed = granted_levels(decided_on)
    if level not in allowed:
        regime = regime_on(decided_on)
        raise RuleViolation(
            _l(
                "Rule: %(regime)s, in force on %(day)s, grants only: %(levels)s.",
                regime=REGIMES.get(regime, "—"),
                day=format_day(decided_on),
                levels=join_list(str(CREDIT_LEVELS[lv]) for lv in allowed) or "—",
            ),
            field="level",
            code="outcome.level",
        )
    record = record_credit_decision(
        actor,
        case.enterprise,
        level=level,
        decided_on=decided_on,
        reason=f"AEO certification, cultivation case {case.reference}",
        source="certification",
    )
    case.outcome_level, case.outcome_regime, case.outcome_decided_on = level, record.regime, decided_on
    case.outcome_reason = (notes or "").strip()
    event = _transition(
        actor,
        case,
        "certify",
        effective_on=decided_on,
        reason_code=level,
        notes=notes,
        details={"level": level, "regime": record.regime},
    )
    eligibility.sync_credit_bars(case.enterprise, actor)
    record_evidence("certification_outcome", case, actor)
    notices.notify_case(case, "outcome", day=decided_on, outcome=CREDIT_LEVELS[level])
    return event


# Rank of the levels that are not discredited: an AEO failing its re-review drops to a lower one.
LEVEL_RANK = {
    "advanced_certified": 3,
    "general_certified": 2,
    "certified": 2,
    "general_credit": 1,
    "registered": 1,
    "regular": 1,
}


def ordinary_level(regime: str) -> str:
    """The regime's level for an enterprise neither certified nor discredited."""
    return next(lv for lv in REGIME_LEVELS[regime] if LEVEL_RANK.get(lv) == 1)


def rereview_levels_after(held: str | None, regime: str) -> list[str]:
    """The levels an AEO holding ``held`` may drop to when it fails its re-review under ``regime``."""
    rank = LEVEL_RANK.get(held, 0)
    return [lv for lv in REGIME_LEVELS[regime] if lv in LEVEL_RANK and LEVEL_RANK[lv] < rank]


def default_rereview_level(held: str | None, regime: str) -> str:
    """The configured level after a failed re-review (``LMS_REREVIEW_FAILED_LEVEL``) under ``regime``."""
    configured = eligibility.read_level(settings.rereview_failed_level(), regime)
    allowed = rereview_levels_after(held, regime)
    return configured if configured in allowed else ordinary_level(regime)


def not_certify_case(
    actor,
    case: CultivationCase,
    *,
    reason: str,
    decided_on: date | None,
    notes: str = "",
    level_after: str | None = None,
) -> CaseEvent:
    """Record a refusal. An AEO failing its re-review drops to ``level_after``, the officer's decision (the
    configured default when None); any other enterprise keeps the level it holds."""
    _require_staff(actor, case)
    case = _lock(case)
    check_transition(case, "not_certify")
    if not (reason or "").strip():
        raise InvalidInput(_l("Rule: a refusal of certification states its reason."), field="reason")
    _check_day(
        decided_on,
        "decided_on",
        not_before=case.certification_applied_on,
        label=_l("the certification application"),
    )
    regime = regime_on(decided_on)
    if regime is None:
        raise InvalidInput(no_regime_message(decided_on), field="decided_on", code="credit.no_regime")
    enterprise = case.enterprise
    held = eligibility.read_level(credit_level_on(enterprise, decided_on), regime)
    failed_rereview = case.category == "aeo_rereview" and held in AEO_LEVELS
    level_after = level_after or None
    if failed_rereview:
        # An AEO failing its re-review loses its level: the officer decides which lower level it holds.
        allowed = rereview_levels_after(held, regime)
        if level_after is None:
            level = default_rereview_level(held, regime)
        elif level_after in allowed:
            level = level_after
        else:
            raise RuleViolation(
                _l(
                    "Rule: an AEO that fails its re-review drops below the level it holds (%(held)s); "
                    "under %(regime)s, in force on %(day)s, that is: %(levels)s.",
                    held=CREDIT_LEVELS[held],
                    regime=REGIMES[regime],
                    day=format_day(decided_on),
                    levels=join_list(str(CREDIT_LEVELS[lv]) for lv in allowed) or "—",
                ),
                field="level_after",
                code="outcome.level_after",
            )
    else:
        if level_after is not None:
            raise RuleViolation(
                _l(
                    "Rule: the level after the outcome is decided only when an AEO fails its re-review; "
                    "on %(day)s this enterprise keeps the level it holds.",
                    day=format_day(decided_on),
                ),
                field="level_after",
                code="outcome.level_after",
            )
        # The level it holds stays, dated with the refusal.
        level = held if held in REGIME_LEVELS[regime] else ordinary_level(regime)
    record = record_credit_decision(
        actor,
        enterprise,
        level=level,
        decided_on=decided_on,
        reason=f"Not certified, cultivation case {case.reference}: {reason.strip()}",
        source="certification",
    )
    case.outcome_level, case.outcome_regime, case.outcome_decided_on = None, record.regime, decided_on
    case.outcome_reason = reason.strip()
    event = _transition(
        actor,
        case,
        "not_certify",
        effective_on=decided_on,
        reason_text=reason,
        notes=notes,
        details={"level_after": level, "regime": record.regime},
    )
    kind = "failed_rereview" if case.category == "aeo_rereview" else "failed_certification"
    db.session.add(
        BarEvent(
            enterprise_id=enterprise.id,
            kind=kind,
            occurred_on=decided_on,
            source="certification",
            case_id=case.id,
            notes=reason.strip(),
            recorded_by_id=actor.id,
        )
    )
    eligibility.sync_credit_bars(enterprise, actor)
    record_evidence("certification_outcome", case, actor)
    notices.notify_case(
        case,
        "outcome",
        day=decided_on,
        outcome=_l("not certified: %(reason)s", reason=reason.strip()),
    )
    return event


def rereview_due_on(decided_on: date | None) -> date | None:
    return clock.add_years(decided_on, settings.rereview_years()) if decided_on else None


def enterprise_rereview(enterprise: Enterprise) -> tuple[date, date] | None:
    """(certified on, re-review due) for an AEO enterprise: the start of its current AEO standing."""
    if not enterprise.is_aeo:
        return None
    history = sorted(enterprise.credit_history, key=lambda r: (r.decided_on, r.id))
    start = None
    for record in history:
        if record.level in AEO_LEVELS:
            if start is None or record.source == "certification":
                start = record.decided_on
        else:
            start = None
    if start is None:
        return None
    return start, rereview_due_on(start)


# -- bars recorded by customs -------------------------------------------------------------------------------


def record_bar_event(
    actor, enterprise: Enterprise, *, kind: str, occurred_on: date | None, notes: str = ""
) -> BarEvent:
    """Record a giving-up of AEO status, a withdrawn application or another bar-starting event."""
    if actor.role not in ("officer", "admin") or not enterprise_in_scope(actor, enterprise):
        raise NotPermitted(_l("Only customs officers supervising this enterprise may record a bar."))
    if kind not in BAR_KINDS:
        raise InvalidInput(_l("Choose what happened."), field="kind")
    _check_day(occurred_on, "occurred_on")
    if not (notes or "").strip():
        raise InvalidInput(
            _l("Rule: a bar recorded by customs states its reference or reason."), field="notes"
        )
    bar = BarEvent(
        enterprise_id=enterprise.id,
        kind=kind,
        occurred_on=occurred_on,
        source="manual",
        notes=notes.strip(),
        recorded_by_id=actor.id,
    )
    db.session.add(bar)
    db.session.flush()
    return bar


def discredit_reason(level: str | None) -> str | None:
    """The termination reason that matches a discredited credit level."""
    if level in DISCREDITED_LEVELS:
        return level
    return None
