"""Course authoring, review, enrolment and attachment forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from lms.auth.models import POSITIONS
from lms.core.forms import MultiCheckboxField
from lms.courses.models import CONTENT_LANGUAGES, DELIVERY_MODES, TOPICS, TRAINING_TYPES
from lms.org.models import BUSINESS_TYPES


def _split(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()]


class CourseForm(FlaskForm):
    """The descriptive fields of a course version (the slug only when creating)."""

    slug = StringField(_l("Slug (address of the course)"), validators=[Optional(), Length(max=80)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField(_l("Summary for the catalog"), validators=[Optional(), Length(max=2000)])
    overview = TextAreaField(_l("Overview (Markdown)"), validators=[Optional(), Length(max=100_000)])
    language = SelectField(_l("Language of the content"), choices=list(CONTENT_LANGUAGES.items()))
    training_type = SelectField(_l("Training type"), choices=list(TRAINING_TYPES.items()))
    modes = MultiCheckboxField(_l("Delivery modes"), choices=list(DELIVERY_MODES.items()))
    social_link = StringField(_l("Social media channel link"), validators=[Optional(), Length(max=500)])
    audience_positions = MultiCheckboxField(_l("Intended trainee positions"), choices=list(POSITIONS.items()))
    audience_business_types = MultiCheckboxField(
        _l("Intended enterprise business types"), choices=list(BUSINESS_TYPES.items())
    )
    topics = MultiCheckboxField(_l("Modules of the AEO standard covered"), choices=list(TOPICS.items()))
    tags = StringField(_l("Tags (separated by commas)"), validators=[Optional(), Length(max=500)])
    hours = DecimalField(
        _l("Estimated hours"), places=1, validators=[InputRequired(), NumberRange(min=0, max=9999.9)]
    )
    prerequisites = MultiCheckboxField(
        _l("Prerequisite courses"), coerce=int, choices=[], validate_choice=False
    )
    require_lessons = BooleanField(_l("Every lesson must be marked complete"), default=True)
    require_quizzes = StringField(
        _l("Quizzes that must be passed (keys, separated by commas)"),
        validators=[Optional(), Length(max=500)],
    )
    require_attendance = BooleanField(_l("Attendance at a scheduled session is required"))
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {
            "title": self.title.data or "",
            "summary": self.summary.data or "",
            "overview": self.overview.data or "",
            "language": self.language.data,
            "training_type": self.training_type.data,
            "modes": list(self.modes.data or []),
            "social_link": self.social_link.data or "",
            "audience_positions": list(self.audience_positions.data or []),
            "audience_business_types": list(self.audience_business_types.data or []),
            "topics": list(self.topics.data or []),
            "tags": _split(self.tags.data),
            "hours": self.hours.data,
            "require_lessons": bool(self.require_lessons.data),
            "require_quizzes": _split(self.require_quizzes.data),
            "require_attendance": bool(self.require_attendance.data),
        }

    def fill(self, version) -> None:
        """Show a version's current values (GET)."""
        for name in (
            "title",
            "summary",
            "overview",
            "language",
            "training_type",
            "modes",
            "social_link",
            "audience_positions",
            "audience_business_types",
            "topics",
            "hours",
            "require_lessons",
            "require_attendance",
        ):
            getattr(self, name).data = getattr(version, name)
        self.tags.data = ", ".join(version.tags or [])
        self.require_quizzes.data = ", ".join(version.require_quizzes or [])
        self.prerequisites.data = [c.id for c in version.prerequisites]


class ModuleForm(FlaskForm):
    title = StringField(_l("Module title"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Save module"))


class LessonForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    slug = StringField(
        _l("Slug (leave empty to derive it from the title)"), validators=[Optional(), Length(max=120)]
    )
    module_id = SelectField(_l("Module"), coerce=int, choices=[], validate_choice=False)
    minutes = IntegerField(
        _l("Estimated minutes"), default=30, validators=[InputRequired(), NumberRange(min=0, max=1000)]
    )
    body = TextAreaField(_l("Lesson (Markdown)"), validators=[Optional(), Length(max=200_000)])
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save lesson"))

    def values(self) -> dict:
        return {
            "title": self.title.data or "",
            "slug": (self.slug.data or "").strip(),
            "module_id": self.module_id.data or None,
            "minutes": self.minutes.data,
            "body": self.body.data or "",
        }


class AttachmentForm(FlaskForm):
    file = FileField(_l("File (PDF, PPTX, DOCX, XLSX, PNG or JPEG)"), validators=[FileRequired()])
    submit = SubmitField(_l("Attach"))


class ReviewForm(FlaskForm):
    note = TextAreaField(_l("Note to the author"), validators=[Optional(), Length(max=5000)])
    approve = SubmitField(_l("Approve and publish"))
    send_back = SubmitField(_l("Return to the author"))


class ActionForm(FlaskForm):
    """A button that posts (CSRF-protected) with an optional direction."""

    direction = HiddenField()


class EnrollTraineesForm(FlaskForm):
    trainee_ids = SelectMultipleField(
        _l("Trainees in your jurisdiction"),
        coerce=int,
        choices=[],
        validate_choice=False,
        validators=[DataRequired(message=_l("Choose at least one trainee."))],
    )
    submit = SubmitField(_l("Enrol the chosen trainees"))
