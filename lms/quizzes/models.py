"""Question bank, quizzes, attempts.

A course owns a bank of questions. A question keeps its content in numbered versions: once a version has
been shown in an attempt it is never changed again (editing creates the next version), so an attempt always
shows and grades the exact text and answers the trainee saw. A quiz draws its questions when an attempt
starts (fixed questions, then a random draw from a category) and records the order, the versions and the
choice order on the attempt.

The rules that must hold under concurrent requests live in the database: one attempt number per user and
quiz (parallel starts cannot exceed the limit), at most one attempt in progress per user and quiz (a
partial unique index), scores within their bounds.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import TimestampMixin, UTCDateTime, enum_column, utcnow
from lms.extensions import db
from lms.quizzes.qtypes import QUESTION_TYPES

PURPOSES = {
    "pre_test": _l("Pre-test"),
    "post_test": _l("Post-test"),
    "practice": _l("Practice"),
    "exam": _l("Exam"),
}
GRADING_METHODS = {
    "highest": _l("Highest grade"),
    "last": _l("Last attempt"),
    "first": _l("First attempt"),
    "average": _l("Average of attempts"),
}
REVIEW_POLICIES = {
    "score_only": _l("Score only"),
    "with_answers": _l("Score, answers and feedback"),
    "after_close": _l("Score now, answers after the quiz closes"),
}
ATTEMPT_STATUSES = {
    "in_progress": _l("In progress"),
    "submitted": _l("Submitted"),
    "needs_marking": _l("Awaiting marking"),
    "graded": _l("Graded"),
}
CLOSED_BY = {"trainee": _l("Submitted by the trainee"), "deadline": _l("Closed at the deadline")}
# The four modules of the AEO general standard: offered as tags in the bank.
MODULE_TAGS = {
    "internal_control": _l("Internal control"),
    "financial_status": _l("Financial status"),
    "compliance": _l("Compliance"),
    "trade_security": _l("Trade security"),
}
STEM_FORMATS = {
    "markdown": _l("Markdown"),
    "moodle": _l("Moodle auto-format"),
    "html": _l("HTML"),
    "plain": _l("Plain text"),
}

# JSON where Python None is SQL NULL (an unanswered question has no response at all).
NullableJSON = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def qtype_names() -> tuple[str, ...]:
    return tuple(QUESTION_TYPES)


class Question(TimestampMixin, db.Model):
    """A question of a course's bank; its content lives in :class:`QuestionVersion` rows."""

    __tablename__ = "question"
    __table_args__ = (
        # Import matches questions by category and name, so both identify a question in its bank.
        sa.UniqueConstraint("course_id", "category", "name"),
        sa.Index("ix_question_course_category", "course_id", "category", "archived"),
        sa.CheckConstraint("default_mark >= 0", name="default_mark_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    category: Mapped[str] = mapped_column(sa.String(200), default="")
    name: Mapped[str] = mapped_column(sa.String(255))
    qtype: Mapped[str] = mapped_column(sa.String(40))  # the current version's type (for lists and draws)
    default_mark: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2), default=Decimal("1"))
    current_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "question_version.id", use_alter=True, name="fk_question_current_version_id_question_version"
        ),
        index=True,
    )
    archived: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    course = relationship("Course")
    current_version: Mapped[QuestionVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    versions: Mapped[list[QuestionVersion]] = relationship(
        back_populates="question",
        foreign_keys="QuestionVersion.question_id",
        order_by="QuestionVersion.number",
    )
    tag_rows: Mapped[list[QuestionTag]] = relationship(
        cascade="all, delete-orphan", order_by="QuestionTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def qtype_label(self) -> str:
        cls = QUESTION_TYPES.get(self.qtype)
        return str(cls.label) if cls else self.qtype


class QuestionTag(db.Model):
    """A free tag on a question; the four AEO standard modules are the suggested ones."""

    __tablename__ = "question_tag"

    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(sa.String(60), primary_key=True, index=True)


class QuestionVersion(db.Model):
    """One immutable-once-used state of a question: type, stem, answers (registry layout), feedback."""

    __tablename__ = "question_version"
    __table_args__ = (
        sa.UniqueConstraint("question_id", "number"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    qtype: Mapped[str] = mapped_column(sa.String(40))
    stem: Mapped[str] = mapped_column(sa.Text, default="")
    stem_format: Mapped[str] = mapped_column(
        enum_column(*STEM_FORMATS, name="stem_format"), default="markdown"
    )
    data: Mapped[dict] = mapped_column(sa.JSON().with_variant(JSONB(), "postgresql"), default=dict)
    general_feedback: Mapped[str] = mapped_column(sa.Text, default="")
    # sha256 of the content above: an import of unchanged text changes nothing.
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))

    question: Mapped[Question] = relationship(back_populates="versions", foreign_keys=[question_id])
    # The same question in the other language(s) of the course: same type and answer structure, so an
    # answer means the same whichever text the trainee read.
    texts: Mapped[list[QuestionVersionText]] = relationship(
        back_populates="version",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="QuestionVersionText.locale",
    )

    @property
    def qtype_class(self):
        return QUESTION_TYPES[self.qtype]

    def text_for(self, locale: str) -> QuestionVersionText | None:
        return next((t for t in self.texts if t.locale == locale), None)

    @property
    def shown(self) -> QuestionVersion | QuestionVersionText:
        """What the reader sees: the variant in the page's language when there is one, else this version."""
        from lms.courses.models import reader_locale

        text = self.text_for(reader_locale())
        return text if text is not None else self

    def all_data(self) -> list:
        """The answer data of every language (this version's first), for grading."""
        return [self.data] + [t.data for t in self.texts]


class QuestionVersionText(db.Model):
    """A question version's text in another language: stem, answers and feedback (same structure)."""

    __tablename__ = "question_version_text"
    __table_args__ = (sa.UniqueConstraint("question_version_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("question_version.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(sa.String(10))
    qtype: Mapped[str] = mapped_column(sa.String(40))
    stem: Mapped[str] = mapped_column(sa.Text, default="")
    stem_format: Mapped[str] = mapped_column(
        enum_column(*STEM_FORMATS, name="stem_format"), default="markdown"
    )
    data: Mapped[dict] = mapped_column(sa.JSON().with_variant(JSONB(), "postgresql"), default=dict)
    general_feedback: Mapped[str] = mapped_column(sa.Text, default="")
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    version: Mapped[QuestionVersion] = relationship(back_populates="texts")

    @property
    def qtype_class(self):
        return QUESTION_TYPES[self.qtype]


class Quiz(TimestampMixin, db.Model):
    __tablename__ = "quiz"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "key"),
        sa.CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_percent"),
        sa.CheckConstraint("time_limit_minutes >= 0", name="time_limit_positive"),
        sa.CheckConstraint("max_attempts >= 0", name="max_attempts_positive"),
        sa.CheckConstraint("draw_count >= 0", name="draw_count_positive"),
        sa.CheckConstraint("questions_per_page >= 1", name="questions_per_page_positive"),
        sa.CheckConstraint(
            "opens_at IS NULL OR closes_at IS NULL OR opens_at < closes_at", name="open_before_close"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    purpose: Mapped[str] = mapped_column(enum_column(*PURPOSES, name="quiz_purpose"), default="practice")
    # Random draw: when use_draw, draw_count questions (0 = all) from draw_category ("" = the whole bank),
    # added after the fixed questions (QuizSlot rows).
    use_draw: Mapped[bool] = mapped_column(default=True)
    draw_category: Mapped[str] = mapped_column(sa.String(200), default="")
    draw_count: Mapped[int] = mapped_column(default=0)
    shuffle_questions: Mapped[bool] = mapped_column(default=True)
    shuffle_choices: Mapped[bool] = mapped_column(default=True)
    questions_per_page: Mapped[int] = mapped_column(default=5)
    time_limit_minutes: Mapped[int] = mapped_column(default=0)  # 0 = no limit
    max_attempts: Mapped[int] = mapped_column(default=1)  # 0 = unlimited
    grading_method: Mapped[str] = mapped_column(
        enum_column(*GRADING_METHODS, name="quiz_grading_method"), default="highest"
    )
    pass_mark: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("0"))
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_policy: Mapped[str] = mapped_column(
        enum_column(*REVIEW_POLICIES, name="quiz_review_policy"), default="with_answers"
    )
    # Defined by the course's course.md (kept in step by the curriculum loader) or made in the browser.
    from_spec: Mapped[bool] = mapped_column(default=False)
    spec_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    archived: Mapped[bool] = mapped_column(default=False)

    course = relationship("Course")
    slots: Mapped[list[QuizSlot]] = relationship(
        back_populates="quiz", order_by="QuizSlot.position", cascade="all, delete-orphan"
    )

    @property
    def shown_title(self) -> str:
        """The title in the reader's language (a course.md variant titles the quizzes course.md declares)."""
        version = self.course.published_version if self.from_spec and self.course is not None else None
        return version.quiz_title(self.key, self.title) if version is not None else self.title

    @property
    def purpose_label(self) -> str:
        return str(PURPOSES[self.purpose])

    @property
    def grading_label(self) -> str:
        return str(GRADING_METHODS[self.grading_method])

    @property
    def review_label(self) -> str:
        return str(REVIEW_POLICIES[self.review_policy])

    def is_open(self, now: datetime) -> bool:
        return (self.opens_at is None or now >= self.opens_at) and (
            self.closes_at is None or now < self.closes_at
        )


class QuizSlot(db.Model):
    """A question every attempt of the quiz gets (before the random draw)."""

    __tablename__ = "quiz_slot"
    __table_args__ = (
        sa.UniqueConstraint("quiz_id", "position"),
        sa.UniqueConstraint("quiz_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    position: Mapped[int] = mapped_column()

    quiz: Mapped[Quiz] = relationship(back_populates="slots")
    question: Mapped[Question] = relationship()


class Attempt(db.Model):
    __tablename__ = "attempt"
    __table_args__ = (
        # Attempt numbers are unique per user and quiz: two parallel starts cannot both take number n.
        sa.UniqueConstraint("quiz_id", "user_id", "number"),
        # At most one attempt in progress per user and quiz.
        sa.Index(
            "uq_attempt_one_in_progress",
            "quiz_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text("status = 'in_progress'"),
            postgresql_where=sa.text("status = 'in_progress'"),
        ),
        sa.Index("ix_attempt_quiz_status", "quiz_id", "status"),
        sa.Index("ix_attempt_user_status", "user_id", "status"),
        sa.Index("ix_attempt_status_submitted", "status", "submitted_at"),  # report periods
        sa.Index("ix_attempt_status_deadline", "status", "deadline"),
        sa.CheckConstraint("number >= 1", name="number_positive"),
        sa.CheckConstraint("max_score IS NULL OR max_score >= 0", name="max_score_positive"),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND max_score IS NOT NULL AND score <= max_score)",
            name="score_within_max",
        ),
        sa.CheckConstraint("percent IS NULL OR (percent >= 0 AND percent <= 100)", name="percent_range"),
        sa.CheckConstraint("(status = 'in_progress') = (submitted_at IS NULL)", name="submitted_when_closed"),
        sa.CheckConstraint(
            "status <> 'graded' OR (score IS NOT NULL AND percent IS NOT NULL "
            "AND passed IS NOT NULL AND graded_at IS NOT NULL)",
            name="graded_has_result",
        ),
        sa.CheckConstraint("deadline IS NULL OR deadline > started_at", name="deadline_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(sa.ForeignKey("quiz.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    number: Mapped[int] = mapped_column()
    status: Mapped[str] = mapped_column(
        enum_column(*ATTEMPT_STATUSES, name="attempt_status"), default="in_progress"
    )
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_saved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[str | None] = mapped_column(enum_column(*CLOSED_BY, name="attempt_closed_by"))
    graded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    max_score: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    percent: Mapped[Decimal | None] = mapped_column(sa.Numeric(7, 4))
    # Decided with the pass mark in force when the attempt was graded (a later change does not rewrite it).
    passed: Mapped[bool | None] = mapped_column()

    quiz: Mapped[Quiz] = relationship()
    user = relationship("User")
    questions: Mapped[list[AttemptQuestion]] = relationship(
        back_populates="attempt", order_by="AttemptQuestion.slot"
    )

    @property
    def status_label(self) -> str:
        return str(ATTEMPT_STATUSES[self.status])

    @property
    def closed_label(self) -> str:
        return str(CLOSED_BY[self.closed_by]) if self.closed_by else ""


class AttemptQuestion(db.Model):
    """One question as shown in one attempt: the version, the choice order, the answer and its mark."""

    __tablename__ = "attempt_question"
    __table_args__ = (
        sa.UniqueConstraint("attempt_id", "slot"),
        sa.UniqueConstraint("attempt_id", "question_id"),
        sa.CheckConstraint("slot >= 1", name="slot_positive"),
        sa.CheckConstraint("max_mark >= 0", name="max_mark_positive"),
        sa.CheckConstraint("fraction IS NULL OR (fraction >= 0 AND fraction <= 1)", name="fraction_range"),
        sa.CheckConstraint("mark IS NULL OR (mark >= 0 AND mark <= max_mark)", name="mark_within_max"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(sa.ForeignKey("attempt.id"), index=True)
    slot: Mapped[int] = mapped_column()
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("question.id"), index=True)
    question_version_id: Mapped[int] = mapped_column(sa.ForeignKey("question_version.id"), index=True)
    max_mark: Mapped[Decimal] = mapped_column(sa.Numeric(6, 2))
    choice_order: Mapped[list | None] = mapped_column(NullableJSON)
    response: Mapped[object | None] = mapped_column(NullableJSON)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fraction: Mapped[Decimal | None] = mapped_column(sa.Numeric(8, 7))
    mark: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 4))
    feedback: Mapped[str] = mapped_column(sa.Text, default="")  # the marker's comment (essays)
    marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    attempt: Mapped[Attempt] = relationship(back_populates="questions")
    question: Mapped[Question] = relationship()
    version: Mapped[QuestionVersion] = relationship()
    marked_by = relationship("User", foreign_keys=[marked_by_id])

    @property
    def shown(self):
        """The question as the reader sees it (the variant of the page's language, else the version)."""
        return self.version.shown

    def _to_shown(self) -> dict | None:
        """For a type whose options are texts (matching): every language's option text -> the shown language's
        text at the same position (the load checks that the languages have as many); None for other types."""
        cls = QUESTION_TYPES.get(self.version.qtype)
        if cls is None or not cls.options_are_texts:
            return None
        shown = cls.shuffled_options(self.shown.data)
        mapping = {}
        for data in self.version.all_data():
            for index, text in enumerate(cls.shuffled_options(data)):
                if index < len(shown):
                    mapping.setdefault(text, shown[index])
        return mapping

    @property
    def shown_order(self) -> list | None:
        """The choice order in the shown language (a matching question's order is kept as texts)."""
        mapping = self._to_shown()
        if mapping is None or not self.choice_order:
            return self.choice_order
        return [mapping.get(t, t) for t in self.choice_order]

    def shown_response(self, response):
        """``response`` in the shown language (a matching answer is kept as the texts chosen)."""
        mapping = self._to_shown()
        if mapping is None or not isinstance(response, list):
            return response
        return [mapping.get(t, t) if isinstance(t, str) else t for t in response]

    @property
    def needs_marking(self) -> bool:
        return (
            self.fraction is None and self.max_mark > 0 and not QUESTION_TYPES[self.version.qtype].auto_graded
        )
