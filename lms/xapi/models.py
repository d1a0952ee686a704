"""How far each statement stream has been delivered to the Learning Record Store."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class XapiCursor(db.Model):
    """The position of the last statement of a stream the LRS acknowledged.

    A stream lists its statements in a fixed order: by the time the fact was recorded, the id of the row
    that holds it, then the statement's index among that row's statements. The next run starts just after
    this position, so a batch the LRS did not acknowledge is sent again and nothing is skipped.
    """

    __tablename__ = "xapi_cursor"
    __table_args__ = (
        sa.CheckConstraint("sent >= 0", name="sent_positive"),
        sa.CheckConstraint("position_index >= 0", name="position_index_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    stream: Mapped[str] = mapped_column(sa.String(30), unique=True)
    position_at: Mapped[datetime] = mapped_column(UTCDateTime)
    position_row: Mapped[int] = mapped_column(sa.BigInteger)
    position_index: Mapped[int] = mapped_column(default=0)
    last_statement_id: Mapped[str] = mapped_column(sa.String(36))
    sent: Mapped[int] = mapped_column(sa.BigInteger, default=0)  # statements acknowledged over all runs
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
