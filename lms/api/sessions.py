"""/api/v1/sessions: training sessions, their registrations and attendance (the session pages' queries and
services)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api.core import (
    MAX_ID,
    PageArgs,
    PageSchema,
    api_blueprint,
    current_actor,
    day_field,
    keyset_page,
    require_role,
)
from lms.extensions import db
from lms.sessions import queries, services
from lms.sessions.models import ATTENDANCE, SESSION_MODES, SESSION_STATUSES, Registration, TrainingSession
from lms.sessions.permissions import STAFF, can_manage_session, can_run_session, get_session_or_404

sessions = api_blueprint("training-sessions", "/sessions", "Training sessions, registrations and attendance.")


class SessionSchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    course_id = fields.Integer(required=True)
    mode = fields.String(required=True)
    status = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    starts_at = fields.DateTime(required=True)
    ends_at = fields.DateTime(required=True)
    capacity = fields.Integer(required=True)
    seats_taken = fields.Integer(required=True)
    requires_approval = fields.Boolean(required=True)
    venue_id = fields.Integer(allow_none=True, required=True)


class SessionPageSchema(PageSchema):
    items = fields.List(fields.Nested(SessionSchema), required=True)


class RegistrationSchema(Schema):
    id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    trainee_name = fields.String(required=True)
    enterprise_id = fields.Integer(allow_none=True, required=True)
    status = fields.String(required=True)
    created_at = fields.DateTime(required=True)
    attendance = fields.String(allow_none=True, required=True)
    checked_in_at = fields.DateTime(allow_none=True, required=True)


class RegistrationListSchema(Schema):
    items = fields.List(fields.Nested(RegistrationSchema), required=True)


class SessionArgs(PageArgs):
    course = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))
    unit = fields.Integer(load_default=None, validate=validate.Range(1, MAX_ID))
    mode = fields.String(load_default="", validate=validate.OneOf(["", *SESSION_MODES]))
    status = fields.String(load_default="", validate=validate.OneOf(["", *SESSION_STATUSES]))
    when = fields.String(load_default="upcoming", validate=validate.OneOf(["upcoming", "past", "all"]))
    date_from = day_field(load_default=None, data_key="from")
    date_to = day_field(load_default=None, data_key="to")


class RegisterArgs(Schema):
    trainee_ids = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)),
        load_default=None,
        validate=validate.Length(1, 200),
        metadata={
            "description": "Officers: the trainees to register. Trainees: omit (they register themselves)."
        },
    )


class AttendanceArgs(Schema):
    marks = fields.List(
        fields.Nested(
            Schema.from_dict(
                {
                    "registration_id": fields.Integer(required=True, validate=validate.Range(1, MAX_ID)),
                    "attendance": fields.String(required=True, validate=validate.OneOf(list(ATTENDANCE))),
                },
                name="AttendanceMark",
            )
        ),
        required=True,
        validate=validate.Length(1, 500),
    )


def _session(s: TrainingSession) -> dict:
    return {
        "id": s.id,
        "title": s.title or (s.course.title if s.course else ""),
        "course_id": s.course_id,
        "mode": s.mode,
        "status": s.status,
        "unit_id": s.unit_id,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "capacity": s.capacity,
        "seats_taken": s.seats_taken,
        "requires_approval": s.requires_approval,
        "venue_id": s.venue_id,
    }


def _registration(r: Registration) -> dict:
    return {
        "id": r.id,
        "session_id": r.session_id,
        "user_id": r.user_id,
        "trainee_name": r.user.display_name,
        "enterprise_id": r.user.enterprise_id,
        "status": r.status,
        "created_at": r.created_at,
        "attendance": r.attendance,
        "checked_in_at": r.checked_in_at,
    }


@sessions.route("")
class SessionList(MethodView):
    @sessions.arguments(SessionArgs, location="query")
    @sessions.response(200, SessionPageSchema)
    def get(self, args):
        """Sessions the caller may see, with the session list's filters (``when`` defaults to upcoming)."""
        stmt = queries.session_list(
            current_actor(),
            course_id=args["course"],
            unit_id=args["unit"],
            mode=args["mode"],
            status=args["status"],
            when=args["when"],
            date_from=args["date_from"],
            date_to=args["date_to"],
        )
        page = keyset_page(stmt, TrainingSession.id, args)
        return {"items": [_session(s) for s in page["items"]], "next_cursor": page["next_cursor"]}


@sessions.route("/<int:session_id>")
class SessionDetail(MethodView):
    @sessions.response(200, SessionSchema)
    def get(self, session_id):
        """One session."""
        return _session(get_session_or_404(current_actor(), session_id))


@sessions.route("/<int:session_id>/registrations")
class SessionRegistrations(MethodView):
    @sessions.response(200, RegistrationListSchema)
    def get(self, session_id):
        """A session's registrations, as its registrations page lists them (officers and administrators)."""
        actor = current_actor()
        session = get_session_or_404(actor, session_id)
        require_role(*STAFF)
        stmt = queries.session_registrations(actor, session, manage=can_manage_session(actor, session))
        return {"items": [_registration(r) for r in db.session.execute(stmt).scalars()]}

    @sessions.arguments(RegisterArgs)
    @sessions.response(201, RegistrationListSchema)
    def post(self, args, session_id):
        """Register for a session: a trainee registers themself; an officer registers trainees of their
        jurisdiction (all of them or, on the first refusal, none). A seat, the waitlist or pending approval,
        by the same rules as the pages."""
        actor = current_actor()
        session = get_session_or_404(actor, session_id)
        if actor.role == "trainee":
            if args["trainee_ids"] not in (None, [actor.id]):
                abort(403)
            done = [services.register_trainee(actor, session, actor)]
        else:
            require_role(*STAFF)
            ids = set(args["trainee_ids"] or [])
            if not ids:
                abort(422, messages={"json": {"trainee_ids": ["Missing data for required field."]}})
            trainees = list(db.session.execute(queries.users_in_scope(actor, ids)).scalars())
            if len(trainees) != len(ids):
                abort(404)
            done = services.register_trainees(actor, session, trainees)
        db.session.flush()
        body = {"items": [_registration(r) for r in done]}
        db.session.commit()
        return body


@sessions.route("/<int:session_id>/attendance")
class SessionAttendance(MethodView):
    @sessions.response(200, RegistrationListSchema)
    def get(self, session_id):
        """The attendance sheet: the confirmed seats (the session's experts and organisers)."""
        actor = current_actor()
        session = get_session_or_404(actor, session_id)
        if not can_run_session(actor, session):
            abort(403)
        return {
            "items": [
                _registration(r) for r in db.session.execute(queries.attendance_sheet(session)).scalars()
            ]
        }

    @sessions.arguments(AttendanceArgs)
    @sessions.response(200, RegistrationListSchema)
    def post(self, args, session_id):
        """Mark attendance of confirmed seats, in one transaction, by the attendance page's rules."""
        actor = current_actor()
        session = get_session_or_404(actor, session_id)
        if not can_run_session(actor, session):
            abort(403)
        services.mark_attendance_sheet(
            actor, session, {m["registration_id"]: m["attendance"] for m in args["marks"]}
        )
        db.session.commit()
        return {
            "items": [
                _registration(r) for r in db.session.execute(queries.attendance_sheet(session)).scalars()
            ]
        }
