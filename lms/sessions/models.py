"""Scheduled training sessions (in class, on-site observation, one-on-one coaching, live online),
venues, expert assignments and registrations with attendance."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.bilingual import bilingual
from lms.database import TimestampMixin, UTCDateTime, enum_column, utcnow
from lms.extensions import db

SESSION_MODES = {
    "in_class": _l("In class"),
    "onsite": _l("On-site observation"),
    "one_on_one": _l("One-on-one coaching"),
    "live_online": _l("Live online"),
}
SESSION_STATUSES = {
    "planned": _l("Planned"),
    "open": _l("Open for registration"),
    "full": _l("Full"),
    "cancelled": _l("Cancelled"),
    "completed": _l("Completed"),
}
REGISTRATION_STATUSES = {
    "pending": _l("Awaiting approval"),
    "confirmed": _l("Confirmed"),
    "waitlisted": _l("Waitlisted"),
    "cancelled": _l("Cancelled"),
    "rejected": _l("Rejected"),
}
ATTENDANCE = {"present": _l("Present"), "late": _l("Late"), "absent": _l("Absent"), "excused": _l("Excused")}
EXPERT_ROLES = {"lead": _l("Lead expert"), "assistant": _l("Assistant expert")}


class Venue(db.Model):
    __tablename__ = "venue"
    __table_args__ = (sa.CheckConstraint("capacity > 0", name="capacity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    own_address: Mapped[str] = mapped_column("address", sa.String(300))
    address_en: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    address = bilingual("own_address", "address_en", "address")
    capacity: Mapped[int] = mapped_column()
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("customs_unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    unit = relationship("CustomsUnit")

    @property
    def name(self) -> str:
        from lms.org.models import localized

        return localized(self.name_en, self.name_zh)


class TrainingSession(TimestampMixin, db.Model):
    __tablename__ = "training_session"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        # Seats are counted in the row itself so that the database refuses overbooking.
        sa.CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"),
        sa.Index("ix_training_session_course_start", "course_id", "starts_at"),
        sa.Index("ix_training_session_starts_at", "starts_at"),  # report periods, calendars
        sa.Index("ix_training_session_unit_start", "unit_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"))
    mode: Mapped[str] = mapped_column(enum_column(*SESSION_MODES, name="session_mode"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("customs_unit.id"))  # organising customs unit
    own_title: Mapped[str] = mapped_column("title", sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    title = bilingual("own_title", "title_en", "title")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column()
    seats_taken: Mapped[int] = mapped_column(default=0)
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(
        enum_column(*SESSION_STATUSES, name="session_status"), default="planned", index=True
    )
    venue_id: Mapped[int | None] = mapped_column(sa.ForeignKey("venue.id"), index=True)
    host_enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enterprise.id"), index=True
    )  # one-on-one
    meeting_url: Mapped[str] = mapped_column(sa.String(500), default="")
    series_key: Mapped[str | None] = mapped_column(sa.String(36), index=True)  # recurring series
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    own_description: Mapped[str] = mapped_column("description", sa.Text, default="")  # Markdown
    description_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    description = bilingual("own_description", "description_en", "description")
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    course = relationship("Course")
    unit = relationship("CustomsUnit")
    venue: Mapped[Venue | None] = relationship()
    host_enterprise = relationship("Enterprise", foreign_keys=[host_enterprise_id])
    enterprise = relationship("Enterprise", foreign_keys=[enterprise_id])
    experts: Mapped[list[SessionExpert]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionExpert.id"
    )
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", order_by="Registration.id"
    )

    @property
    def mode_label(self) -> str:
        return str(SESSION_MODES[self.mode])

    @property
    def status_label(self) -> str:
        return str(SESSION_STATUSES[self.status])

    @property
    def hours(self) -> float:
        return round((self.ends_at - self.starts_at).total_seconds() / 3600, 2)


class SessionExpert(db.Model):
    """An expert assigned to a session as lead or assistant (rules in lms.experts.services)."""

    __tablename__ = "session_expert"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "expert_id"),
        sa.Index(
            "uq_session_expert_one_lead",
            "session_id",
            unique=True,
            sqlite_where=sa.text("role = 'lead'"),
            postgresql_where=sa.text("role = 'lead'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("training_session.id", ondelete="CASCADE"), index=True
    )
    expert_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[str] = mapped_column(enum_column(*EXPERT_ROLES, name="session_expert_role"))
    assigned_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[TrainingSession] = relationship(back_populates="experts")
    expert = relationship("User", foreign_keys=[expert_id])

    @property
    def role_label(self) -> str:
        return str(EXPERT_ROLES[self.role])


class Registration(db.Model):
    """A trainee's seat (or waitlist place) in a session, and their attendance."""

    __tablename__ = "registration"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id"),
        sa.Index("ix_registration_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(enum_column(*REGISTRATION_STATUSES, name="registration_status"))
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance: Mapped[str | None] = mapped_column(enum_column(*ATTENDANCE, name="attendance"))
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the registration joined the waitlist: the queue is served in this order.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    session: Mapped[TrainingSession] = relationship(back_populates="registrations")
    user = relationship("User", foreign_keys=[user_id])
    registered_by = relationship("User", foreign_keys=[registered_by_id])

    @property
    def status_label(self) -> str:
        return str(REGISTRATION_STATUSES[self.status])

    @property
    def attendance_label(self) -> str:
        return str(ATTENDANCE[self.attendance]) if self.attendance else ""


FEEDBACK_QUESTIONS = {
    "content": _l("Content"),
    "expert": _l("Expert"),
    "organisation": _l("Organisation"),
    "usefulness": _l("Usefulness"),
}


def _score_check(column: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{column} BETWEEN 1 AND 5", name=f"{column}_score_range")


class SessionFeedback(db.Model):
    """A trainee's answers to the post-session survey; shown to experts and officers only in aggregate."""

    __tablename__ = "session_feedback"
    __table_args__ = tuple(_score_check(q) for q in FEEDBACK_QUESTIONS)

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(sa.ForeignKey("registration.id"), unique=True)
    # Kept beside the registration so aggregates per session need no join.
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"), index=True)
    content: Mapped[int] = mapped_column(sa.SmallInteger)
    expert: Mapped[int] = mapped_column(sa.SmallInteger)
    organisation: Mapped[int] = mapped_column(sa.SmallInteger)
    usefulness: Mapped[int] = mapped_column(sa.SmallInteger)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    registration: Mapped[Registration] = relationship()


class CalendarToken(db.Model):
    """The secret in a person's calendar feed URL (the feed is read by calendar apps without a login)."""

    __tablename__ = "calendar_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class CoachingRecord(TimestampMixin, db.Model):
    """Agenda and notes of a one-on-one coaching session."""

    __tablename__ = "coaching_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"), unique=True)
    agenda: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    notes: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    session: Mapped[TrainingSession] = relationship()
    updated_by = relationship("User")


class CoachingActionItem(TimestampMixin, db.Model):
    """Something agreed in a coaching session: who does it, by when, and whether it is done."""

    __tablename__ = "coaching_action_item"
    __table_args__ = (
        sa.CheckConstraint(
            "(done AND done_at IS NOT NULL) OR (NOT done AND done_at IS NULL)", name="done_at_when_done"
        ),
        sa.Index("ix_coaching_action_item_session_done", "session_id", "done"),
        sa.Index("ix_coaching_action_item_owner_done", "owner_id", "done"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("training_session.id"))
    text: Mapped[str] = mapped_column(sa.String(500))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    done: Mapped[bool] = mapped_column(default=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    session: Mapped[TrainingSession] = relationship()
    owner = relationship("User", foreign_keys=[owner_id])
