"""Notifications kept per recipient as message keys with parameters, shown in the reader's language.

``title``/``body`` keep the text as first rendered (in the recipient's language at the time): rows written
before keys were stored have only these, and they are what a search or an export of old rows sees.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, UTCDateTime, utcnow
from lms.extensions import db


class Notification(db.Model):
    __tablename__ = "notification"
    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str] = mapped_column(sa.String(500), default="")
    title_key: Mapped[str] = mapped_column(sa.Text, default="")
    body_key: Mapped[str] = mapped_column(sa.Text, default="")
    params: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    def shown_title(self) -> str:
        """The title in the current locale (the inbox reader's, or the email recipient's at send time)."""
        from lms.notifications.messages import render_text

        return render_text(self.title_key, self.params, self.title)

    def shown_body(self) -> str:
        from lms.notifications.messages import render_text

        return render_text(self.body_key, self.params, self.body)
