"""Personal access tokens and service accounts: how systems outside the site authenticate to /api/v1.

A token's secret is shown once, when it is made; only its SHA-256 digest is kept. A service account is a
system (a customs declaration system, an enterprise's HR system) that acts as an officer of one customs unit:
its jurisdiction is that unit and every unit below it, exactly as a person's would be. It is backed by a
``user`` row of role ``officer`` that cannot sign in (no usable password), so every service, scope clause and
ledger entry treats it like any other actor and the audit trail names it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db

TOKEN_SCOPES = {"read": _l("Read"), "write": _l("Read and write")}


class ServiceAccount(TimestampMixin, db.Model):
    __tablename__ = "service_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])
    created_by = relationship("User", foreign_keys=[created_by_id])


class ApiToken(db.Model):
    __tablename__ = "api_token"
    __table_args__ = (
        sa.CheckConstraint("scope IN ('read', 'write')", name="scope_known"),
        sa.Index("ix_api_token_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    name: Mapped[str] = mapped_column(sa.String(80))
    # SHA-256 of the secret (hex). The secret has 256 random bits, so a plain digest is enough: there is
    # nothing to guess that a slow hash would protect.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the secret, shown in lists so that people can tell their tokens apart.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    # "read": GET only; "write": reads and writes.
    scope: Mapped[str] = mapped_column(sa.String(8), default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])

    @property
    def scopes(self) -> list[str]:
        return ["read", "write"] if self.scope == "write" else ["read"]

    @property
    def scope_label(self) -> str:
        return str(TOKEN_SCOPES[self.scope])

    def is_usable(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return self.revoked_at is None and self.expires_at > now
