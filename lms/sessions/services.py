"""Rules for training sessions: scheduling, registration with waitlist and approval, attendance with a
rotating check-in code, feedback, coaching records, venues.

Seats are counted in ``training_session.seats_taken``. A seat is taken only by a conditional UPDATE
(``seats_taken < capacity``) whose row count says whether it succeeded; the database CHECK and the row lock
of the UPDATE make overbooking impossible however many people register at the same moment. Functions here
take the acting user explicitly, raise domain errors and leave the commit to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause, enterprise_in_scope, unit_in_scope
from lms.config import setting
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.courses.completion import RequirementStatus, evaluate_completion, requirement
from lms.courses.models import Course, Enrollment
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import evidence_kind, record_evidence
from lms.extensions import db
from lms.i18n import format_day
from lms.notifications.services import notify
from lms.org.models import CREDIT_LEVELS, CustomsUnit, Enterprise
from lms.org.services import credit_level_on
from lms.sessions import permissions
from lms.sessions.models import (
    ATTENDANCE,
    FEEDBACK_QUESTIONS,
    REGISTRATION_STATUSES,
    SESSION_MODES,
    CoachingActionItem,
    CoachingRecord,
    Registration,
    SessionExpert,
    SessionFeedback,
    TrainingSession,
    Venue,
)

signals = Namespace()
#: sent with the registration (and ``actor``) inside the transaction that records attendance
attendance_recorded = signals.signal("attendance-recorded")

ACTIVE_REGISTRATION = ("pending", "confirmed", "waitlisted")
ATTENDED = ("present", "late")
SERIES_MAX = 52


# -- settings and time -------------------------------------------------------------------------------------


def cancel_cutoff() -> timedelta:
    return timedelta(hours=setting("SESSION_CANCEL_CUTOFF_HOURS"))


def checkin_opens_before() -> timedelta:
    return timedelta(minutes=setting("SESSION_CHECKIN_OPENS_MINUTES"))


def late_after() -> timedelta:
    return timedelta(minutes=setting("SESSION_LATE_AFTER_MINUTES"))


def local_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def local_to_utc(value: datetime | None) -> datetime | None:
    """A time typed in a form (local wall-clock time, naive) as an aware UTC time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=local_zone())
    return value.astimezone(ZoneInfo("UTC"))


def utc_to_local(value: datetime | None) -> datetime | None:
    """An aware time as naive local wall-clock time, for form inputs."""
    if value is None:
        return None
    return value.astimezone(local_zone()).replace(tzinfo=None)


def reader_zone() -> ZoneInfo:
    """The zone of the person filling in a form (their profile setting), the site's outside requests."""
    from flask import has_request_context

    if has_request_context():
        from flask_babel import get_timezone

        return ZoneInfo(str(get_timezone()))
    return local_zone()


def form_to_utc(value: datetime | None) -> datetime | None:
    """A time typed in a form, on the reader's wall clock, as an aware UTC time."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=reader_zone())
    return value.astimezone(ZoneInfo("UTC"))


def utc_to_form(value: datetime | None) -> datetime | None:
    """An aware time as the reader's naive wall-clock time, for form inputs."""
    if value is None:
        return None
    return value.astimezone(reader_zone()).replace(tzinfo=None)


def local_date(value: datetime) -> date:
    return value.astimezone(local_zone()).date()


def _when(value: datetime) -> str:
    """Local time for messages; works outside requests too (notifications sent from commands)."""
    return utc_to_local(value).strftime("%Y-%m-%d %H:%M")


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

    # Mode-specific rules; details that belong to other modes are dropped.
    values["venue_id"] = values.get("venue_id") if mode == "in_class" else None
    values["host_enterprise_id"] = values.get("host_enterprise_id") if mode == "onsite" else None
    values["enterprise_id"] = values.get("enterprise_id") if mode == "one_on_one" else None
    values["meeting_url"] = (values.get("meeting_url") or "").strip() if mode == "live_online" else ""
    if mode == "in_class":
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
    elif mode == "onsite":
        host = (
            db.session.get(Enterprise, values["host_enterprise_id"]) if values["host_enterprise_id"] else None
        )
        if host is None:
            raise RuleViolation(
                _l("An on-site observation needs a host enterprise."), field="host_enterprise_id"
            )
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
    elif mode == "live_online":
        url = values["meeting_url"]
        if not url.lower().startswith("https://") or len(url) <= len("https://") or " " in url:
            raise RuleViolation(
                _l("A live online session needs a meeting link starting with https://."), field="meeting_url"
            )
    elif mode == "one_on_one":
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
                    "One-on-one coaching has at most as many seats as the enterprise has trainees "
                    "(%(count)d).",
                    count=trainees,
                ),
                field="capacity",
            )
    values["registration_opens_at"], values["registration_closes_at"] = opens, closes
    values["title"] = (values.get("title") or "").strip()[:200] or course.title[:200]
    values["description"] = values.get("description") or ""
    values["requires_approval"] = bool(values.get("requires_approval"))
    return values


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


