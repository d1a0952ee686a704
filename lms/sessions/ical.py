"""iCalendar (RFC 5545) files: one per session, and a personal feed that calendar apps read through a
secret URL."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from icalendar import Calendar, Event

from lms.extensions import db
from lms.sessions.models import CalendarToken, Registration, SessionExpert, TrainingSession

PRODID = "-//China Customs AEO Training Center//LMS Sessions//EN"
FEED_STATUSES = ("pending", "confirmed", "waitlisted")


def _site() -> str:
    return current_app.config.get("SITE_URL", "").rstrip("/")


def session_uid(session: TrainingSession) -> str:
    """Stable for the life of the session, so calendar apps update the event instead of adding one."""
    host = urlsplit(_site()).hostname or "aeo-lms"
    return f"training-session-{session.id}@{host}"


def _location(session: TrainingSession) -> str:
    if session.mode == "in_class" and session.venue is not None:
        return f"{session.venue.name_en} / {session.venue.name_zh}, {session.venue.address}"
    if session.mode == "onsite" and session.host_enterprise is not None:
        return session.host_enterprise.name_en
    if session.mode == "live_online":
        return session.meeting_url
    if session.mode == "one_on_one" and session.enterprise is not None:
        return session.enterprise.name_en
    return ""


def session_event(session: TrainingSession, *, tentative: bool = False) -> Event:
    event = Event()
    event.add("uid", session_uid(session))
    # DTSTAMP: when the session's record last changed (stable between downloads).
    event.add("dtstamp", session.updated_at or session.created_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", session.title)
    event.add(
        "description",
        f"{session.mode_label}\n{session.course.title if session.course else ''}\n"
        f"{_site()}/sessions/{session.id}",
    )
    location = _location(session)
    if location:
        event.add("location", location)
    event.add("url", f"{_site()}/sessions/{session.id}")
    if session.status == "cancelled":
        event.add("status", "CANCELLED")
    elif tentative:
        event.add("status", "TENTATIVE")
    else:
        event.add("status", "CONFIRMED")
    # SEQUENCE grows with each change so that updates replace older copies.
    stamp = session.updated_at or session.created_at
    event.add("sequence", int(stamp.timestamp()) - int(session.created_at.timestamp()))
    return event


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def session_ics(session: TrainingSession) -> bytes:
    calendar = _calendar(session.title)
    calendar.add_component(session_event(session))
    return calendar.to_ical()


def feed_sessions(user) -> list[tuple[TrainingSession, bool]]:
    """The sessions in a person's feed, with whether their place is still tentative."""
    if user.role == "trainee":
        rows = db.session.execute(
            sa.select(TrainingSession, Registration.status)
            .join(Registration, Registration.session_id == TrainingSession.id)
            .where(Registration.user_id == user.id, Registration.status.in_(FEED_STATUSES))
            .options(*_event_options())
            .order_by(TrainingSession.starts_at)
        ).all()
        return [(session, status != "confirmed") for session, status in rows]
    if user.role == "expert":
        rows = (
            db.session.execute(
                sa.select(TrainingSession)
                .join(SessionExpert, SessionExpert.session_id == TrainingSession.id)
                .where(SessionExpert.expert_id == user.id)
                .options(*_event_options())
                .order_by(TrainingSession.starts_at)
            )
            .scalars()
            .all()
        )
        return [(session, False) for session in rows]
    return []


def _event_options():
    return (
        sa.orm.joinedload(TrainingSession.venue),
        sa.orm.joinedload(TrainingSession.host_enterprise),
        sa.orm.joinedload(TrainingSession.enterprise),
        sa.orm.joinedload(TrainingSession.course),
    )


def feed_ics(user) -> bytes:
    calendar = _calendar(f"AEO Training Center — {user.display_name}")
    for session, tentative in feed_sessions(user):
        calendar.add_component(session_event(session, tentative=tentative))
    return calendar.to_ical()


def feed_token(user, *, create: bool = True) -> CalendarToken | None:
    token = db.session.execute(
        sa.select(CalendarToken).where(CalendarToken.user_id == user.id)
    ).scalar_one_or_none()
    if token is None and create:
        token = CalendarToken(user_id=user.id, token=secrets.token_urlsafe(32))
        db.session.add(token)
        db.session.flush()
    return token


def regenerate_feed_token(user) -> CalendarToken:
    """A new secret: the old feed URL stops working at once."""
    token = feed_token(user)
    token.token = secrets.token_urlsafe(32)
    db.session.flush()
    return token


def user_for_feed_token(value: str):
    if not value or len(value) > 64:
        return None
    token = db.session.execute(
        sa.select(CalendarToken).where(CalendarToken.token == value)
    ).scalar_one_or_none()
    if token is None or not token.user.active:
        return None
    return token.user
