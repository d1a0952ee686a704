"""/api/v1/courses: the catalog, a course's published version and its lessons (Markdown and HTML)."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api.core import PageArgs, PageSchema, api_blueprint, current_actor, keyset_page
from lms.courses import permissions, queries
from lms.courses.models import (
    CONTENT_LANGUAGES,
    DELIVERY_MODES,
    TOPICS,
    TRAINING_TYPES,
    Course,
    CourseVersion,
    Lesson,
)
from lms.extensions import db

courses = api_blueprint("course-catalog", "/courses", "The course catalog, published versions and lessons.")


class CourseSchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    version_id = fields.Integer(required=True)
    version_number = fields.Integer(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    language = fields.String(required=True)
    training_type = fields.String(required=True)
    modes = fields.List(fields.String(), required=True)
    topics = fields.List(fields.String(), required=True)
    hours = fields.Float(required=True)


class LessonSummarySchema(Schema):
    id = fields.Integer(required=True)
    slug = fields.String(required=True)
    title = fields.String(required=True)
    position = fields.Integer(required=True)
    minutes = fields.Integer(required=True)


class CourseDetailSchema(CourseSchema):
    overview_markdown = fields.String(required=True)
    overview_html = fields.String(required=True)
    lessons = fields.List(fields.Nested(LessonSummarySchema), required=True)


class LessonSchema(LessonSummarySchema):
    course_id = fields.Integer(required=True)
    version_id = fields.Integer(required=True)
    body_markdown = fields.String(required=True)
    body_html = fields.String(
        required=True, metadata={"description": "Sanitised HTML, as the lesson page shows."}
    )


class CoursePageSchema(PageSchema):
    items = fields.List(fields.Nested(CourseSchema), required=True)


class CatalogArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    type = fields.String(load_default="", validate=validate.OneOf(["", *TRAINING_TYPES]))
    mode = fields.String(load_default="", validate=validate.OneOf(["", *DELIVERY_MODES]))
    topic = fields.String(load_default="", validate=validate.OneOf(["", *TOPICS]))
    language = fields.String(load_default="", validate=validate.OneOf(["", *CONTENT_LANGUAGES]))


def _course(version: CourseVersion) -> dict:
    return {
        "id": version.course_id,
        "slug": version.course.slug,
        "version_id": version.id,
        "version_number": version.number,
        "title": version.title,
        "summary": version.summary or "",
        "language": version.language,
        "training_type": version.training_type,
        "modes": list(version.modes or []),
        "topics": list(version.topics or []),
        "hours": float(version.hours or 0),
    }


def _lesson_summary(lesson: Lesson) -> dict:
    return {
        "id": lesson.id,
        "slug": lesson.slug,
        "title": lesson.title,
        "position": lesson.position,
        "minutes": lesson.minutes,
    }


def _visible_course(course_id: int) -> Course:
    course = db.session.get(Course, course_id)
    actor = current_actor()
    if course is None or course.published_version_id is None or not permissions.can_see_course(actor, course):
        abort(404)
    return course


@courses.route("")
class CourseList(MethodView):
    @courses.arguments(CatalogArgs, location="query")
    @courses.response(200, CoursePageSchema)
    def get(self, args):
        """The catalog: published courses, with the catalog page's filters."""
        stmt = queries.catalog(
            q=args["q"].strip(),
            training_type=args["type"],
            mode=args["mode"],
            topic=args["topic"],
            language=args["language"],
        )
        page = keyset_page(stmt, CourseVersion.id, args)
        return {"items": [_course(v) for v in page["items"]], "next_cursor": page["next_cursor"]}


@courses.route("/<int:course_id>")
class CourseDetail(MethodView):
    @courses.response(200, CourseDetailSchema)
    def get(self, course_id):
        """A course's published version: overview (Markdown and HTML) and its lessons."""
        course = _visible_course(course_id)
        version = course.published_version
        body = _course(version)
        body["overview_markdown"] = version.overview or ""
        body["overview_html"] = str(version.overview_rendered)
        body["lessons"] = [_lesson_summary(lesson) for lesson in version.lessons]
        return body


@courses.route("/<int:course_id>/lessons/<int:lesson_id>")
class LessonDetail(MethodView):
    @courses.response(200, LessonSchema)
    def get(self, course_id, lesson_id):
        """A lesson of the published version, for those who may open it (enrolled trainees, staff)."""
        actor = current_actor()
        course = _visible_course(course_id)
        lesson = db.session.execute(
            sa.select(Lesson).where(Lesson.id == lesson_id, Lesson.version_id == course.published_version_id)
        ).scalar_one_or_none()
        if lesson is None:
            abort(404)
        if not permissions.can_open_lessons(actor, course, permissions.enrollment_of(actor, course)):
            abort(403)
        body = _lesson_summary(lesson)
        body.update(
            course_id=course.id,
            version_id=lesson.version_id,
            body_markdown=lesson.body or "",
            body_html=str(lesson.html),
        )
        return body
