"""Scheduling: every scheduling rule (check_session_values), series, opening, completing and cancelling."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.scopes import enterprise_in_scope, unit_in_scope
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.courses.models import Course
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.i18n import format_day
from lms.notifications.services import notify
from lms.org.models import CREDIT_LEVELS, CustomsUnit, Enterprise
from lms.org.services import credit_level_on
from lms.sessions import permissions
from lms.sessions.models import (
    SESSION_MODES,
    TrainingSession,
    Venue,
)
from lms.sessions.seats import promote_waitlist
from lms.sessions.timing import (
    ACTIVE_REGISTRATION,
    SERIES_MAX,
    _session_link,
    local_date,
    local_to_utc,
    local_zone,
)

# -- scheduling --------------------------------------------------------------------------------------------

SESSION_FIELDS = (
    "course_id",
    "title",
    "mode",
    "unit_id",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "requires_approval",
    "venue_id",
    "host_enterprise_id",
    "enterprise_id",
    "meeting_url",
    "description",
)


def is_published(course: Course | None) -> bool:
    return course is not None and course.published_version_id is not None and not course.archived


def enterprise_trainee_count(enterprise_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.enterprise_id == enterprise_id, User.role == "trainee", User.active.is_(True))
    ).scalar_one()


def check_session_values(actor, values: dict, session: TrainingSession | None = None) -> dict:
    """Validate a session's values against every scheduling rule; returns the cleaned values.

    Each refusal names its rule and the field it concerns. Nothing is written.
    """
    values = dict(values)
    course, mode = _check_course_mode_unit(actor, values)
    starts_at, capacity = _check_times_and_capacity(values, session)
    opens, closes = _check_registration_window(values, starts_at)
    # Mode-specific rules; details that belong to other modes are dropped.
    values["venue_id"] = values.get("venue_id") if mode == "in_class" else None
    values["host_enterprise_id"] = values.get("host_enterprise_id") if mode == "onsite" else None
    values["enterprise_id"] = values.get("enterprise_id") if mode == "one_on_one" else None
    values["meeting_url"] = (values.get("meeting_url") or "").strip() if mode == "live_online" else ""
    if mode == "in_class":
        _check_in_class(actor, values, session, capacity)
    elif mode == "onsite":
        _check_onsite(actor, values, starts_at)
    elif mode == "live_online":
        _check_live_online(values)
    elif mode == "one_on_one":
        _check_one_on_one(actor, values, capacity)
    values["registration_opens_at"], values["registration_closes_at"] = opens, closes
    values["title"] = (values.get("title") or "").strip()[:200] or course.title[:200]
    values["description"] = values.get("description") or ""
    values["requires_approval"] = bool(values.get("requires_approval"))
    return values


def _check_course_mode_unit(actor, values: dict) -> tuple[Course, str]:
    """Who schedules, the published course, the mode and the organising unit in the actor's jurisdiction."""
    if actor.role not in permissions.STAFF:
        raise NotPermitted(_l("Only officers and administrators schedule sessions."))
    course = db.session.get(Course, values.get("course_id")) if values.get("course_id") else None
    if course is None:
        raise InvalidInput(_l("Choose the course this session delivers."), field="course_id")
    if not is_published(course):
        raise RuleViolation(_l("Sessions are scheduled only for published courses."), field="course_id")
    mode = values.get("mode")
    if mode not in SESSION_MODES:
        raise InvalidInput(_l("Choose how the session is delivered."), field="mode")
    unit = db.session.get(CustomsUnit, values.get("unit_id")) if values.get("unit_id") else None
    if unit is None:
        raise InvalidInput(_l("Choose the organising customs unit."), field="unit_id")
    if not unit_in_scope(actor, unit):
        raise NotPermitted(
            _l("The organising customs unit must be within your jurisdiction."), field="unit_id"
        )
    return course, mode


def _check_times_and_capacity(values: dict, session: TrainingSession | None) -> tuple[datetime, int]:
    starts_at, ends_at = values.get("starts_at"), values.get("ends_at")
    if starts_at is None:
        raise InvalidInput(_l("Give the start date and time."), field="starts_at")
    if ends_at is None:
        raise InvalidInput(_l("Give the end date and time."), field="ends_at")
    if ends_at <= starts_at:
        raise RuleViolation(_l("The session must end after it starts."), field="ends_at")
    capacity = values.get("capacity")
    if capacity is None or capacity < 1:
        raise InvalidInput(_l("The capacity is at least one seat."), field="capacity")
    if session is not None and capacity < session.seats_taken:
        raise RuleViolation(
            _l(
                "The capacity cannot be lower than the %(count)d seats already taken.",
                count=session.seats_taken,
            ),
            field="capacity",
        )
    return starts_at, capacity


