"""Users and their roles."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core.bilingual import bilingual
from lms.database import JSONType, TimestampMixin, UTCDateTime, enum_column
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise

ROLES = {
    "trainee": _l("Trainee"),
    "expert": _l("AEO expert"),
    "officer": _l("Customs officer"),
    "admin": _l("Administrator"),
}
POSITIONS = {
    "legal_representative": _l("Legal representative"),
    "senior_management": _l("Senior management"),
    "department_staff": _l("Relevant department staff"),
    "other": _l("Other"),
}
EXPERT_LEVELS = {"national": _l("National expert"), "regional": _l("Regional expert")}
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"
    __table_args__ = (
        # Trainees belong to an enterprise; everyone else to a customs unit.
        sa.CheckConstraint(
            "(role = 'trainee' AND enterprise_id IS NOT NULL AND unit_id IS NULL)"
            " OR (role <> 'trainee' AND unit_id IS NOT NULL AND enterprise_id IS NULL)",
            name="belongs_to_enterprise_or_unit",
        ),
        sa.CheckConstraint("(role = 'expert') = (expert_level IS NOT NULL)", name="expert_level_for_experts"),
        sa.CheckConstraint("failed_logins >= 0", name="failed_logins_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    login_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    # The name as the person writes it (for Chinese people, in Chinese), and its Latin form for English pages
    # ("" when the name is written one way only). ``display_name`` gives the one for the page's language.
    own_name: Mapped[str] = mapped_column("display_name", sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(enum_column(*ROLES, name="user_role"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customs_unit.id"), index=True)
    position: Mapped[str | None] = mapped_column(enum_column(*POSITIONS, name="trainee_position"))
    expert_level: Mapped[str | None] = mapped_column(enum_column(*EXPERT_LEVELS, name="expert_level"))
    preferred_language: Mapped[str | None] = mapped_column(enum_column(*LANGUAGES, name="language"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-factor authentication (TOTP, RFC 6238) and single-use recovery codes (SHA-256 hashes)
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recovery_codes: Mapped[list] = mapped_column(JSONType, default=list)
    # The reader's time zone for dates and times on pages (None: the site's LMS_TIMEZONE).
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    # Privacy (lms/privacy): the notice version last accepted; the day a trainee left their enterprise; the
    # stable pseudonym that replaces the person's names once their personal information is removed.
    privacy_version: Mapped[int | None] = mapped_column(sa.Integer)
    left_enterprise_on: Mapped[date | None] = mapped_column(sa.Date)
    pseudonym: Mapped[str | None] = mapped_column(sa.String(24), unique=True)
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    enterprise: Mapped[Enterprise | None] = relationship()
    unit: Mapped[CustomsUnit | None] = relationship()

    # Flask-Login reads is_active.

    display_name = bilingual("own_name", "name_en", "display_name")

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def is_pseudonymised(self) -> bool:
        return self.pseudonymised_at is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def role_label(self) -> str:
        return str(ROLES[self.role])

    @property
    def position_label(self) -> str:
        return str(POSITIONS[self.position]) if self.position else ""

    @property
    def expert_level_label(self) -> str:
        return str(EXPERT_LEVELS[self.expert_level]) if self.expert_level else ""

    @property
    def home_unit(self) -> CustomsUnit | None:
        """The unit that supervises this person: their own unit, or their enterprise's."""
        if self.unit is not None:
            return self.unit
        return self.enterprise.unit if self.enterprise is not None else None

    def __repr__(self) -> str:
        return f"<User {self.login_name}>"
