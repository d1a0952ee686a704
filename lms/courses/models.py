"""Courses with versions (draft → in review → published → archived), modules, lessons, enrolment, progress.

A course keeps a stable slug and owner; its content lives in numbered versions. Trainees always see the
published version; editing a published course creates a new draft version, which replaces the published
one only when someone other than its author approves it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.database import JSONType, TimestampMixin, UTCDateTime, enum_column, utcnow
from lms.extensions import db

TRAINING_TYPES = {
    "compliance": _l("Compliance training"),
    "aeo_certification": _l("AEO certification training"),
}
DELIVERY_MODES = {
    "online": _l("Online self-paced"),
    "in_class": _l("In class"),
    "onsite": _l("On-site observation"),
    "one_on_one": _l("One-on-one"),
    "test": _l("Test"),
    "social_media": _l("Social media channel"),
}
TOPICS = {
    "internal_control": _l("Internal control"),
    "financial_status": _l("Financial status"),
    "compliance": _l("Compliance"),
    "trade_security": _l("Trade security"),
}
CONTENT_LANGUAGES = {"en": _l("English"), "zh_CN": _l("Simplified Chinese")}
VERSION_STATUSES = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
ENROLLMENT_STATUSES = {"active": _l("Active"), "completed": _l("Completed"), "withdrawn": _l("Withdrawn")}
VERSION_ORIGINS = {"browser": _l("Written in the browser"), "files": _l("Loaded from the curriculum files")}
OPEN_STATUSES = ("draft", "in_review")
# Facets of a version the catalog filters on, one row per value (portable, indexed; JSON lists are not).
FACETS = ("mode", "topic", "tag")


class Course(TimestampMixin, db.Model):
    __tablename__ = "course"
    __table_args__ = (sa.Index("ix_course_catalog", "archived", "published_version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"), index=True)
    # The version trainees see; None until the first approval.
    published_version_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey(
            "course_version.id", use_alter=True, name="fk_course_published_version_id_course_version"
        ),
        index=True,
    )
    archived: Mapped[bool] = mapped_column(default=False)

    owner = relationship("User", foreign_keys=[owner_id])
    published_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )
    versions: Mapped[list[CourseVersion]] = relationship(
        back_populates="course", foreign_keys="CourseVersion.course_id", order_by="CourseVersion.number"
    )

    @property
    def latest_version(self) -> CourseVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def title(self) -> str:
        """The title in the course's own language (what records and exports keep)."""
        version = self.published_version or self.latest_version
        return version.title if version else self.slug

    @property
    def shown_title(self) -> str:
        """The title in the reader's language when the course has that variant (pages show this one)."""
        version = self.published_version or self.latest_version
        return version.shown_title if version else self.slug

    def __repr__(self) -> str:
        return f"<Course {self.slug}>"


