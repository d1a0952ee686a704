"""Customs units (GACC → regional → local), enterprises and dated credit status decisions."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, enum_column, utcnow
from lms.extensions import db

UNIT_LEVELS = {
    "gacc": _l("GACC headquarters"),
    "regional": _l("Regional customs"),
    "local": _l("Local customs"),
}

BUSINESS_TYPES = {
    "importer_exporter": _l("Importer/exporter"),
    "customs_broker": _l("Customs broker"),
    "logistics": _l("Logistics"),
    "cross_border_ecommerce": _l("Cross-border e-commerce"),
    "other": _l("Other"),
}

# Credit levels under each regime. Decree 225 (from 2014-12-01) and Decree 237 (from 2018-05-01): four
# categories (domain notes, P). Decree 251 (from 2021-11-01): three categories. Decree 282 (from 2026-04-01):
# five levels. The dates in force are configuration (``CREDIT_REGIMES``).
CREDIT_LEVELS = {
    "advanced_certified": _l("Advanced certified enterprise"),
    "general_certified": _l("General certified enterprise"),
    "certified": _l("Certified enterprise"),
    "general_credit": _l("General credit enterprise"),
    "registered": _l("Other registered enterprise"),
    "regular": _l("Regular enterprise"),
    "discredited": _l("Discredited enterprise"),
    "seriously_discredited": _l("Seriously discredited enterprise"),
}
REGIMES = {
    "decree_225": _l("Decree 225"),
    "decree_237": _l("Decree 237"),
    "decree_251": _l("Decree 251"),
    "decree_282": _l("Decree 282"),
}
REGIME_LEVELS = {
    "decree_225": ("advanced_certified", "general_certified", "general_credit", "discredited"),
    "decree_237": ("advanced_certified", "general_certified", "general_credit", "discredited"),
    "decree_251": ("advanced_certified", "registered", "discredited"),
    "decree_282": ("advanced_certified", "certified", "regular", "discredited", "seriously_discredited"),
}
# Both certified categories of Decrees 225 and 237 were AEO, as are both certified levels of Decree 282.
AEO_LEVELS = {"advanced_certified", "general_certified", "certified"}
DISCREDITED_LEVELS = {"discredited", "seriously_discredited"}


def localized(en: str | None, zh: str | None) -> str:
    """Pick the Chinese or English form of a name for the current page language."""
    locale = get_locale()
    if locale is not None and locale.language == "zh":
        return zh or en or ""
    return en or zh or ""


def _regime_level_check() -> str:
    clauses = [
        f"(regime = '{regime}' AND level IN ({', '.join(repr(lv) for lv in levels)}))"
        for regime, levels in REGIME_LEVELS.items()
    ]
    return " OR ".join(clauses)


class CustomsUnit(db.Model):
    __tablename__ = "customs_unit"
    __table_args__ = (sa.CheckConstraint("(level = 'gacc') = (parent_id IS NULL)", name="root_is_gacc"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    level: Mapped[str] = mapped_column(enum_column(*UNIT_LEVELS, name="unit_level"))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("customs_unit.id"), index=True)
    # Materialised path ("/1/4/9/"): a unit's jurisdiction is every unit whose path starts with its own.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="")

    parent: Mapped[CustomsUnit | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[CustomsUnit]] = relationship(back_populates="parent", order_by="CustomsUnit.code")

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_zh)

    @property
    def level_label(self) -> str:
        return str(UNIT_LEVELS[self.level])

    def region(self) -> CustomsUnit | None:
        """The regional customs this unit belongs to (itself if regional, None for GACC)."""
        unit: CustomsUnit | None = self
        while unit is not None and unit.level != "regional":
            unit = unit.parent
        return unit

    def __repr__(self) -> str:
        return f"<CustomsUnit {self.code}>"


class Enterprise(TimestampMixin, db.Model):
    __tablename__ = "enterprise"
    __table_args__ = (
        sa.CheckConstraint(
            "credit_score IS NULL OR (credit_score >= 0 AND credit_score <= 100)", name="credit_score_range"
        ),
        sa.CheckConstraint("length(uscc) = 18", name="uscc_length"),
        sa.CheckConstraint("length(customs_code) = 10", name="customs_code_length"),
        sa.Index("ix_enterprise_unit_level", "unit_id", "credit_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str] = mapped_column(sa.String(200))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    uscc: Mapped[str] = mapped_column(sa.String(18), unique=True)
    customs_code: Mapped[str] = mapped_column(sa.String(10), unique=True)
    business_type: Mapped[str] = mapped_column(enum_column(*BUSINESS_TYPES, name="business_type"))
    is_production: Mapped[bool] = mapped_column(default=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("customs_unit.id"), index=True)
    is_key: Mapped[bool] = mapped_column(default=False, index=True)
    aeo_willing: Mapped[bool] = mapped_column(default=False)
    credit_score: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The latest decision, kept beside the history so lists can filter and sort on it with an index.
    credit_regime: Mapped[str | None] = mapped_column(enum_column(*REGIMES, name="credit_regime_current"))
    credit_level: Mapped[str | None] = mapped_column(enum_column(*CREDIT_LEVELS, name="credit_level_current"))
    credit_since: Mapped[date | None] = mapped_column(sa.Date)

    unit: Mapped[CustomsUnit] = relationship()
    credit_history: Mapped[list[CreditStatusRecord]] = relationship(
        back_populates="enterprise",
        order_by="(CreditStatusRecord.decided_on.desc(), CreditStatusRecord.id.desc())",
    )

    @property
    def name(self) -> str:
        return localized(self.name_en, self.name_zh)

    @property
    def business_type_label(self) -> str:
        return str(BUSINESS_TYPES[self.business_type])

    @property
    def credit_level_label(self) -> str:
        return str(CREDIT_LEVELS[self.credit_level]) if self.credit_level else ""

    @property
    def is_aeo(self) -> bool:
        return self.credit_level in AEO_LEVELS

    @property
    def aeo_code(self) -> str:
        """The code mutual-recognition partners use for a Chinese AEO."""
        return "AEOCN" + self.customs_code

    def __repr__(self) -> str:
        return f"<Enterprise {self.uscc}>"


class CreditStatusRecord(db.Model):
    """One credit status decision, dated and tied to the regime it was made under. Never edited."""

    __tablename__ = "credit_status_record"
    __table_args__ = (
        sa.CheckConstraint(_regime_level_check(), name="level_exists_in_regime"),
        sa.Index("ix_credit_status_record_enterprise_date", "enterprise_id", "decided_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"))
    regime: Mapped[str] = mapped_column(enum_column(*REGIMES, name="credit_regime"))
    level: Mapped[str] = mapped_column(enum_column(*CREDIT_LEVELS, name="credit_level"))
    decided_on: Mapped[date] = mapped_column(sa.Date)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    source: Mapped[str] = mapped_column(sa.String(40), default="manual")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enterprise: Mapped[Enterprise] = relationship(back_populates="credit_history")
    recorded_by = relationship("User")

    @property
    def level_label(self) -> str:
        return str(CREDIT_LEVELS[self.level])

    @property
    def regime_label(self) -> str:
        return str(REGIMES[self.regime])