def _check_registration_window(values: dict, starts_at: datetime) -> tuple:
    opens, closes = values.get("registration_opens_at"), values.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise RuleViolation(_l("Registration must open before it closes."), field="registration_closes_at")
    if closes and closes > starts_at:
        raise RuleViolation(
            _l("Registration must close no later than the session starts."), field="registration_closes_at"
        )
    if opens and opens >= starts_at:
        raise RuleViolation(
            _l("Registration must open before the session starts."), field="registration_opens_at"
        )
    return opens, closes


def _check_in_class(actor, values: dict, session: TrainingSession | None, capacity: int) -> None:
    venue = db.session.get(Venue, values["venue_id"]) if values["venue_id"] else None
    if venue is None:
        raise RuleViolation(_l("An in-class session needs a venue."), field="venue_id")
    usable = db.session.execute(
        sa.select(Venue.id).where(Venue.id == venue.id, permissions.venue_clause(actor))
    ).first()
    if usable is None or (not venue.active and (session is None or session.venue_id != venue.id)):
        raise NotPermitted(_l("This venue is not available to you."), field="venue_id")
    if capacity > venue.capacity:
        raise RuleViolation(
            _l(
                "The capacity (%(capacity)d) exceeds the room capacity of %(venue)s (%(room)d seats).",
                capacity=capacity,
                venue=venue.name,
                room=venue.capacity,
            ),
            field="capacity",
        )


def _check_onsite(actor, values: dict, starts_at: datetime) -> None:
    host = db.session.get(Enterprise, values["host_enterprise_id"]) if values["host_enterprise_id"] else None
    if host is None:
        raise RuleViolation(_l("An on-site observation needs a host enterprise."), field="host_enterprise_id")
    if actor.role != "admin" and not enterprise_in_scope(actor, host):
        raise NotPermitted(
            _l("The host enterprise is outside your jurisdiction."), field="host_enterprise_id"
        )
    day = local_date(starts_at)
    level = credit_level_on(host, day)
    if level != "advanced_certified":
        raise RuleViolation(
            _l(
                "The host enterprise must be an advanced certified enterprise on the session date: "
                "%(enterprise)s is %(level)s on %(date)s.",
                enterprise=host.name,
                level=str(CREDIT_LEVELS[level]) if level else _("not rated"),
                date=format_day(day),
            ),
            field="host_enterprise_id",
        )


def _check_live_online(values: dict) -> None:
    url = values["meeting_url"]
    if not url.lower().startswith("https://") or len(url) <= len("https://") or " " in url:
        raise RuleViolation(
            _l("A live online session needs a meeting link starting with https://."), field="meeting_url"
        )


def _check_one_on_one(actor, values: dict, capacity: int) -> None:
    enterprise = db.session.get(Enterprise, values["enterprise_id"]) if values["enterprise_id"] else None
    if enterprise is None:
        raise RuleViolation(
            _l("One-on-one coaching is for exactly one enterprise: choose it."), field="enterprise_id"
        )
    if actor.role != "admin" and not enterprise_in_scope(actor, enterprise):
        raise NotPermitted(_l("This enterprise is outside your jurisdiction."), field="enterprise_id")
    trainees = enterprise_trainee_count(enterprise.id)
    if trainees == 0:
        raise RuleViolation(
            _l("%(enterprise)s has no trainee accounts to coach.", enterprise=enterprise.name),
            field="enterprise_id",
        )
    if capacity > trainees:
        raise RuleViolation(
            _l(
                "One-on-one coaching has at most as many seats as the enterprise has trainees (%(count)d).",
                count=trainees,
            ),
            field="capacity",
        )


