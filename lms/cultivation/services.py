"""The cultivation procedure: opening cases, one function per transition, bars and outcomes.

Every transition goes through :func:`_transition`, which locks the case row, checks the transition table,
changes the state, appends a :class:`CaseEvent` to the audit trail and writes the ledger entry, all in the
caller's transaction. Functions raise domain errors naming the rule they apply; they never commit.

The rules live in ``transitions``, ``opening``, ``screening``, ``training``, ``certification``, ``bars``; this
module re-exports them so that ``lms.cultivation.services`` keeps every name it had.
"""

from __future__ import annotations

from lms.cultivation.bars import (
    discredit_reason,
    record_bar_event,
)
from lms.cultivation.certification import (
    LEVEL_RANK,
    apply_for_certification,
    certify_case,
    default_rereview_level,
    enterprise_rereview,
    granted_levels,
    not_certify_case,
    ordinary_level,
    rereview_due_on,
    rereview_levels_after,
)
from lms.cultivation.opening import (
    _check_may_apply,
    _check_no_bar,
    _check_type_and_category,
    _nominees,
    _open_case,
    apply_for_cultivation,
    nominate_enterprise,
)
from lms.cultivation.screening import (
    reject_case,
    screen_case,
)
from lms.cultivation.training import (
    _check_discredit_ground,
    check_completion,
    complete_case,
    list_case,
    resume_case,
    start_training,
    suspend_case,
    terminate_case,
)
from lms.cultivation.transitions import (
    OPENING,
    TRANSITIONS,
    Transition,
    _check_day,
    _lock,
    _now,
    _require_staff,
    _transition,
    allowed_transitions,
    check_transition,
)

__all__ = [
    "LEVEL_RANK",
    "OPENING",
    "TRANSITIONS",
    "Transition",
    "_check_day",
    "_check_discredit_ground",
    "_check_may_apply",
    "_check_no_bar",
    "_check_type_and_category",
    "_lock",
    "_nominees",
    "_now",
    "_open_case",
    "_require_staff",
    "_transition",
    "allowed_transitions",
    "apply_for_certification",
    "apply_for_cultivation",
    "certify_case",
    "check_completion",
    "check_transition",
    "complete_case",
    "default_rereview_level",
    "discredit_reason",
    "enterprise_rereview",
    "granted_levels",
    "list_case",
    "nominate_enterprise",
    "not_certify_case",
    "ordinary_level",
    "record_bar_event",
    "reject_case",
    "rereview_due_on",
    "rereview_levels_after",
    "resume_case",
    "screen_case",
    "start_training",
    "suspend_case",
    "terminate_case",
]
