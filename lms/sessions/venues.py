"""Venues: rooms that in-class sessions book, in the officer's jurisdiction."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.auth.scopes import unit_in_scope
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.sessions import permissions
from lms.sessions.models import (
    TrainingSession,
    Venue,
)

# -- venues ------------------------------------------------------------------------------------------------

VENUE_FIELDS = ("name_en", "name_zh", "address", "capacity", "unit_id", "active")


def _check_venue_values(actor, values: dict, venue: Venue | None) -> None:
    if actor.role not in permissions.STAFF:
        raise NotPermitted(_l("Only officers and administrators manage venues."))
    if not (values.get("name_en") or "").strip() or not (values.get("name_zh") or "").strip():
        raise InvalidInput(_l("A venue has a name in English and in Chinese."), field="name_en")
    if not (values.get("address") or "").strip():
        raise InvalidInput(_l("A venue has an address."), field="address")
    capacity = values.get("capacity")
    if capacity is None or capacity < 1:
        raise InvalidInput(_l("The room capacity is at least 1."), field="capacity")
    if not unit_in_scope(actor, values.get("unit_id")):
        raise NotPermitted(_l("This customs unit is outside your jurisdiction."), field="unit_id")
    if venue is not None:
        too_big = db.session.execute(
            sa.select(sa.func.count())
            .select_from(TrainingSession)
            .where(
                TrainingSession.venue_id == venue.id,
                TrainingSession.capacity > capacity,
                TrainingSession.ends_at > now(),
                TrainingSession.status.not_in(("cancelled", "completed")),
            )
        ).scalar_one()
        if too_big:
            raise RuleViolation(
                _l(
                    "%(count)d upcoming sessions at this venue have more seats than %(capacity)d; "
                    "lower their capacity first.",
                    count=too_big,
                    capacity=capacity,
                ),
                field="capacity",
            )


def create_venue(actor, values: dict) -> Venue:
    _check_venue_values(actor, values, None)
    venue = Venue(**{k: values[k] for k in VENUE_FIELDS if k in values})
    db.session.add(venue)
    return venue


def update_venue(actor, venue: Venue, values: dict) -> Venue:
    if not unit_in_scope(actor, venue.unit_id):
        raise NotPermitted(_l("This venue is outside your jurisdiction."))
    _check_venue_values(actor, values, venue)
    for key in VENUE_FIELDS:
        if key in values:
            setattr(venue, key, values[key])
    return venue
