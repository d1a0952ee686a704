"""/api/v1/quiz-attempts: quiz attempts and their results (the quizzes page's query and its scope)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api.core import MAX_ID, PageArgs, PageSchema, api_blueprint, current_actor, keyset_page
from lms.extensions import db
from lms.quizzes import queries
from lms.quizzes.models import Attempt
from lms.quizzes.permissions import can_view_attempt

attempts = api_blueprint("quiz-attempts", "/quiz-attempts", "Quiz attempts and their results.")


class AttemptSchema(Schema):
    id = fields.Integer(required=True)
    quiz_id = fields.Integer(required=True)
    quiz_title = fields.String(required=True)
    quiz_purpose = fields.String(required=True)
    course_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    trainee_name = fields.String(required=True)
    number = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["in_progress", "needs_marking", "graded"]))
    started_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(allow_none=True, required=True)
    graded_at = fields.DateTime(allow_none=True, required=True)
    score = fields.Float(allow_none=True, required=True)
    max_score = fields.Float(allow_none=True, required=True)
    percent = fields.Float(allow_none=True, required=True)
    passed = fields.Boolean(allow_none=True, required=True)


class AttemptPageSchema(PageSchema):
    items = fields.List(fields.Nested(AttemptSchema), required=True)


class AttemptArgs(PageArgs):
    quiz = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))
    status = fields.String(
        load_default="", validate=validate.OneOf(["", "in_progress", "needs_marking", "graded"])
    )


def _number(value):
    return float(value) if value is not None else None


def _attempt(a: Attempt) -> dict:
    return {
        "id": a.id,
        "quiz_id": a.quiz_id,
        "quiz_title": a.quiz.title,
        "quiz_purpose": a.quiz.purpose,
        "course_id": a.quiz.course_id,
        "user_id": a.user_id,
        "trainee_name": a.user.display_name,
        "number": a.number,
        "status": a.status,
        "started_at": a.started_at,
        "submitted_at": a.submitted_at,
        "graded_at": a.graded_at,
        "score": _number(a.score),
        "max_score": _number(a.max_score),
        "percent": _number(a.percent),
        "passed": a.passed,
    }


@attempts.route("")
class AttemptList(MethodView):
    @attempts.arguments(AttemptArgs, location="query")
    @attempts.response(200, AttemptPageSchema)
    def get(self, args):
        """Attempts the caller may see: a trainee's own; an officer's, of the people in their jurisdiction; an
        expert's, of their courses."""
        stmt = queries.attempt_index(current_actor())
        if args["quiz"]:
            stmt = stmt.where(Attempt.quiz_id == args["quiz"])
        if args["status"]:
            stmt = stmt.where(Attempt.status == args["status"])
        page = keyset_page(stmt, Attempt.id, args)
        return {"items": [_attempt(a) for a in page["items"]], "next_cursor": page["next_cursor"]}


@attempts.route("/<int:attempt_id>")
class AttemptDetail(MethodView):
    @attempts.response(200, AttemptSchema)
    def get(self, attempt_id):
        """One attempt's result."""
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is None or not can_view_attempt(current_actor(), attempt):
            abort(404)
        return _attempt(attempt)
