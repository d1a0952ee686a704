"""Settings of the cultivation workflow, as the rules use them.

Each is declared once, with its type, default, bounds and help, in the registry of lms/config.py, and given as
``LMS_<NAME>`` in the environment; a value out of bounds refuses the start. This module turns them into the
values the rules use (weights and position values merged over the defaults, unknown criteria ignored).
"""

from __future__ import annotations

from decimal import Decimal

from lms.config import SETTINGS
from lms.config import setting as config_setting

# Points for each criterion of the seed's enterprise priority conditions plus the trainee priority (a key
# enterprise; strong willingness to become an AEO; the credit score, 0–100, scaled to 0–1; the highest-ranking
# nominee: legal representative > senior management > staff), and the value of each nominee position.
DEFAULT_RANKING_WEIGHTS = SETTINGS["RANKING_WEIGHTS"].default
DEFAULT_POSITION_VALUES = SETTINGS["POSITION_VALUES"].default


def setting(name: str):
    return config_setting(name)


def audit_conclusion_months() -> int:
    return setting("AUDIT_CONCLUSION_MONTHS")


def audit_reminder_days() -> int:
    return setting("AUDIT_REMINDER_DAYS")


def plan_reminder_days() -> int:
    return setting("PLAN_REMINDER_DAYS")


def bar_years() -> int:
    return setting("BAR_YEARS")


def rereview_years() -> int:
    return setting("REREVIEW_YEARS")


def termination_wait_months() -> int:
    return setting("TERMINATION_WAIT_MONTHS")


def rereview_failed_level() -> str:
    """The configured level after a failed re-review (one below advanced certified, not discredited)."""
    return setting("REREVIEW_FAILED_LEVEL")


def bar_training_types() -> tuple[str, ...]:
    return tuple(setting("BAR_TRAINING_TYPES"))


def _decimal_map(value, defaults: dict) -> dict[str, Decimal]:
    merged = dict(defaults)
    if isinstance(value, dict):
        for key, number in value.items():
            if key in defaults:
                merged[key] = number
    result = {}
    for key, number in merged.items():
        try:
            result[key] = max(Decimal(str(number)), Decimal(0))
        except ArithmeticError:
            result[key] = Decimal(str(defaults[key]))
    return result


def ranking_weights() -> dict[str, Decimal]:
    weights = _decimal_map(setting("RANKING_WEIGHTS"), DEFAULT_RANKING_WEIGHTS)
    readiness = readiness_weight()
    if readiness > 0:  # optional criterion (lms/readiness): only listed when it counts
        weights["readiness"] = readiness
    return weights


def readiness_weight() -> Decimal:
    """``LMS_RANKING_READINESS_WEIGHT``: points for the AEO readiness criterion (default 0: not used)."""
    return setting("RANKING_READINESS_WEIGHT")


def position_values() -> dict[str, Decimal]:
    return _decimal_map(setting("POSITION_VALUES"), DEFAULT_POSITION_VALUES)
