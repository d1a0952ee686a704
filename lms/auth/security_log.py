"""The security event log: sign-ins, failures, lock-outs, password, role and two-factor changes, token use.

Written in the same transaction as the change it records (a failed login commits its own row). Only
administrators read it (``/security/events``), filtered by kind, account, address and date.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.ops.logs import current_request_id

SECURITY_EVENTS = {
    "login": _l("Signed in"),
    "login_failed": _l("Failed sign-in"),
    "locked_out": _l("Locked out"),
    "logout": _l("Signed out"),
    "password_changed": _l("Password changed"),
    "password_reset": _l("Password reset by an officer"),
    "account_created": _l("Account created"),
    "role_changed": _l("Role changed"),
    "account_deactivated": _l("Account deactivated"),
    "account_reactivated": _l("Account reactivated"),
    "two_factor_enabled": _l("Two-factor authentication enabled"),
    "two_factor_disabled": _l("Two-factor authentication disabled"),
    "two_factor_failed": _l("Wrong two-factor code"),
    "recovery_code_used": _l("Recovery code used"),
    "token_used": _l("Access token used"),
    "token_regenerated": _l("Access token replaced"),
    # Privacy (lms/privacy)
    "data_exported": _l("Personal data exported"),
    "pseudonymised": _l("Personal information removed (pseudonymised)"),
    "erasure_requested": _l("Deletion of personal information requested"),
    "erasure_decided": _l("Deletion request decided"),
}


class SecurityEvent(db.Model):
    __tablename__ = "security_event"
    __table_args__ = (
        sa.Index("ix_security_event_at", "at"),
        sa.Index("ix_security_event_kind_at", "kind", "at"),
        sa.Index("ix_security_event_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(enum_column(*SECURITY_EVENTS, name="security_event_kind"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    identifier: Mapped[str] = mapped_column(sa.String(254), default="")  # what was typed at the login
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    detail: Mapped[dict] = mapped_column(JSONType, default=dict)
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")

    user = relationship("User", foreign_keys=[user_id])
    actor = relationship("User", foreign_keys=[actor_id])

    @property
    def kind_label(self) -> str:
        return str(SECURITY_EVENTS[self.kind])


def record_security_event(
    kind: str, *, user=None, actor=None, identifier: str = "", address: str = "", **detail
) -> SecurityEvent:
    """Add an event to the current transaction."""
    if kind not in SECURITY_EVENTS:
        raise ValueError(f"unknown security event {kind!r}")
    rid = current_request_id()
    event = SecurityEvent(
        kind=kind,
        at=utcnow(),
        user_id=user.id if user is not None else None,
        actor_id=actor.id if actor is not None else None,
        identifier=(identifier or "")[:254],
        address=(address or "")[:64],
        detail={k: str(v) for k, v in detail.items()},
        request_id="" if rid == "-" else rid,
    )
    db.session.add(event)
    return event