def _session_link(session: TrainingSession) -> str:
    return f"/sessions/{session.id}"


# -- seats -------------------------------------------------------------------------------------------------


def _take_seat(session: TrainingSession) -> bool:
    """Take one seat if one is free, in one conditional UPDATE; True when a seat was taken."""
    result = db.session.execute(
        sa.update(TrainingSession)
        .where(
            TrainingSession.id == session.id,
            TrainingSession.seats_taken < TrainingSession.capacity,
            TrainingSession.status.in_(("open", "full")),
        )
        .values(
            seats_taken=TrainingSession.seats_taken + 1,
            status=sa.case(
                (TrainingSession.seats_taken + 1 >= TrainingSession.capacity, "full"),
                else_=TrainingSession.status,
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["seats_taken", "status"])
    return result.rowcount == 1


def _release_seat(session: TrainingSession) -> None:
    db.session.execute(
        sa.update(TrainingSession)
        .where(TrainingSession.id == session.id, TrainingSession.seats_taken > 0)
        .values(
            seats_taken=TrainingSession.seats_taken - 1,
            status=sa.case((TrainingSession.status == "full", "open"), else_=TrainingSession.status),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(session, ["seats_taken", "status"])


# Trainee priority (seed): the legal representative, then senior management, then staff of the relevant
# departments; anyone else (position "other" or none) after them. When seats are short it decides who gets
# them.
POSITION_PRIORITY = ("legal_representative", "senior_management", "department_staff", "other")


def priority_rank(position: str | None) -> int:
    return POSITION_PRIORITY.index(position) if position in POSITION_PRIORITY else len(POSITION_PRIORITY)


def _priority_rank_sql():
    return sa.case(
        {position: rank for rank, position in enumerate(POSITION_PRIORITY)},
        value=User.position,
        else_=len(POSITION_PRIORITY),
    )


def by_priority(trainees: list[User]) -> list[User]:
    """Trainees in priority order (stable: equal positions keep their order)."""
    return sorted(trainees, key=lambda user: priority_rank(user.position))


def promote_waitlist(session: TrainingSession, actor=None) -> list[Registration]:
    """Give free seats to the waitlist, telling each promoted trainee. Call after freeing seats.

    The waitlist is served by trainee priority (legal representative, senior management, department staff,
    others), and in the order of joining it within one priority."""
    promoted = []
    while True:
        first = db.session.execute(
            sa.select(Registration)
            .join(User, User.id == Registration.user_id)
            .where(Registration.session_id == session.id, Registration.status == "waitlisted")
            .order_by(_priority_rank_sql(), Registration.waitlisted_at, Registration.id)
            .limit(1)
            .with_for_update(of=Registration)
        ).scalar_one_or_none()
        if first is None or not _take_seat(session):
            break
        first.status = "confirmed"
        first.confirmed_at = now()
        db.session.flush()
        notify(
            first.user,
            "session_promoted",
            _l("A seat in %(session)s is now yours."),
            body=_l("A seat freed up and you moved up from the waitlist. The session starts on %(date)s."),
            link=_session_link(session),
            session=session.title,
            date=session.starts_at,
        )
        promoted.append(first)
    return promoted


def _seat_or_waitlist(registration: Registration, session: TrainingSession) -> str:
    if _take_seat(session):
        registration.status = "confirmed"
        registration.confirmed_at = now()
        registration.waitlisted_at = None
    else:
        registration.status = "waitlisted"
        registration.waitlisted_at = now()
    db.session.flush()
    return registration.status


# -- registration ------------------------------------------------------------------------------------------


def check_registration_open(actor, session: TrainingSession, trainee: User) -> None:
    """Every rule a new registration must pass; raises the first one broken."""
    if trainee.role != "trainee":
        raise InvalidInput(_l("Only trainees register for sessions."))
    if actor.role == "trainee":
        if actor.id != trainee.id:
            raise NotPermitted(_l("Trainees register only themselves."))
    elif actor.role in permissions.STAFF:
        if not enterprise_in_scope(actor, trainee.enterprise_id):
            raise NotPermitted(
                _l(
                    "%(name)s is not a trainee of an enterprise in your jurisdiction.",
                    name=trainee.display_name,
                )
            )
    else:
        raise NotPermitted(_l("Only trainees and officers register for sessions."))
    if session.status == "planned":
        raise RuleViolation(_l("Registration for this session is not open yet."))
    if session.status == "cancelled":
        raise RuleViolation(_l("This session has been cancelled."))
    if session.status == "completed":
        raise RuleViolation(_l("This session is over."))
    if not is_published(session.course):
        raise RuleViolation(_l("The course of this session is not published."))
    current = now()
    if current >= session.starts_at:
        raise RuleViolation(_l("This session has already started."))
    if actor.role == "trainee":
        if session.registration_opens_at and current < session.registration_opens_at:
            raise RuleViolation(
                _l("Registration opens on %(date)s.", date=_when(session.registration_opens_at))
            )
        if session.registration_closes_at and current > session.registration_closes_at:
            raise RuleViolation(
                _l("Registration closed on %(date)s.", date=_when(session.registration_closes_at))
            )
    if session.mode == "one_on_one" and trainee.enterprise_id != session.enterprise_id:
        raise RuleViolation(
            _l(
                "This one-on-one coaching is reserved for %(enterprise)s.",
                enterprise=session.enterprise.name if session.enterprise else "",
            )
        )


def find_registration(session: TrainingSession, trainee: User, *, lock: bool = False) -> Registration | None:
    stmt = sa.select(Registration).where(
        Registration.session_id == session.id, Registration.user_id == trainee.id
    )
    if lock:
        stmt = stmt.with_for_update()
    return db.session.execute(stmt).scalar_one_or_none()


def register_trainee(actor, session: TrainingSession, trainee: User) -> Registration:
    """Register ``trainee`` (by themselves or by an officer): a seat, the waitlist, or pending approval."""
    check_registration_open(actor, session, trainee)
    registration = find_registration(session, trainee, lock=True)
    if registration is not None:
        if registration.status in ACTIVE_REGISTRATION:
            raise RuleViolation(
                _l(
                    "%(name)s is already registered for this session (%(status)s).",
                    name=trainee.display_name,
                    status=registration.status_label,
                )
            )
        if registration.status == "rejected" and actor.role == "trainee":
            raise RuleViolation(_l("Your registration was rejected; please contact the organisers."))
        # Registering again after a cancellation or rejection reuses the one row per trainee and session.
        registration.attendance = None
        registration.attendance_marked_at = None
        registration.attendance_marked_by_id = None
        registration.checked_in_at = None
        registration.cancelled_at = None
        registration.confirmed_at = None
        registration.decided_by_id = None
        registration.decision_note = ""
        registration.created_at = now()
        registration.registered_by_id = actor.id
        registration.status = "pending"
    else:
        registration = Registration(
            session_id=session.id,
            user_id=trainee.id,
            status="pending",
            registered_by_id=actor.id,
            created_at=now(),
        )
        db.session.add(registration)
    name = trainee.display_name  # read before the flush: after a failed flush nothing can be loaded
    try:
        db.session.flush()
    except IntegrityError as error:  # the same trainee registering twice at the same moment
        raise RuleViolation(_l("%(name)s is already registered for this session.", name=name)) from error
    _ensure_enrolled(session, trainee)
    link = _session_link(session)
    if session.requires_approval and actor.role == "trainee":
        return registration
    if actor.role != "trainee":
        registration.decided_by_id = actor.id
    status = _seat_or_waitlist(registration, session)
    if status == "confirmed":
        notify(
            trainee,
            "session_confirmed",
            _l("Your seat in %(session)s is confirmed."),
            body=_l("The session starts on %(date)s."),
            link=link,
            session=session.title,
            date=session.starts_at,
        )
    else:
        notify(
            trainee,
            "session_waitlisted",
            _l("You are on the waitlist for %(session)s."),
            body=_l("The session is full. You will be told if a seat frees up."),
            link=link,
            session=session.title,
        )
    return registration


def _ensure_enrolled(session: TrainingSession, trainee: User) -> None:
    """A seat in a session of a course enrols the trainee in that course, so that the attendance counts
    towards its completion (in-class and on-site courses are not open to self-enrolment)."""
    from lms.courses.services import enroll

    exists = db.session.execute(
        sa.select(Enrollment.id).where(
            Enrollment.user_id == trainee.id, Enrollment.course_id == session.course_id
        )
    ).first()
    if exists is None:
        enroll(None, session.course, trainee)


def register_trainees(actor, session: TrainingSession, trainees: list[User]) -> list[Registration]:
    """An officer registers several trainees at once: all of them, or (on the first refusal) none. When the
    seats are short, trainee priority decides who gets them (the others go to the waitlist)."""
    for trainee in trainees:
        check_registration_open(actor, session, trainee)
    registrations = {
        trainee.id: register_trainee(actor, session, trainee) for trainee in by_priority(trainees)
    }
    return [registrations[trainee.id] for trainee in trainees]


def _lock_registration(registration: Registration) -> Registration:
    return db.session.execute(
        sa.select(Registration)
        .where(Registration.id == registration.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def approve_registration(actor, registration: Registration) -> Registration:
    session = registration.session
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session decide on registrations."))
    registration = _lock_registration(registration)
    if registration.status != "pending":
        raise RuleViolation(
            _l(
                "Only a registration awaiting approval can be approved (this one is %(status)s).",
                status=registration.status_label,
            )
        )
    if session.status not in ("open", "full"):
        raise RuleViolation(
            _l("Registration for this session is closed (%(status)s).", status=session.status_label)
        )
    registration.decided_by_id = actor.id
    status = _seat_or_waitlist(registration, session)
    body = (
        _l("Your seat is confirmed. The session starts on %(date)s.")
        if status == "confirmed"
        else _l("The session is full; you are on the waitlist and will be told if a seat frees up.")
    )
    notify(
        registration.user,
        "session_approved",
        _l("Your registration for %(session)s was approved."),
        body=body,
        link=_session_link(session),
        session=session.title,
        date=session.starts_at,
    )
    return registration


def reject_registration(actor, registration: Registration, note: str = "") -> Registration:
    session = registration.session
    if not permissions.can_manage_session(actor, session):
        raise NotPermitted(_l("Only the organisers of this session decide on registrations."))
    registration = _lock_registration(registration)
    if registration.status not in ACTIVE_REGISTRATION:
        raise RuleViolation(_l("This registration is already %(status)s.", status=registration.status_label))
    if registration.attendance:
        raise RuleViolation(_l("Attendance has been recorded; the registration can no longer be changed."))
    held_seat = registration.status == "confirmed"
    registration.status = "rejected"
    registration.decided_by_id = actor.id
    registration.decision_note = (note or "").strip()
    registration.waitlisted_at = None
    db.session.flush()
    notify(
        registration.user,
        "session_rejected",
        _l("Your registration for %(session)s was not accepted."),
        body=_l("Reason given by the organisers: %(note)s") if registration.decision_note else "",
        link=_session_link(session),
        session=session.title,
        note=registration.decision_note,
    )
    if held_seat:
        _release_seat(session)
        promote_waitlist(session, actor)
    return registration


def cancellation_deadline(session: TrainingSession) -> datetime:
    return session.starts_at - cancel_cutoff()


def can_cancel_own(registration: Registration) -> bool:
    return (
        registration.status in ACTIVE_REGISTRATION
        and not registration.attendance
        and (now() <= cancellation_deadline(registration.session))
    )


def cancel_registration(actor, registration: Registration) -> Registration:
    """Cancel a registration: the trainee until the cut-off, the organisers until the session ends. A freed
    seat goes to the first on the waitlist in the same transaction."""
    session = registration.session
    if actor.id == registration.user_id:
        if now() > cancellation_deadline(session):
            raise RuleViolation(
                _l(
                    "Registrations can be cancelled until %(hours)d hours before the session starts.",
                    hours=int(cancel_cutoff().total_seconds() // 3600),
                )
            )
    elif actor.role in permissions.STAFF:
        if not (
            permissions.can_manage_session(actor, session)
            or enterprise_in_scope(actor, registration.user.enterprise_id)
        ):
            raise NotPermitted(_l("This registration is outside your jurisdiction."))
        if now() >= session.ends_at:
            raise RuleViolation(_l("The session has ended; its registrations are a record now."))
    else:
        raise NotPermitted(_l("You cannot cancel this registration."))
    registration = _lock_registration(registration)
    if registration.status not in ACTIVE_REGISTRATION:
        raise RuleViolation(_l("This registration is already %(status)s.", status=registration.status_label))
    if registration.attendance:
        raise RuleViolation(_l("Attendance has been recorded; the registration can no longer be changed."))
    held_seat = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = now()
    registration.waitlisted_at = None
    db.session.flush()
    if held_seat:
        _release_seat(session)
        promote_waitlist(session, actor)
    return registration


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != "waitlisted":
        return None
    rank = priority_rank(registration.user.position)
    earlier = sa.or_(
        Registration.waitlisted_at < registration.waitlisted_at,
        sa.and_(
            Registration.waitlisted_at == registration.waitlisted_at,
            Registration.id < registration.id,
        ),
    )
    ahead = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Registration)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.session_id == registration.session_id,
            Registration.status == "waitlisted",
            sa.or_(_priority_rank_sql() < rank, sa.and_(_priority_rank_sql() == rank, earlier)),
        )
    ).scalar_one()
    return ahead + 1


# -- attendance and check-in -------------------------------------------------------------------------------


@evidence_kind("attendance_marked", subject_type="registration", model=Registration, columns_only=True)
def describe_attendance(registration: Registration) -> dict:
    return {
        "registration_id": registration.id,
        "session_id": registration.session_id,
        "user_id": registration.user_id,
        "attendance": registration.attendance,
        "checked_in_at": registration.checked_in_at,
    }


@requirement("attendance")
def attendance_requirement(enrollment, version):
    """Met when the trainee was present (or late) at a session of the course."""
    if not version.require_attendance:
        return None
    attended = db.session.execute(
        sa.select(Registration.id)
        .join(TrainingSession, TrainingSession.id == Registration.session_id)
        .where(
            TrainingSession.course_id == enrollment.course_id,
            Registration.user_id == enrollment.user_id,
            Registration.status == "confirmed",
            Registration.attendance.in_(ATTENDED),
        )
        .limit(1)
    ).first()
    return RequirementStatus(
        key="attendance",
        label=_("Attend a scheduled session"),
        met=attended is not None,
        detail="" if attended else _("No attendance recorded yet."),
    )


def _evaluate_course(registration: Registration, actor) -> None:
    enrollment = db.session.execute(
        sa.select(Enrollment).where(
            Enrollment.user_id == registration.user_id, Enrollment.course_id == registration.session.course_id
        )
    ).scalar_one_or_none()
    if enrollment is not None:
        evaluate_completion(enrollment, actor)


def _set_attendance(
    actor, registration: Registration, value: str, *, checked_in_at: datetime | None = None
) -> None:
    registration.attendance = value
    registration.attendance_marked_at = now()
    registration.attendance_marked_by_id = actor.id
    if checked_in_at is not None:
        registration.checked_in_at = checked_in_at
    db.session.flush()
    record_evidence("attendance_marked", registration, actor)
    _evaluate_course(registration, actor)
    attendance_recorded.send(registration, actor=actor)


def check_attendance_allowed(actor, session: TrainingSession) -> None:
    if not permissions.can_run_session(actor, session):
        raise NotPermitted(_l("Only the assigned experts and the organisers mark attendance."))
    if session.status == "cancelled":
        raise RuleViolation(_l("This session has been cancelled."))
    if now() < session.starts_at - checkin_opens_before():
        raise RuleViolation(
            _l(
                "Attendance can be marked from %(time)s, when check-in opens.",
                time=_when(session.starts_at - checkin_opens_before()),
            )
        )


def mark_attendance(actor, registration: Registration, value: str) -> bool:
    """Mark one seat present/late/absent/excused; each change is a new ledger entry. True if it changed."""
    check_attendance_allowed(actor, registration.session)
    if value not in ATTENDANCE:
        raise InvalidInput(_l("Attendance is present, late, absent or excused."))
    if registration.status != "confirmed":
        raise RuleViolation(_l("Attendance is marked only for confirmed seats."))
    if registration.attendance == value:
        return False
    _set_attendance(actor, registration, value)
    return True


def mark_attendance_sheet(actor, session: TrainingSession, values: dict[int, str]) -> int:
    """Apply the whole attendance sheet (registration id → value) in one transaction; returns the changes."""
    check_attendance_allowed(actor, session)
    registrations = {
        r.id: r
        for r in db.session.execute(
            sa.select(Registration).where(
                Registration.session_id == session.id, Registration.status == "confirmed"
            )
        ).scalars()
    }
    changed = 0
    for registration_id, value in values.items():
        registration = registrations.get(registration_id)
        if registration is None:
            raise InvalidInput(_l("The attendance sheet lists a seat that is not in this session."))
        if value and mark_attendance(actor, registration, value):
            changed += 1
    return changed


def minute_counter(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


def checkin_code(session_id: int, counter: int) -> str:
    """The 6-digit code of one minute, derived (never stored) from the secret key."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    digest = hmac.new(key, f"session-checkin:{session_id}:{counter}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


@dataclass
class CheckinWindow:
    opens_at: datetime
    closes_at: datetime

    def contains(self, moment: datetime) -> bool:
        return self.opens_at <= moment <= self.closes_at


def checkin_window(session: TrainingSession) -> CheckinWindow:
    return CheckinWindow(session.starts_at - checkin_opens_before(), session.ends_at)


def current_checkin_code(actor, session: TrainingSession) -> dict | None:
    """The code the check-in page shows and how long it stays valid (None outside the window)."""
    if not permissions.can_run_session(actor, session):
        raise NotPermitted(_l("Only the assigned experts and the organisers see the check-in code."))
    moment = now()
    if session.status == "cancelled" or not checkin_window(session).contains(moment):
        return None
    counter = minute_counter(moment)
    next_minute = datetime.fromtimestamp((counter + 1) * 60, tz=moment.tzinfo)
    return {
        "code": checkin_code(session.id, counter),
        "changes_in": max(1, int((next_minute - moment).total_seconds())),
        "counter": counter,
    }


def check_in(actor, session: TrainingSession, code: str) -> Registration:
    """A trainee checks in with the code on the expert's screen: present, or late after the grace period."""
    registration = find_registration(session, actor, lock=True)
    if actor.role != "trainee" or registration is None or registration.status != "confirmed":
        raise RuleViolation(_l("Only trainees with a confirmed seat in this session can check in."))
    if registration.checked_in_at is not None:
        raise RuleViolation(
            _l("You have already checked in, at %(time)s.", time=_when(registration.checked_in_at))
        )
    if session.status == "cancelled":
        raise RuleViolation(_l("This session has been cancelled."))
    moment = now()
    window = checkin_window(session)
    if moment < window.opens_at:
        raise RuleViolation(
            _l(
                "Check-in opens at %(time)s, %(minutes)d minutes before the session starts.",
                time=_when(window.opens_at),
                minutes=int(checkin_opens_before().total_seconds() // 60),
            )
        )
    if moment > window.closes_at:
        raise RuleViolation(
            _l("Check-in closed when the session ended at %(time)s.", time=_when(window.closes_at))
        )
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        raise InvalidInput(_l("The check-in code has 6 digits."), field="code")
    counter = minute_counter(moment)
    first_counter = minute_counter(window.opens_at)
    # The code of this minute or the one before; older ones are told apart from wrong ones.
    matched = next(
        (
            c
            for c in range(counter, counter - 31, -1)
            if hmac.compare_digest(checkin_code(session.id, c), code)
        ),
        None,
    )
    if matched is None:
        raise RuleViolation(_l("Wrong check-in code. Enter the code shown by the expert now."), field="code")
    if matched < first_counter:
        raise RuleViolation(
            _l("This code is from before check-in opened. Enter the code shown now."), field="code"
        )
    if matched < counter - 1:
        raise RuleViolation(
            _l("This code has expired (codes change every minute). Enter the code shown now."), field="code"
        )
    value = "late" if moment > session.starts_at + late_after() else "present"
    _set_attendance(actor, registration, value, checked_in_at=moment)
    return registration


# -- feedback ----------------------------------------------------------------------------------------------


def feedback_given(registration: Registration) -> bool:
    return (
        db.session.execute(
            sa.select(SessionFeedback.id).where(SessionFeedback.registration_id == registration.id)
        ).first()
        is not None
    )


def check_feedback_allowed(actor, registration: Registration) -> None:
    if registration.user_id != actor.id:
        raise NotPermitted(_l("Only the trainee who attended gives feedback on their seat."))
    if registration.status != "confirmed" or registration.attendance not in ATTENDED:
        raise RuleViolation(_l("Feedback is asked of trainees who attended the session."))
    if now() < registration.session.ends_at:
        raise RuleViolation(_l("Feedback opens when the session has ended."))
    if feedback_given(registration):
        raise RuleViolation(_l("You have already given feedback on this session. Thank you."))


def submit_feedback(actor, registration: Registration, answers: dict, comment: str = "") -> SessionFeedback:
    check_feedback_allowed(actor, registration)
    scores = {}
    for question in FEEDBACK_QUESTIONS:
        value = answers.get(question)
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(_l("Rate each question from 1 to 5."), field=question)
        scores[question] = value
    feedback = SessionFeedback(
        registration_id=registration.id,
        session_id=registration.session_id,
        comment=(comment or "").strip()[:4000],
        submitted_at=now(),
        **scores,
    )
    db.session.add(feedback)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise RuleViolation(_l("You have already given feedback on this session. Thank you.")) from error
    return feedback


@dataclass
class FeedbackSummary:
    """Averages over a set of sessions. Never says who answered what."""

    count: int = 0
    averages: dict[str, float | None] = field(default_factory=dict)
    overall: float | None = None
    comments: list[str] = field(default_factory=list)

    def rows(self) -> list[tuple[str, float | None]]:
        return [(str(FEEDBACK_QUESTIONS[q]), self.averages.get(q)) for q in FEEDBACK_QUESTIONS]


def _summary_from_row(row, comments=None) -> FeedbackSummary:
    count = row.count or 0
    averages = {q: (round(float(getattr(row, q)), 2) if count else None) for q in FEEDBACK_QUESTIONS}
    overall = round(sum(averages.values()) / len(averages), 2) if count else None
    return FeedbackSummary(count=count, averages=averages, overall=overall, comments=comments or [])


def _feedback_columns():
    return [
        sa.func.count(SessionFeedback.id).label("count"),
        *[sa.func.avg(getattr(SessionFeedback, q)).label(q) for q in FEEDBACK_QUESTIONS],
    ]


def feedback_summary(session_ids, *, with_comments: bool = True) -> FeedbackSummary:
    """Aggregate feedback over ``session_ids`` (a list or a select of ids): count, averages per question,
    overall average, and the comments in an order that does not follow who wrote them."""
    row = db.session.execute(
        sa.select(*_feedback_columns()).where(SessionFeedback.session_id.in_(session_ids))
    ).one()
    comments = []
    if with_comments:
        comments = list(
            db.session.execute(
                sa.select(SessionFeedback.comment)
                .where(SessionFeedback.session_id.in_(session_ids), SessionFeedback.comment != "")
                .order_by(SessionFeedback.comment)
            ).scalars()
        )
    return _summary_from_row(row, comments)


def feedback_by_session(session_ids) -> dict[int, FeedbackSummary]:
    """One aggregate per session (no comments), in one query."""
    rows = db.session.execute(
        sa.select(SessionFeedback.session_id, *_feedback_columns())
        .where(SessionFeedback.session_id.in_(session_ids))
        .group_by(SessionFeedback.session_id)
    ).all()
    return {row.session_id: _summary_from_row(row) for row in rows}


@dataclass
class AttendanceSummary:
    confirmed: int = 0
    present: int = 0
    late: int = 0
    absent: int = 0
    excused: int = 0
    unmarked: int = 0

    @property
    def attended(self) -> int:
        return self.present + self.late

    @property
    def marked(self) -> int:
        return self.present + self.late + self.absent + self.excused

    @property
    def rate(self) -> float | None:
        """Attended seats among the seats whose attendance was marked."""
        return round(self.attended / self.marked, 4) if self.marked else None


def attendance_summary(session_ids) -> AttendanceSummary:
    """Counts of confirmed seats by attendance over ``session_ids`` (a list or a select of ids)."""
    rows = db.session.execute(
        sa.select(Registration.attendance, sa.func.count())
        .where(Registration.session_id.in_(session_ids), Registration.status == "confirmed")
        .group_by(Registration.attendance)
    ).all()
    summary = AttendanceSummary()
    for value, count in rows:
        summary.confirmed += count
        setattr(summary, value or "unmarked", getattr(summary, value or "unmarked") + count)
    return summary


def attendance_rate(session_ids) -> float | None:
    """Share (0–1) of marked seats that attended (present or late); None when nothing is marked."""
    return attendance_summary(session_ids).rate


# -- one-on-one coaching -----------------------------------------------------------------------------------


def coaching_record(session: TrainingSession) -> CoachingRecord | None:
    return db.session.execute(
        sa.select(CoachingRecord).where(CoachingRecord.session_id == session.id)
    ).scalar_one_or_none()


def save_coaching_record(actor, session: TrainingSession, *, agenda: str, notes: str) -> CoachingRecord:
    if not permissions.can_edit_coaching(actor, session):
        raise NotPermitted(
            _l("Only the coaching experts and the officers of the enterprise keep this record.")
        )
    record = coaching_record(session)
    if record is None:
        record = CoachingRecord(session_id=session.id)
        db.session.add(record)
    record.agenda = agenda or ""
    record.notes = notes or ""
    record.updated_by_id = actor.id
    db.session.flush()
    return record


def action_item_owners(session: TrainingSession) -> list[User]:
    """Who may own an action item: the enterprise's trainees and the assigned experts."""
    trainees = (
        db.session.execute(
            sa.select(User)
            .where(User.enterprise_id == session.enterprise_id, User.role == "trainee", User.active.is_(True))
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    experts = (
        db.session.execute(
            sa.select(User)
            .join(SessionExpert, SessionExpert.expert_id == User.id)
            .where(SessionExpert.session_id == session.id)
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    return [*trainees, *experts]


def add_action_item(
    actor, session: TrainingSession, *, text: str, owner_id: int | None, due_on: date | None
) -> CoachingActionItem:
    if not permissions.can_edit_coaching(actor, session):
        raise NotPermitted(
            _l("Only the coaching experts and the officers of the enterprise keep this record.")
        )
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_l("Describe the action."), field="text")
    if owner_id not in {u.id for u in action_item_owners(session)}:
        raise InvalidInput(
            _l("The owner is a trainee of the enterprise or an assigned expert."), field="owner_id"
        )
    item = CoachingActionItem(
        session_id=session.id, text=text[:500], owner_id=owner_id, due_on=due_on, created_by_id=actor.id
    )
    db.session.add(item)
    db.session.flush()
    return item


def set_action_item_done(actor, item: CoachingActionItem, done: bool) -> CoachingActionItem:
    if not (permissions.can_edit_coaching(actor, item.session) or actor.id == item.owner_id):
        raise NotPermitted(_l("Only the owner, the coaching experts and the officers update this action."))
    item.done = bool(done)
    item.done_at = now() if done else None
    return item


def open_action_items_stmt(actor) -> sa.Select:
    """Open action items of the coaching the actor follows (their enterprise, or their jurisdiction)."""
    stmt = (
        sa.select(CoachingActionItem)
        .join(TrainingSession, TrainingSession.id == CoachingActionItem.session_id)
        .where(CoachingActionItem.done.is_(False), TrainingSession.status != "cancelled")
    )
    if actor.role == "trainee":
        stmt = stmt.where(TrainingSession.enterprise_id == actor.enterprise_id)
    elif actor.role == "expert":
        stmt = stmt.where(TrainingSession.id.in_(permissions.assigned_session_ids(actor)))
    else:
        stmt = stmt.where(enterprise_clause(actor, TrainingSession.enterprise_id))
    return stmt.order_by(
        CoachingActionItem.due_on.is_(None), CoachingActionItem.due_on, CoachingActionItem.id
    )


def registration_status_label(status: str) -> str:
    return str(REGISTRATION_STATUSES[status])
