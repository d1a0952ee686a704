"""Rules for enterprises and their credit status decisions."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.auth.scopes import enterprise_in_scope, unit_in_scope
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.i18n import format_day
from lms.org.models import CREDIT_LEVELS, REGIME_LEVELS, REGIMES, CreditStatusRecord, CustomsUnit, Enterprise
from lms.org.uscc import USCCError, validate_uscc

ENTERPRISE_FIELDS = (
    "name_en",
    "name_zh",
    "uscc",
    "customs_code",
    "business_type",
    "is_production",
    "unit_id",
    "is_key",
    "aeo_willing",
    "credit_score",
)


def regime_on(day: date, regimes: list[tuple[str, date]] | None = None) -> str | None:
    """The credit regime in force on ``day`` (None before the first one)."""
    regimes = regimes or current_app.config["CREDIT_REGIMES"]
    current = None
    for name, start in sorted(regimes, key=lambda item: item[1]):
        if day >= start:
            current = name
    return current


def first_regime() -> tuple[str, date]:
    """The earliest credit regime and the date it took effect."""
    return min(current_app.config["CREDIT_REGIMES"], key=lambda item: item[1])


def no_regime_message(day: date):
    """Why nothing can be decided on ``day``: it precedes the first regime (names the rule and the date)."""
    name, start = first_regime()
    return _l(
        "Rule: credit status is recorded from %(start)s, when %(regime)s took effect; "
        "no credit regime was in force on %(day)s.",
        start=format_day(start),
        regime=str(REGIMES.get(name, name)),
        day=format_day(day),
    )


def levels_on(day: date) -> tuple[str, ...]:
    regime = regime_on(day)
    return REGIME_LEVELS.get(regime, ()) if regime else ()


def unit_descendants(unit: CustomsUnit) -> sa.Select:
    return sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(unit.path, autoescape=True))


def _validate_enterprise_values(values: dict, exclude_id: int | None) -> dict:
    values = dict(values)
    try:
        values["uscc"] = validate_uscc(values.get("uscc", ""))
    except USCCError as error:
        messages = {
            "length": _l("The unified social credit code must be 18 characters, not %(n)s.", n=error.detail),
            "alphabet": _l(
                "The unified social credit code contains characters outside the GB 32100-2015 "
                "alphabet: %(chars)s.",
                chars=error.detail,
            ),
            "check": _l(
                "The check character of the unified social credit code should be %(expected)s.",
                expected=error.detail,
            ),
        }
        raise InvalidInput(messages[error.kind], field="uscc") from error
    code = (values.get("customs_code") or "").strip().upper()
    if len(code) != 10 or not code.isalnum():
        raise InvalidInput(_l("The customs code has exactly 10 letters or digits."), field="customs_code")
    values["customs_code"] = code
    score = values.get("credit_score")
    if score is not None and not 0 <= score <= 100:
        raise InvalidInput(_l("The credit assessment score is between 0 and 100."), field="credit_score")
    for column, field in ((Enterprise.uscc, "uscc"), (Enterprise.customs_code, "customs_code")):
        stmt = sa.select(Enterprise.id).where(column == values[field])
        if exclude_id is not None:
            stmt = stmt.where(Enterprise.id != exclude_id)
        if db.session.execute(stmt).first() is not None:
            message = (
                _l("Another enterprise has this unified social credit code.")
                if field == "uscc"
                else _l("Another enterprise has this customs code.")
            )
            raise InvalidInput(message, field=field)
    return values


def _check_unit(actor, unit_id: int) -> None:
    unit = db.session.get(CustomsUnit, unit_id) if unit_id else None
    if unit is None or unit.level != "local":
        raise InvalidInput(_l("An enterprise is supervised by a local customs unit."), field="unit_id")
    if not unit_in_scope(actor, unit):
        raise NotPermitted(_l("This customs unit is outside your jurisdiction."), field="unit_id")


def create_enterprise(actor, values: dict) -> Enterprise:
    values = _validate_enterprise_values(values, None)
    _check_unit(actor, values["unit_id"])
    enterprise = Enterprise(**{k: values[k] for k in ENTERPRISE_FIELDS if k in values})
    db.session.add(enterprise)
    return enterprise


def update_enterprise(actor, enterprise: Enterprise, values: dict) -> Enterprise:
    if not enterprise_in_scope(actor, enterprise):
        raise NotPermitted(_l("This enterprise is outside your jurisdiction."))
    values = _validate_enterprise_values(values, enterprise.id)
    _check_unit(actor, values["unit_id"])
    for key in ENTERPRISE_FIELDS:
        if key in values:
            setattr(enterprise, key, values[key])
    return enterprise


def record_credit_decision(
    actor,
    enterprise: Enterprise,
    *,
    level: str,
    decided_on: date,
    reason: str = "",
    source: str = "manual",
) -> CreditStatusRecord:
    """Add a dated credit status decision under the regime in force on that date.

    The latest decision is the current status."""
    regime = regime_on(decided_on)
    if regime is None:
        raise InvalidInput(no_regime_message(decided_on), field="decided_on", code="credit.no_regime")
    if level not in REGIME_LEVELS[regime]:
        raise RuleViolation(
            _l(
                "%(regime)s has no level \u201c%(level)s\u201d (decision dated %(day)s).",
                regime=str(REGIMES[regime]),
                level=str(CREDIT_LEVELS.get(level, level)),
                day=format_day(decided_on),
            ),
            field="level",
        )
    record = CreditStatusRecord(
        enterprise=enterprise,
        regime=regime,
        level=level,
        decided_on=decided_on,
        reason=reason or "",
        source=source,
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(record)
    if enterprise.credit_since is None or decided_on >= enterprise.credit_since:
        enterprise.credit_regime = regime
        enterprise.credit_level = level
        enterprise.credit_since = decided_on
    return record


def credit_level_on(enterprise: Enterprise, day: date) -> str | None:
    """The enterprise's credit level as decided on or before ``day``."""
    row = db.session.execute(
        sa.select(CreditStatusRecord.level)
        .where(CreditStatusRecord.enterprise_id == enterprise.id, CreditStatusRecord.decided_on <= day)
        .order_by(CreditStatusRecord.decided_on.desc(), CreditStatusRecord.id.desc())
        .limit(1)
    ).first()
    return row[0] if row else None
