"""Issued credentials and the status lists that carry their revocation bits."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lms.database import UTCDateTime, utcnow
from lms.extensions import db


class CredentialStatusList(db.Model):
    """One published Bitstring Status List (``/credentials/status/<id>``). Its bits are not stored: a bit is
    set exactly when the certificate of the credential holding that index is revoked."""

    __tablename__ = "credential_status_list"
    __table_args__ = (
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.CheckConstraint("purpose IN ('revocation')", name="purpose_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20), default="revocation")
    size: Mapped[int] = mapped_column(sa.Integer)
    # Full lists take no new entries; a new list is opened instead.
    full: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Credential(db.Model):
    """The Open Badges 3.0 credential of a certificate, as signed (a compact JWS, kept byte for byte)."""

    __tablename__ = "credential"
    __table_args__ = (
        sa.UniqueConstraint("status_list_id", "status_index"),
        sa.CheckConstraint("status_index >= 0", name="status_index_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # urn:uuid:… — the credential's id, printed on the certificate PDF.
    uid: Mapped[str] = mapped_column(sa.String(64), unique=True)
    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificate.id"), unique=True)
    subject_id: Mapped[str] = mapped_column(sa.String(64))
    issuer: Mapped[str] = mapped_column(sa.String(300))
    key_id: Mapped[str] = mapped_column(sa.String(400))
    status_list_id: Mapped[int] = mapped_column(sa.ForeignKey("credential_status_list.id"))
    status_index: Mapped[int] = mapped_column(sa.Integer)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    jws: Mapped[str] = mapped_column(sa.Text)

    certificate = relationship(
        "Certificate",
        backref=backref("credential", uselist=False, lazy="select"),
        foreign_keys=[certificate_id],
    )
    status_list = relationship(CredentialStatusList)

    @property
    def share_token(self) -> str:
        """The uuid part of the id: the credential's public address is /verify/credential/<token>."""
        return self.uid.removeprefix("urn:uuid:")

    def __repr__(self) -> str:
        return f"<Credential {self.uid}>"
