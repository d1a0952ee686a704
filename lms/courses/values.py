"""Course values shared by the forms and the curriculum loader: slugs, tags, hours, audiences, cleaning."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from lms.auth.models import POSITIONS, User
from lms.courses import permissions
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    CourseVersionFacet,
)
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db
from lms.org.models import BUSINESS_TYPES

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TAG_MAX = 40
# Course pages live at /courses/<slug>; these words are the area's own pages.
RESERVED_SLUGS = {
    "my",
    "authoring",
    "reviews",
    "new",
    "preview",
    "versions",
    "modules",
    "lessons",
    "attachments",
    "enrollments",
    "history",
}
HOURS_MAX = Decimal("9999.9")


# -- values shared by the forms and the curriculum loader --------------------------------------------------


def normalise_text(text: str | None) -> str:
    """One form for Markdown text from files and browsers: LF line ends, no blank lines around it."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return text.strip("\n").rstrip()


def hours_text(hours) -> str:
    value = Decimal(str(hours))
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f").rstrip("0")


def parse_hours(value) -> Decimal:
    try:
        hours = Decimal(str(value))
    except InvalidOperation as error:
        raise InvalidInput(_l("Hours must be a number."), field="hours") from error
    if not hours.is_finite() or hours < 0 or hours > HOURS_MAX:
        raise InvalidInput(_l("Hours must be between 0 and 9999.9."), field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise InvalidInput(_l("Hours take at most one decimal place."), field="hours")
    return hours.quantize(Decimal("0.1"))


def check_slug(slug: str, field: str = "slug") -> str:
    if not slug or len(slug) > 80 or not SLUG_RE.match(slug):
        raise InvalidInput(
            _l("Use lowercase letters, digits and single hyphens (for example credit-basics)."), field=field
        )
    return slug


def clean_tags(tags) -> list[str]:
    cleaned: list[str] = []
    for tag in tags:
        tag = str(tag).strip()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise InvalidInput(_l("A tag has at most %(n)d characters.", n=TAG_MAX), field="tags")
        if tag not in cleaned:
            cleaned.append(tag)
    return cleaned


def clean_version_values(values: dict) -> dict:
    """Check the descriptive fields of a version (title, type, modes, audience, completion rule...)."""
    cleaned = dict(values)
    cleaned["title"] = (values.get("title") or "").strip()
    if not cleaned["title"] or len(cleaned["title"]) > 200:
        raise InvalidInput(_l("A title of at most 200 characters is required."), field="title")
    cleaned["summary"] = (values.get("summary") or "").strip()
    cleaned["overview"] = normalise_text(values.get("overview"))
    if values.get("language") not in CONTENT_LANGUAGES:
        raise InvalidInput(_l("Choose the language of the content."), field="language")
    if values.get("training_type") not in TRAINING_TYPES:
        raise InvalidInput(_l("Choose the training type."), field="training_type")
    modes = list(dict.fromkeys(values.get("modes") or []))
    if not modes or any(m not in DELIVERY_MODES for m in modes):
        raise InvalidInput(_l("Choose at least one delivery mode."), field="modes")
    cleaned["modes"] = modes
    link = (values.get("social_link") or "").strip()
    if "social_media" in modes:
        if not re.match(r"^https?://[^\s/$.?#][^\s]*$", link) or len(link) > 500:
            raise InvalidInput(
                _l("The social media mode needs the channel's http(s) link."), field="social_link"
            )
    elif link:
        raise InvalidInput(
            _l("A social media link goes with the social media mode only."), field="social_link"
        )
    cleaned["social_link"] = link
    for key, allowed in (
        ("audience_positions", POSITIONS),
        ("audience_business_types", BUSINESS_TYPES),
        ("topics", TOPICS),
    ):
        chosen = list(dict.fromkeys(values.get(key) or []))
        if any(item not in allowed for item in chosen):
            raise InvalidInput(_l("Choose from the list."), field=key)
        cleaned[key] = chosen
    cleaned["tags"] = clean_tags(values.get("tags") or [])
    cleaned["hours"] = parse_hours(values.get("hours", 1))
    cleaned["require_lessons"] = bool(values.get("require_lessons"))
    quizzes = [str(q).strip() for q in values.get("require_quizzes") or [] if str(q).strip()]
    for key in quizzes:
        if not SLUG_RE.match(key):
            raise InvalidInput(
                _l("Quiz keys use lowercase letters, digits and hyphens (for example post-test)."),
                field="require_quizzes",
            )
    cleaned["require_quizzes"] = list(dict.fromkeys(quizzes))
    cleaned["require_attendance"] = bool(values.get("require_attendance"))
    return cleaned


VERSION_FIELDS = (
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
    "tags",
    "hours",
    "require_lessons",
    "require_quizzes",
    "require_attendance",
)


def apply_version_values(version: CourseVersion, values: dict) -> None:
    for name in VERSION_FIELDS:
        if name in values:
            setattr(version, name, values[name])
    refresh_derived(version)


def refresh_derived(version: CourseVersion) -> None:
    """Keep the catalog's search text and facet rows in step with the version's fields."""
    slug = version.course.slug if version.course is not None else ""
    version.search_text = " ".join(
        [
            slug,
            version.title or "",
            version.summary or "",
            *(version.tags or []),
            *(part for text in version.texts for part in (text.title or "", text.summary or "")),
        ]
    ).lower()
    wanted = (
        {("mode", m) for m in version.modes or []}
        | {("topic", t) for t in version.topics or []}
        | {("tag", t.lower()[:80]) for t in version.tags or []}
    )
    current = {(f.facet, f.value): f for f in version.facets}
    for key, facet in current.items():
        if key not in wanted:
            version.facets.remove(facet)
    for facet, value in sorted(wanted - set(current)):
        version.facets.append(CourseVersionFacet(facet=facet, value=value))


def _would_cycle(course: Course, prerequisites: list[Course]) -> bool:
    """True if ``course`` is reachable from its new prerequisites through the courses' current versions."""
    seen: set[int] = set()
    stack = [p for p in prerequisites]
    while stack:
        other = stack.pop()
        if other.id == course.id and course.id is not None:
            return True
        if other.id in seen:
            continue
        seen.add(other.id)
        version = other.published_version or other.latest_version
        if version is not None:
            stack.extend(version.prerequisites)
    return False


def set_prerequisites(version: CourseVersion, prerequisites: list[Course]) -> None:
    unique = list({c.id: c for c in prerequisites}.values())
    if any(c is version.course or (c.id is not None and c.id == version.course_id) for c in unique):
        raise InvalidInput(_l("A course cannot be its own prerequisite."), field="prerequisites")
    if version.course is not None and _would_cycle(version.course, unique):
        raise InvalidInput(
            _l("These prerequisites would make a loop: a course would need itself."), field="prerequisites"
        )
    version.prerequisites = unique


def prerequisite_choices(exclude: Course | None = None) -> list[Course]:
    """Courses that can be chosen as prerequisites: published, not archived."""
    stmt = (
        sa.select(Course)
        .where(Course.published_version_id.is_not(None), Course.archived.is_(False))
        .options(selectinload(Course.published_version))
        .order_by(Course.slug)
    )
    if exclude is not None and exclude.id is not None:
        stmt = stmt.where(Course.id != exclude.id)
    return list(db.session.execute(stmt).scalars())


# -- shared by the sections -------------------------------------------------------------------------------


def _require(condition: bool, message=None) -> None:
    if not condition:
        raise NotPermitted(message or _l("You may not do this."))


def _lock_course(course: Course) -> Course:
    """Serialise changes to one course's versions (publishing, starting drafts)."""
    db.session.flush()
    return db.session.execute(
        sa.select(Course)
        .where(Course.id == course.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _editable(actor: User, version: CourseVersion) -> None:
    _require(permissions.can_edit_version(actor, version), _l("Only a draft can be edited, by its authors."))
