"""Expert profiles: specialties, languages, load limit, unavailable periods and declared involvements.

Level (national / regional) and home unit live on the user account (``User.expert_level``, ``User.unit``);
a regional expert's region is the regional customs above their home unit. Assignments to sessions are
``lms.sessions.models.SessionExpert`` rows, written only through ``lms.experts.services``.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, TimestampMixin, UTCDateTime, enum_column, utcnow
from lms.extensions import db

# The four modules of the general AEO certification standard (keys shared with course topics).
STANDARD_MODULES = {
    "internal_control": _l("Internal control"),
    "financial_status": _l("Financial status"),
    "compliance": _l("Compliance"),
    "trade_security": _l("Trade security"),
}
EXPERT_LANGUAGES = {"en": _l("English"), "zh_CN": _l("Simplified Chinese")}
INVOLVEMENT_KINDS = {
    "validation": _l("Validation"),
    "audit": _l("Audit"),
    "consulting": _l("Consulting"),
    "other": _l("Other"),
}
# Involvements during which the expert may not train or coach the enterprise.
CONFLICTING_KINDS = ("validation", "audit")
DEFAULT_MAX_SESSIONS_PER_MONTH = 8


class ExpertProfile(TimestampMixin, db.Model):
    __tablename__ = "expert_profile"
    __table_args__ = (
        sa.CheckConstraint(
            "max_sessions_per_month > 0 AND max_sessions_per_month <= 100", name="max_sessions_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True)
    languages: Mapped[list] = mapped_column(JSONType, default=lambda: ["zh_CN"])
    max_sessions_per_month: Mapped[int] = mapped_column(default=DEFAULT_MAX_SESSIONS_PER_MONTH)
    bio: Mapped[str] = mapped_column(sa.Text, default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    user = relationship("User", foreign_keys=[user_id])
    specialties: Mapped[list[ExpertSpecialty]] = relationship(
        back_populates="profile", cascade="all, delete-orphan", order_by="ExpertSpecialty.id"
    )
    unavailable_periods: Mapped[list[UnavailablePeriod]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="(UnavailablePeriod.starts_on, UnavailablePeriod.id)",
    )
    involvements: Mapped[list[Involvement]] = relationship(
        back_populates="profile",
        cascade="all, delete-orphan",
        order_by="(Involvement.starts_on, Involvement.id)",
    )

    @property
    def topics(self) -> list[str]:
        return [s.topic for s in self.specialties]

    @property
    def module_topics(self) -> list[str]:
        return [t for t in self.topics if t in STANDARD_MODULES]

    @property
    def module_labels(self) -> list[str]:
        return [str(STANDARD_MODULES[t]) for t in self.module_topics]

    @property
    def free_topics(self) -> list[str]:
        return [t for t in self.topics if t not in STANDARD_MODULES]

    @property
    def topic_labels(self) -> list[str]:
        return [topic_label(t) for t in self.topics]

    @property
    def language_labels(self) -> list[str]:
        return [str(EXPERT_LANGUAGES[lang]) for lang in (self.languages or []) if lang in EXPERT_LANGUAGES]


def topic_label(topic: str) -> str:
    return str(STANDARD_MODULES[topic]) if topic in STANDARD_MODULES else topic


class ExpertSpecialty(db.Model):
    """One topic an expert teaches: a standard module key or a free topic (one row each, for filtering)."""

    __tablename__ = "expert_specialty"
    __table_args__ = (sa.UniqueConstraint("profile_id", "topic"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("expert_profile.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(sa.String(80), index=True)

    profile: Mapped[ExpertProfile] = relationship(back_populates="specialties")


class UnavailablePeriod(db.Model):
    __tablename__ = "expert_unavailable_period"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        sa.Index("ix_expert_unavailable_period_profile_dates", "profile_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("expert_profile.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[ExpertProfile] = relationship(back_populates="unavailable_periods")


class Involvement(db.Model):
    """A declared involvement with an enterprise (validation, audit, consulting...), with its dates.

    ``ends_on`` empty means still in progress.
    """

    __tablename__ = "expert_involvement"
    __table_args__ = (
        sa.CheckConstraint("ends_on IS NULL OR ends_on >= starts_on", name="ends_after_start"),
        sa.Index("ix_expert_involvement_profile_dates", "profile_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(sa.ForeignKey("expert_profile.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(enum_column(*INVOLVEMENT_KINDS, name="involvement_kind"))
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    profile: Mapped[ExpertProfile] = relationship(back_populates="involvements")
    enterprise = relationship("Enterprise")

    @property
    def kind_label(self) -> str:
        return str(INVOLVEMENT_KINDS[self.kind])

    @property
    def conflicting(self) -> bool:
        return self.kind in CONFLICTING_KINDS
