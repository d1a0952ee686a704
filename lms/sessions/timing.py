"""Settings and time of the sessions rules: cut-offs, the check-in window, the site's and reader's zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from blinker import Namespace
from flask import current_app

from lms.config import setting
from lms.sessions.models import (
    TrainingSession,
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


def _session_link(session: TrainingSession) -> str:
    return f"/sessions/{session.id}"
