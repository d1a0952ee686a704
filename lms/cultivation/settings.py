"""Settings of the cultivation workflow, read from the app config with documented defaults.

Each setting may be given as ``LMS_<NAME>`` in the config mapping passed to ``create_app`` or, through the
environment, as ``LMS_<NAME>`` (Flask's prefixed-env loader stores it as ``<NAME>``; JSON values allowed).

- ``LMS_RANKING_WEIGHTS``: points per key training list criterion (default below, 100 in all).
- ``LMS_RANKING_READINESS_WEIGHT``: points for the optional AEO readiness criterion (default 0, not used).
- ``LMS_POSITION_VALUES``: how much each nominee position counts (0–1) for the nominee positions criterion.
- ``LMS_AUDIT_CONCLUSION_MONTHS``: months (1–3, default 3) a case may stay suspended for an audit before the
  audit counts as without conclusion and termination is proposed.
- ``LMS_AUDIT_REMINDER_DAYS``: officers are reminded this many days (default 14) before that limit.
- ``LMS_PLAN_REMINDER_DAYS``: nominees are reminded of plan items due within this many days (default 7).
- ``LMS_BAR_YEARS``: length of the bar after a failure, give-up, withdrawal or downgrade (default 1 year).
- ``LMS_BAR_TRAINING_TYPES``: the training types the bar applies to (default both).
- ``LMS_REREVIEW_YEARS``: years from certification to the re-review of an AEO (default 5).
"""

from __future__ import annotations

from decimal import Decimal

from flask import current_app

# Points for each criterion of the seed's enterprise priority conditions plus the trainee priority.
DEFAULT_RANKING_WEIGHTS = {
    "key_enterprise": 30,  # a key enterprise
    "aeo_willingness": 25,  # strong willingness to become an AEO
    "credit_score": 30,  # the credit assessment score, 0–100, scaled to 0–1
    "nominee_positions": 15,  # the highest-ranking nominee: legal representative > senior management > staff
}
DEFAULT_POSITION_VALUES = {
    "legal_representative": 1.0,
    "senior_management": 0.6,
    "department_staff": 0.3,
    "other": 0.0,
}
DEFAULTS = {
    "AUDIT_CONCLUSION_MONTHS": 3,
    "AUDIT_REMINDER_DAYS": 14,
    "PLAN_REMINDER_DAYS": 7,
    "BAR_YEARS": 1,
    "BAR_TRAINING_TYPES": ("compliance", "aeo_certification"),
    "REREVIEW_YEARS": 5,
}


def setting(name: str, default=None):
    config = current_app.config
    for key in (f"LMS_{name}", name):
        if key in config and config[key] not in (None, ""):
            return config[key]
    return DEFAULTS.get(name, default)


def _int_setting(name: str, low: int, high: int) -> int:
    value = setting(name)
    try:
        number = int(value)
    except (TypeError, ValueError):
        current_app.logger.warning("%s=%r is not a number; using %s", name, value, DEFAULTS[name])
        return DEFAULTS[name]
    if not low <= number <= high:
        current_app.logger.warning("%s=%r is outside %s–%s; using the nearest", name, value, low, high)
    return max(low, min(high, number))


def audit_conclusion_months() -> int:
    return _int_setting("AUDIT_CONCLUSION_MONTHS", 1, 3)


def audit_reminder_days() -> int:
    return _int_setting("AUDIT_REMINDER_DAYS", 0, 90)


def plan_reminder_days() -> int:
    return _int_setting("PLAN_REMINDER_DAYS", 0, 90)


def bar_years() -> int:
    return _int_setting("BAR_YEARS", 0, 10)


def rereview_years() -> int:
    return _int_setting("REREVIEW_YEARS", 1, 10)


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
    try:
        return max(Decimal(str(setting("RANKING_READINESS_WEIGHT", 0) or 0)), Decimal(0))
    except ArithmeticError:
        current_app.logger.warning("RANKING_READINESS_WEIGHT is not a number; using 0")
        return Decimal(0)


def position_values() -> dict[str, Decimal]:
    return _decimal_map(setting("POSITION_VALUES"), DEFAULT_POSITION_VALUES)
