"""Attendance: marking, the attendance sheet and self check-in with a rotating code."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.clock import now  # every rule here reads the one clock (also services.now for callers)
from lms.courses.completion import RequirementStatus, evaluate_completion, requirement
from lms.courses.models import Enrollment
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import evidence_kind, record_evidence
from lms.extensions import db
from lms.sessions import permissions
from lms.sessions.models import (
    ATTENDANCE,
    Registration,
    TrainingSession,
)
from lms.sessions.registration import find_registration
from lms.sessions.timing import ATTENDED, _when, attendance_recorded, checkin_opens_before, late_after

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
