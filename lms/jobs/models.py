"""The outbox of messages to deliver and the record of scheduled job runs."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, UTCDateTime, enum_column, utcnow
from lms.extensions import db

MESSAGE_KINDS = ("email", "xapi")
MESSAGE_STATES = ("pending", "sending", "sent", "failed")
RUN_STATES = ("running", "succeeded", "failed")


class OutboxMessage(db.Model):
    """A message written in the same transaction as the fact it reports, delivered later by a task.

    ``idempotency_key`` is unique: queueing the same message twice is refused by the database, and the
    key travels with the message (the email's Message-ID, the xAPI statement ids derive from the facts)
    so a receiver can tell a repeat. A task claims a message by moving it to ``sending`` with a lease;
    a worker that dies mid-send leaves the lease to expire and the message is claimed again.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_due", "status", "next_attempt_at"),
        sa.CheckConstraint("attempts >= 0", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(enum_column(*MESSAGE_KINDS, name="outbox_kind"))
    idempotency_key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(enum_column(*MESSAGE_STATES, name="outbox_status"), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    notification = relationship("Notification")


class JobRun(db.Model):
    """One run of a scheduled job: when, how it ended, and its last line of output or its error."""

    __tablename__ = "job_run"
    __table_args__ = (sa.Index("ix_job_run_job_started", "job", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60))
    status: Mapped[str] = mapped_column(enum_column(*RUN_STATES, name="job_run_status"), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str] = mapped_column(sa.Text, default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")