course_prerequisite = sa.Table(
    "course_prerequisite",
    db.metadata,
    sa.Column("version_id", sa.ForeignKey("course_version.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("course_id", sa.ForeignKey("course.id"), primary_key=True),
)


class CourseVersion(db.Model):
    __tablename__ = "course_version"
    __table_args__ = (
        sa.UniqueConstraint("course_id", "number"),
        sa.CheckConstraint("hours >= 0", name="hours_positive"),
        sa.Index("ix_course_version_status_type", "status", "training_type"),
        sa.Index("ix_course_version_language", "language"),
        # At most one version of a course is being worked on (draft or in review) at a time.
        sa.Index(
            "uq_course_version_one_open",
            "course_id",
            unique=True,
            sqlite_where=sa.text("status IN ('draft', 'in_review')"),
            postgresql_where=sa.text("status IN ('draft', 'in_review')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(
        enum_column(*VERSION_STATUSES, name="course_version_status"), default="draft"
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    overview: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    # The overview as sanitised HTML, rendered once when the version is published (None: not rendered yet).
    overview_html: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(
        enum_column(*CONTENT_LANGUAGES, name="content_language"), default="en"
    )
    training_type: Mapped[str] = mapped_column(enum_column(*TRAINING_TYPES, name="training_type"))
    modes: Mapped[list] = mapped_column(JSONType, default=list)
    social_link: Mapped[str] = mapped_column(sa.String(500), default="")
    audience_positions: Mapped[list] = mapped_column(JSONType, default=list)
    audience_business_types: Mapped[list] = mapped_column(JSONType, default=list)
    topics: Mapped[list] = mapped_column(JSONType, default=list)
    tags: Mapped[list] = mapped_column(JSONType, default=list)
    hours: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1), default=Decimal("1"))
    # Completion rule: every lesson; these quizzes passed (keys); attendance at a session.
    require_lessons: Mapped[bool] = mapped_column(default=True)
    require_quizzes: Mapped[list] = mapped_column(JSONType, default=list)
    require_attendance: Mapped[bool] = mapped_column(default=False)
    # Quiz definitions from course.md (applied by the quizzes area when the version is loaded).
    quiz_specs: Mapped[list] = mapped_column(JSONType, default=list)
    # Hash of the normalised content when published (the curriculum loader: unchanged files, no new version).
    source_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    origin: Mapped[str] = mapped_column(
        enum_column(*VERSION_ORIGINS, name="course_version_origin"), default="browser"
    )
    # Lower-cased title, summary, slug and tags: the catalog's text search.
    search_text: Mapped[str] = mapped_column(sa.Text, default="")

    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(sa.Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course: Mapped[Course] = relationship(back_populates="versions", foreign_keys=[course_id])
    author = relationship("User", foreign_keys=[author_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    modules: Mapped[list[Module]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="version",
        order_by="Lesson.position",
        cascade="all, delete-orphan",
        overlaps="module,lessons",
    )
    prerequisites: Mapped[list[Course]] = relationship(secondary=course_prerequisite, order_by="Course.slug")
    facets: Mapped[list[CourseVersionFacet]] = relationship(cascade="all, delete-orphan")
    # The content in the other language(s): one row per locale (the version's own columns hold ``language``).
    # Loaded when a page needs another language than the version's own (not for readers of that one).
    texts: Mapped[list[CourseVersionText]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="CourseVersionText.locale"
    )

    # -- language variants: what a reader of the page's language sees --------------------------------------

    def text_for(self, locale: str) -> CourseVersionText | None:
        return next((t for t in self.texts if t.locale == locale), None)

    @property
    def locales(self) -> list[str]:
        """The languages this version can be read in, its own first."""
        return [self.language] + [t.locale for t in self.texts if t.locale != self.language]

    @property
    def shown_text(self) -> CourseVersionText | None:
        """The variant in the reader's language, None when the reader gets the version's own language."""
        locale = reader_locale()
        return None if locale == self.language else self.text_for(locale)

    @property
    def shown_locale(self) -> str:
        text = self.shown_text
        return text.locale if text is not None else self.language

    @property
    def shown_language_label(self) -> str:
        return str(CONTENT_LANGUAGES.get(self.shown_locale, self.shown_locale))

    @property
    def language_labels(self) -> list[str]:
        """Every language the version can be read in, the one shown first."""
        shown = self.shown_locale
        ordered = [shown] + [locale for locale in self.locales if locale != shown]
        return [str(CONTENT_LANGUAGES.get(locale, locale)) for locale in ordered]

    @property
    def required_quiz_titles(self) -> list[str]:
        """The quizzes to pass, by their titles in the reader's language."""
        titles = {spec.get("key"): spec.get("title") or spec.get("key") for spec in self.quiz_specs or []}
        return [self.quiz_title(key, titles.get(key) or key) for key in self.require_quizzes or []]

    @property
    def is_fallback(self) -> bool:
        """The reader's language is not available: the page shows the version's own (with a notice)."""
        locale = reader_locale()
        return locale != self.language and self.text_for(locale) is None

    @property
    def shown_title(self) -> str:
        text = self.shown_text
        return text.title if text is not None else self.title

    @property
    def shown_summary(self) -> str:
        text = self.shown_text
        return text.summary if text is not None else (self.summary or "")

    @property
    def shown_overview(self):
        text = self.shown_text
        if text is not None:
            return _stored_or_rendered(text.overview_html, text.overview)
        return self.overview_rendered

    def lesson_text(self, lesson_id: int, locale: str) -> LessonText | None:
        """Lesson ``lesson_id``'s text in ``locale`` (the texts of every lesson are read at once)."""
        cache = self.__dict__.setdefault("_lesson_texts", {})
        if locale not in cache:
            # By the version's id: its lessons need not be loaded (a panel shows one lesson of each course).
            rows = (
                db.session.execute(
                    sa.select(LessonText)
                    .join(Lesson, Lesson.id == LessonText.lesson_id)
                    .where(Lesson.version_id == self.id, LessonText.locale == locale)
                ).scalars()
                if self.id is not None
                else []
            )
            cache[locale] = {row.lesson_id: row for row in rows}
        return cache[locale].get(lesson_id)

    def quiz_title(self, key: str, default: str) -> str:
        """The title of quiz ``key`` in the reader's language (course.md's ``quizzes:`` titles)."""
        text = self.shown_text
        if text is not None and (text.quiz_titles or {}).get(key):
            return text.quiz_titles[key]
        return default

    @property
    def status_label(self) -> str:
        return str(VERSION_STATUSES[self.status])

    @property
    def training_type_label(self) -> str:
        return str(TRAINING_TYPES[self.training_type])

    @property
    def mode_labels(self) -> list[str]:
        return [str(DELIVERY_MODES[m]) for m in self.modes if m in DELIVERY_MODES]

    @property
    def topic_labels(self) -> list[str]:
        return [str(TOPICS[t]) for t in self.topics if t in TOPICS]

    @property
    def audience_position_labels(self) -> list[str]:
        from lms.auth.models import POSITIONS

        return [str(POSITIONS[p]) for p in self.audience_positions or [] if p in POSITIONS]

    @property
    def audience_business_type_labels(self) -> list[str]:
        from lms.org.models import BUSINESS_TYPES

        return [str(BUSINESS_TYPES[b]) for b in self.audience_business_types or [] if b in BUSINESS_TYPES]

    @property
    def hours_label(self) -> str:
        value = Decimal(str(self.hours if self.hours is not None else 0))
        return (
            format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")
        )

    @property
    def language_label(self) -> str:
        return str(CONTENT_LANGUAGES.get(self.language, self.language))

    @property
    def origin_label(self) -> str:
        return str(VERSION_ORIGINS.get(self.origin, self.origin))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def total_minutes(self) -> int:
        return sum(lesson.minutes for lesson in self.lessons)

    @property
    def overview_rendered(self):
        """The overview as HTML: stored at publication, rendered now for a version not published yet."""
        return _stored_or_rendered(self.overview_html, self.overview)

    def render_html(self) -> None:
        """Store the HTML of the overview and of every lesson (at publication: a published version's text no
        longer changes, so pages read the stored HTML instead of rendering Markdown per request)."""
        from lms.content.markdown import render_markdown

        self.overview_html = str(render_markdown(self.overview, below=CONTENT_BELOW))
        for text in self.texts:
            text.overview_html = str(render_markdown(text.overview, below=CONTENT_BELOW))
        for lesson in self.lessons:
            lesson.body_html = str(render_markdown(lesson.body, below=CONTENT_BELOW))
            for lesson_text in lesson.texts:
                lesson_text.body_html = str(render_markdown(lesson_text.body, below=CONTENT_BELOW))

    def __repr__(self) -> str:
        return f"<CourseVersion {self.course_id}#{self.number} {self.status}>"


class CourseVersionText(db.Model):
    """A version's course-level content in another language: title, summary, overview and quiz titles."""

    __tablename__ = "course_version_text"
    __table_args__ = (sa.UniqueConstraint("version_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    locale: Mapped[str] = mapped_column(enum_column(*CONTENT_LANGUAGES, name="content_language"))
    title: Mapped[str] = mapped_column(sa.String(200))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    overview: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    overview_html: Mapped[str | None] = mapped_column(sa.Text)
    quiz_titles: Mapped[dict] = mapped_column(JSONType, default=dict)  # quiz key -> title

    version: Mapped[CourseVersion] = relationship(back_populates="texts")


class LessonText(db.Model):
    """A lesson in another language: title, module title and body (HTML stored at publication)."""

    __tablename__ = "lesson_text"
    __table_args__ = (sa.UniqueConstraint("lesson_id", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    locale: Mapped[str] = mapped_column(enum_column(*CONTENT_LANGUAGES, name="content_language"))
    title: Mapped[str] = mapped_column(sa.String(200))
    module: Mapped[str] = mapped_column(sa.String(200), default="")
    body: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    body_html: Mapped[str | None] = mapped_column(sa.Text)

    lesson: Mapped[Lesson] = relationship(back_populates="texts")


def reader_locale() -> str:
    """The content language of the page being rendered: zh_CN for a Chinese page, en otherwise."""
    from flask_babel import get_locale

    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):
        return "en"
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


class CourseVersionFacet(db.Model):
    __tablename__ = "course_version_facet"
    __table_args__ = (sa.Index("ix_course_version_facet_value", "facet", "value"),)

    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_version.id", ondelete="CASCADE"), primary_key=True
    )
    facet: Mapped[str] = mapped_column(enum_column(*FACETS, name="course_facet"), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(80), primary_key=True)


class Module(db.Model):
    __tablename__ = "course_module"
    __table_args__ = (sa.UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(sa.String(200))

    version: Mapped[CourseVersion] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", overlaps="lessons,version"
    )

    @property
    def shown_title(self) -> str:
        """The module title in the reader's language (the variant lessons carry it)."""
        # The version's lessons are loaded with the page; this module's own list would be one query more each.
        for lesson in self.version.lessons:
            if lesson.module_id == self.id:
                text = lesson.shown_text
                if text is not None and text.module:
                    return text.module
        return self.title


class Lesson(db.Model):
    __tablename__ = "lesson"
    __table_args__ = (
        sa.UniqueConstraint("version_id", "position"),
        sa.UniqueConstraint("version_id", "slug"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("course_version.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_module.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column()
    # Stable across versions: progress is kept by slug, so a new version does not lose it.
    slug: Mapped[str] = mapped_column(sa.String(120))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")  # Markdown
    # The body as sanitised HTML, stored when the version is published (None: a draft, rendered when shown).
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    minutes: Mapped[int] = mapped_column(default=30)

    version: Mapped[CourseVersion] = relationship(back_populates="lessons", overlaps="lessons,module")
    module: Mapped[Module | None] = relationship(back_populates="lessons", overlaps="lessons,version")
    attachments: Mapped[list[LessonAttachment]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonAttachment.id"
    )
    texts: Mapped[list[LessonText]] = relationship(
        back_populates="lesson", cascade="all, delete-orphan", order_by="LessonText.locale"
    )

    @property
    def html(self):
        """The body as HTML: stored at publication, rendered now for a draft."""
        return _stored_or_rendered(self.body_html, self.body)

    def text_for(self, locale: str) -> LessonText | None:
        return next((t for t in self.texts if t.locale == locale), None)

    @property
    def shown_text(self) -> LessonText | None:
        locale = reader_locale()
        if locale == self.version.language:
            return None
        if self.id is None or "texts" in self.__dict__:
            return self.text_for(locale)
        return self.version.lesson_text(self.id, locale)  # every lesson's, in one statement

    @property
    def shown_title(self) -> str:
        text = self.shown_text
        return text.title if text is not None else self.title

    @property
    def shown_module(self) -> str:
        text = self.shown_text
        if text is not None and text.module:
            return text.module
        return self.module.title if self.module else ""

    @property
    def shown_html(self):
        text = self.shown_text
        if text is not None:
            return _stored_or_rendered(text.body_html, text.body)
        return self.html


# Course overviews and lessons are shown under the page's own <h1>: their headings start one level lower.
CONTENT_BELOW = 1


def _stored_or_rendered(stored: str | None, markdown_text: str):
    from markupsafe import Markup

    from lms.content.markdown import render_markdown

    if stored is not None:
        return Markup(stored)  # noqa: S704 - sanitised when it was stored
    return render_markdown(markdown_text, below=CONTENT_BELOW)


class LessonAttachment(db.Model):
    __tablename__ = "lesson_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(sa.ForeignKey("lesson.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    mimetype: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class Enrollment(db.Model):
    """One trainee in one course. The version followed is always the course's published one."""

    __tablename__ = "enrollment"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id"),
        sa.Index("ix_enrollment_course_status", "course_id", "status"),
        sa.Index("ix_enrollment_enrolled_at", "enrolled_at"),  # report periods
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("course.id"))
    status: Mapped[str] = mapped_column(
        enum_column(*ENROLLMENT_STATUSES, name="enrollment_status"), default="active"
    )
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The version whose completion was recorded (certificates are per trainee and course version).
    completed_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("course_version.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    enrolled_by = relationship("User", foreign_keys=[enrolled_by_id])
    completed_version: Mapped[CourseVersion | None] = relationship()
    progress: Mapped[list[LessonProgress]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan"
    )

    @property
    def status_label(self) -> str:
        return str(ENROLLMENT_STATUSES[self.status])


class LessonProgress(db.Model):
    __tablename__ = "lesson_progress"
    __table_args__ = (sa.UniqueConstraint("enrollment_id", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    lesson_slug: Mapped[str] = mapped_column(sa.String(120))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    enrollment: Mapped[Enrollment] = relationship(back_populates="progress")


# Stored HTML never outlives the text it was rendered from: changing the Markdown forgets it (a copied or
# edited draft renders on demand until it is published).
@sa.event.listens_for(Lesson.body, "set", propagate=True)
def _lesson_body_changed(target, value, oldvalue, initiator):
    if value != oldvalue:
        target.body_html = None


@sa.event.listens_for(LessonText.body, "set", propagate=True)
def _lesson_text_body_changed(target, value, oldvalue, initiator):
    if value != oldvalue:
        target.body_html = None


@sa.event.listens_for(CourseVersionText.overview, "set", propagate=True)
def _text_overview_changed(target, value, oldvalue, initiator):
    if value != oldvalue:
        target.overview_html = None


@sa.event.listens_for(CourseVersion.overview, "set", propagate=True)
def _overview_changed(target, value, oldvalue, initiator):
    if value != oldvalue:
        target.overview_html = None
