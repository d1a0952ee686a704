"""Bars recorded by customs: an enterprise barred from cultivation for a period."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from lms.auth.scopes import enterprise_in_scope
from lms.cultivation.models import (
    BAR_KINDS,
    BarEvent,
)
from lms.cultivation.transitions import _check_day
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db
from lms.org.models import DISCREDITED_LEVELS, Enterprise

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
