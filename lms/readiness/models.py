"""Standard versions, self-assessments with their item judgements and evidence, and curriculum tags."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.org.models import localized
from lms.readiness.standards import JUDGEMENTS, all_items

JUDGEMENT_LABELS = {
    "meets": _l("Meets"),
    "basically_meets": _l("Basically meets"),
    "does_not_meet": _l("Does not meet"),
    "not_applicable": _l("Not applicable"),
}
ASSESSMENT_STATES = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for review"),
    "reviewed": _l("Reviewed"),
}
CONFIDENCE_LABELS = {
    "V": _l("verified against the published text"),
    "P": _l("taken from a secondary summary; to be checked"),
    "U": _l("uncertain; to be checked"),
}


class StandardVersion(db.Model):
    """One version of a standard file, as loaded. Never changed except to be superseded by a newer version."""

    __tablename__ = "readiness_standard_version"
    __table_args__ = (
        sa.UniqueConstraint("code", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(60), index=True)
    number: Mapped[int] = mapped_column()
    title_en: Mapped[str] = mapped_column(sa.String(200))
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    source_file: Mapped[str] = mapped_column(sa.String(200))
    source_hash: Mapped[str] = mapped_column(sa.String(64))
    data: Mapped[dict] = mapped_column(JSONType)
    effective_from: Mapped[date] = mapped_column(sa.Date)
    retired_on: Mapped[date | None] = mapped_column(sa.Date)
    superseded: Mapped[bool] = mapped_column(default=False, index=True)
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def title(self) -> str:
        return localized(self.title_en, self.title_zh)

    @property
    def label(self) -> str:
        return f"{self.title} (v{self.number})"

    def retired(self, today: date | None = None) -> bool:
        """A superseded version, or one past its retirement date, is read-only."""
        from lms.cultivation import clock

        today = today or clock.today()
        return self.superseded or (self.retired_on is not None and self.retired_on <= today)

    def items(self) -> list[dict]:
        return all_items(self.data)

    def item(self, code: str) -> dict | None:
        return next((i for i in self.items() if i["code"] == code), None)


class Assessment(db.Model):
    """One self-assessment of an enterprise against one standard version: draft → submitted → reviewed."""

    __tablename__ = "readiness_assessment"
    __table_args__ = (
        sa.Index("ix_readiness_assessment_enterprise_state", "enterprise_id", "state"),
        # One assessment in progress (draft or submitted) per enterprise at a time.
        sa.Index(
            "uq_readiness_assessment_open",
            "enterprise_id",
            unique=True,
            sqlite_where=sa.text("state IN ('draft', 'submitted')"),
            postgresql_where=sa.text("state IN ('draft', 'submitted')"),
        ),
        sa.CheckConstraint("state = 'draft' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        sa.CheckConstraint(
            "state <> 'reviewed' OR (reviewed_at IS NOT NULL AND reviewer_id IS NOT NULL)",
            name="reviewed_has_reviewer",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(sa.ForeignKey("enterprise.id"), index=True)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_standard_version.id"), index=True)
    state: Mapped[str] = mapped_column(
        enum_column(*ASSESSMENT_STATES, name="readiness_state"), default="draft"
    )
    is_production: Mapped[bool] = mapped_column(default=True)
    # Financial indicators as entered ({code: decimal text}); the computed item is judged from them.
    indicators: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    self_total: Mapped[int | None] = mapped_column()
    self_passed: Mapped[bool | None] = mapped_column()
    assigned_expert_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    final_total: Mapped[int | None] = mapped_column()
    final_passed: Mapped[bool | None] = mapped_column()

    enterprise = relationship("Enterprise")
    standard: Mapped[StandardVersion] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])
    assigned_expert = relationship("User", foreign_keys=[assigned_expert_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", order_by="Answer.position", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return str(ASSESSMENT_STATES[self.state])

    @property
    def reference(self) -> str:
        return f"RA-{self.id:05d}"

    @property
    def when(self) -> datetime:
        return self.reviewed_at or self.submitted_at or self.created_at

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.item_code == code), None)

    def judgements(self, final: bool = True) -> dict[str, str | None]:
        """{item code: judgement}: the reviewer's where reviewed (``final``), else the enterprise's."""
        return {a.item_code: (a.final_judgement if final else a.judgement) for a in self.answers}


class Answer(db.Model):
    """The judgement of one item in one assessment: the enterprise's, then the reviewer's."""

    __tablename__ = "readiness_answer"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_assessment.id"), index=True)
    item_code: Mapped[str] = mapped_column(sa.String(10), index=True)
    position: Mapped[int] = mapped_column()
    judgement: Mapped[str | None] = mapped_column(enum_column(*JUDGEMENTS, name="readiness_judgement"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    review_judgement: Mapped[str | None] = mapped_column(
        enum_column(*JUDGEMENTS, name="readiness_review_judgement")
    )
    review_reason: Mapped[str] = mapped_column(sa.Text, default="")

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    evidence: Mapped[list[EvidenceFile]] = relationship(
        back_populates="answer", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )

    @property
    def final_judgement(self) -> str | None:
        return self.review_judgement or self.judgement

    @property
    def changed_by_review(self) -> bool:
        return self.review_judgement is not None and self.review_judgement != self.judgement


class EvidenceFile(db.Model):
    """A file attached to one item of an assessment (checked by content like lesson attachments)."""

    __tablename__ = "readiness_evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("readiness_answer.id"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    mimetype: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="evidence")


class CurriculumTag(db.Model):
    """A course, one of its lessons or one of its question-bank categories covers a standard item.

    Written by the curriculum loader from ``standard_items:`` in the course files."""

    __tablename__ = "readiness_curriculum_tag"
    __table_args__ = (sa.UniqueConstraint("course_id", "lesson_slug", "category", "item_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    lesson_slug: Mapped[str] = mapped_column(sa.String(120), default="")
    category: Mapped[str] = mapped_column(sa.String(100), default="")
    item_code: Mapped[str] = mapped_column(sa.String(10), index=True)

    course = relationship("Course")


def judgement_label(judgement: str | None) -> str:
    return str(JUDGEMENT_LABELS[judgement]) if judgement else ""


def item_title(item: dict) -> str:
    return localized(item.get("title_en"), item.get("title_zh"))


def as_decimal(value) -> Decimal:
    return Decimal(str(value))
