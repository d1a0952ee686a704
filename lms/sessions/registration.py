"""Registration: opening rules, registering trainees, approval, rejection, cancellation, the waitlist."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.auth.scopes import enterprise_in_scope
from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.courses.models import Enrollment
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.extensions import db
from lms.notifications.services import notify
from lms.sessions import permissions
from lms.sessions.models import (
    REGISTRATION_STATUSES,
    Registration,
    TrainingSession,
)
from lms.sessions.scheduling import is_published
from lms.sessions.seats import (
    _priority_rank_sql,
    _release_seat,
    _seat_or_waitlist,
    by_priority,
    priority_rank,
    promote_waitlist,
)
from lms.sessions.timing import ACTIVE_REGISTRATION, _session_link, _when, cancel_cutoff

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


def registration_status_label(status: str) -> str:
    return str(REGISTRATION_STATUSES[status])


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
