"""Privacy records: notice acceptances, deletion requests and the log of who opened whose records."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import UTCDateTime, enum_column, utcnow
from lms.extensions import db


class PrivacyAcceptance(db.Model):
    """A person accepted a version of the privacy notice (kept for every version they accepted)."""

    __tablename__ = "privacy_acceptance"
    __table_args__ = (sa.UniqueConstraint("user_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)
    language: Mapped[str] = mapped_column(sa.String(8), default="en")  # the language it was read in
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


DELETION_STATES = {
    "pending": _l("Waiting for a decision"),
    "approved": _l("Approved: personal information removed"),
    "rejected": _l("Rejected"),
}


class DeletionRequest(db.Model):
    """A trainee asks for their personal information to be deleted; an administrator decides.

    Approval pseudonymises the person (results and evidence stay, under the pseudonym). At most one request
    of a person waits at a time.
    """

    __tablename__ = "deletion_request"
    __table_args__ = (
        sa.Index("ix_deletion_request_status", "status", "requested_at"),
        sa.CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    status: Mapped[str] = mapped_column(
        enum_column(*DELETION_STATES, name="deletion_status"), default="pending"
    )
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    decision_note: Mapped[str] = mapped_column(sa.Text, default="")

    user = relationship("User", foreign_keys=[user_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def status_label(self) -> str:
        return str(DELETION_STATES[self.status])


ACCESS_KINDS = {
    "profile": _l("Account and profile"),
    "attempt": _l("Quiz attempt"),
    "records": _l("Training records"),
    "export": _l("Export of personal data"),
}


class RecordAccess(db.Model):
    """Someone other than the person opened a trainee's records (officers, experts, administrators)."""

    __tablename__ = "record_access"
    __table_args__ = (
        sa.Index("ix_record_access_subject_at", "subject_id", "at"),
        sa.Index("ix_record_access_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(20), default="")
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(enum_column(*ACCESS_KINDS, name="record_access_kind"))
    path: Mapped[str] = mapped_column(sa.String(300), default="")

    actor = relationship("User", foreign_keys=[actor_id])
    subject = relationship("User", foreign_keys=[subject_id])

    @property
    def kind_label(self) -> str:
        return str(ACCESS_KINDS[self.kind])
