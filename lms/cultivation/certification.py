"""Certification: applying, the outcome (certified or not), suspension and termination."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from lms.cultivation import clock, eligibility, notices, settings
from lms.cultivation.models import (
    BarEvent,
    CaseEvent,
    CultivationCase,
)
from lms.cultivation.transitions import _check_day, _lock, _require_staff, _transition, check_transition
from lms.errors import InvalidInput, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.i18n import format_day, join_list
from lms.org.models import AEO_LEVELS, CREDIT_LEVELS, REGIME_LEVELS, REGIMES, Enterprise
from lms.org.services import credit_level_on, no_regime_message, record_credit_decision, regime_on

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
    level = _level_after_refusal(held, regime, decided_on, level_after or None, failed_rereview)
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


def _level_after_refusal(
    held: str | None, regime: str, decided_on: date, level_after: str | None, failed_rereview: bool
) -> str:
    """The enterprise's level after a refused certification (see :func:`not_certify_case`)."""
    if failed_rereview:
        # An AEO failing its re-review loses its level: the officer decides which lower level it holds.
        allowed = rereview_levels_after(held, regime)
        if level_after is None:
            return default_rereview_level(held, regime)
        elif level_after in allowed:
            return level_after
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
        return held if held in REGIME_LEVELS[regime] else ordinary_level(regime)


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