def create_session(actor, values: dict, *, open_now: bool = True) -> TrainingSession:
    values = check_session_values(actor, values)
    session = TrainingSession(
        **{k: values[k] for k in SESSION_FIELDS},
        seats_taken=0,
        status="open" if open_now else "planned",
        created_by_id=actor.id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def series_dates(starts_at: datetime, ends_at: datetime, every_days: int, count: int) -> list[tuple]:
    """Start and end of each occurrence, stepping in local calendar days (wall-clock time is kept)."""
    zone = local_zone()
    start_local, end_local = starts_at.astimezone(zone), ends_at.astimezone(zone)
    occurrences = []
    for index in range(count):
        step = timedelta(days=every_days * index)
        occurrences.append(
            (
                local_to_utc((start_local + step).replace(tzinfo=None)),
                local_to_utc((end_local + step).replace(tzinfo=None)),
            )
        )
    return occurrences


def create_series(
    actor, values: dict, *, every_days: int, count: int, open_now: bool = True
) -> list[TrainingSession]:
    """Create ``count`` sessions ``every_days`` apart, each its own session, all or none."""
    if count is None or not 2 <= count <= SERIES_MAX:
        raise InvalidInput(
            _l("A series has between 2 and %(max)d sessions.", max=SERIES_MAX), field="repeat_count"
        )
    if every_days is None or not 1 <= every_days <= 365:
        raise InvalidInput(_l("Sessions of a series are 1 to 365 days apart."), field="repeat_every")
    key = str(uuid.uuid4())
    sessions = []
    for starts_at, ends_at in series_dates(values["starts_at"], values["ends_at"], every_days, count):
        occurrence = dict(values, starts_at=starts_at, ends_at=ends_at)
        # Registration windows move with their session.
        for name in ("registration_opens_at", "registration_closes_at"):
            if values.get(name):
                occurrence[name] = values[name] + (starts_at - values["starts_at"])
        session = create_session(actor, occurrence, open_now=open_now)
        session.series_key = key
        sessions.append(session)
    return sessions


def _lock_session(session: TrainingSession) -> TrainingSession:
    return db.session.execute(
        sa.select(TrainingSession)
        .where(TrainingSession.id == session.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def update_session(actor, session: TrainingSession, values: dict) -> TrainingSession:
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session may change it."))
    session = _lock_session(session)
    if session.status in ("cancelled", "completed"):
        raise RuleViolation(_l("A %(status)s session cannot be changed.", status=session.status_label))
    if (
        session.registrations
        and values.get("mode") == "one_on_one"
        and values.get("enterprise_id") != session.enterprise_id
    ):
        active = [r for r in session.registrations if r.status in ACTIVE_REGISTRATION]
        if active:
            raise RuleViolation(
                _l("Trainees are registered; the coached enterprise cannot change."), field="enterprise_id"
            )
    values = check_session_values(actor, values, session)
    for key in SESSION_FIELDS:
        setattr(session, key, values[key])
    if session.status in ("open", "full"):
        session.status = "full" if session.seats_taken >= session.capacity else "open"
    db.session.flush()
    promote_waitlist(session, actor)
    return session


def open_session(actor, session: TrainingSession) -> TrainingSession:
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session may change it."))
    if session.status != "planned":
        raise RuleViolation(_l("Only a planned session can be opened for registration."))
    if not is_published(session.course):
        raise RuleViolation(_l("Sessions are scheduled only for published courses."))
    session.status = "full" if session.seats_taken >= session.capacity else "open"
    return session


def complete_session(actor, session: TrainingSession) -> TrainingSession:
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session may change it."))
    if session.status in ("cancelled", "completed"):
        raise RuleViolation(_l("A %(status)s session cannot be changed.", status=session.status_label))
    if session.ends_at > now():
        raise RuleViolation(_l("A session is completed only after it has ended."))
    session.status = "completed"
    return session


def cancel_session(actor, session: TrainingSession, reason: str = "") -> TrainingSession:
    """Cancel the session and tell everyone registered. Registrations keep their status as a record."""
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session may cancel it."))
    session = _lock_session(session)
    if session.status in ("cancelled", "completed"):
        raise RuleViolation(_l("A %(status)s session cannot be changed.", status=session.status_label))
    if session.ends_at <= now():
        raise RuleViolation(_l("A session that has ended cannot be cancelled."))
    session.status = "cancelled"
    session.cancelled_at = now()
    session.cancel_reason = (reason or "").strip()
    link = _session_link(session)
    for registration in session.registrations:
        if registration.status in ACTIVE_REGISTRATION:
            notify(
                registration.user,
                "session_cancelled",
                _l("%(session)s has been cancelled."),
                body=_l("The session on %(date)s will not take place. %(reason)s"),
                link=link,
                session=session.title,
                date=session.starts_at,
                reason=session.cancel_reason,
            )
    return session
