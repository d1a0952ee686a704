"""/api/v1/cultivation: opening cases, applying transitions, key training lists (the cultivation pages'
queries and services)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import schemas as s
from lms.api.core import (
    MAX_ID,
    PageArgs,
    PageSchema,
    api_blueprint,
    current_actor,
    day_field,
    get_or_404,
    keyset_page,
    require_role,
)
from lms.auth.scopes import get_enterprise_or_404
from lms.cultivation import clock, keylists, queries, services
from lms.cultivation.models import (
    CATEGORIES,
    SUSPENSION_REASONS,
    TERMINATION_REASONS,
    TRAINING_TYPES,
    KeyTrainingList,
)
from lms.cultivation.permissions import STAFF, can_act_on_case, key_list_clause
from lms.extensions import db

cultivation = api_blueprint(
    "cultivation-workflow", "/cultivation", "Case transitions and key training lists."
)

TRANSITION_NAMES = (
    "screen",
    "reject",
    "list",
    "start_training",
    "suspend",
    "resume",
    "terminate",
    "complete",
    "apply_certification",
)


class OpenCaseArgs(Schema):
    enterprise_id = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "Officers: the enterprise nominated. Trainees apply for their own: omit."},
    )
    training_type = fields.String(required=True, validate=validate.OneOf(list(TRAINING_TYPES)))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    nominee_ids = fields.List(
        fields.Integer(validate=validate.Range(1, MAX_ID)), required=True, validate=validate.Length(1, 100)
    )
    statement = fields.String(load_default="", validate=validate.Length(max=4000))


class TransitionArgs(Schema):
    transition = fields.String(required=True, validate=validate.OneOf(TRANSITION_NAMES))
    day = day_field(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "The date of the decision, start, suspension, resumption, termination or "
            "certification application; today when omitted."
        },
    )
    reason = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=4000),
        metadata={"description": "reject: the reason (text). suspend/terminate: a reason code."},
    )
    reason_text = fields.String(load_default="", validate=validate.Length(max=4000))
    key_list_id = fields.Integer(
        load_default=None,
        validate=validate.Range(1, MAX_ID),
        metadata={"description": "list: the confirmed list."},
    )
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


class KeyListSchema(Schema):
    id = fields.Integer(required=True)
    unit_id = fields.Integer(required=True)
    period = fields.String(required=True)
    confirmed = fields.Boolean(required=True)
    confirmed_at = fields.DateTime(allow_none=True, required=True)
    created_at = fields.DateTime(required=True)


class KeyListEntrySchema(Schema):
    id = fields.Integer(required=True)
    rank = fields.Integer(allow_none=True, required=True)
    position = fields.Integer(required=True)
    case_id = fields.Integer(required=True)
    enterprise_id = fields.Integer(required=True)
    enterprise_name = fields.String(required=True)
    score = fields.Float(required=True)
    included = fields.Boolean(required=True)
    adjustment_note = fields.String(required=True)


class KeyListDetailSchema(KeyListSchema):
    entries = fields.List(fields.Nested(KeyListEntrySchema), required=True)


class KeyListPageSchema(PageSchema):
    items = fields.List(fields.Nested(KeyListSchema), required=True)


def _case_response(case_id: int) -> dict:
    from lms.api.resources import _case_detail

    return _case_detail(get_or_404(queries.case_in_scope(current_actor(), case_id)))


def open_case(args: dict) -> dict:
    """Open a case: a trainee (legal representative or senior manager) applies for their enterprise; an
    officer nominates an enterprise of their jurisdiction. The same rules as the application and nomination
    pages."""
    actor = current_actor()
    common = {
        "training_type": args["training_type"],
        "category": args["category"],
        "nominee_ids": args["nominee_ids"],
        "statement": args["statement"],
    }
    if actor.role == "trainee":
        if args["enterprise_id"] not in (None, actor.enterprise_id):
            abort(403)
        case = services.apply_for_cultivation(actor, **common)
    else:
        require_role(*STAFF)
        if args["enterprise_id"] is None:
            abort(422, messages={"json": {"enterprise_id": ["Missing data for required field."]}})
        enterprise = get_enterprise_or_404(actor, args["enterprise_id"])
        case = services.nominate_enterprise(actor, enterprise, **common)
    db.session.commit()
    return _case_response(case.id)


@cultivation.route("/cases/<int:case_id>/transitions")
class CaseTransition(MethodView):
    @cultivation.arguments(TransitionArgs)
    @cultivation.response(200, s.CaseDetailSchema)
    def post(self, args, case_id):
        """Apply a transition to a case (the certification outcome has its own operation). The case's
        ``allowed_transitions`` says which apply now; the rules and the audit trail are the case page's."""
        actor = current_actor()
        require_role(*STAFF)
        case = get_or_404(queries.case_in_scope(actor, case_id))
        if not can_act_on_case(actor, case):
            abort(403)
        name = args["transition"]
        day = args["day"] or clock.today()
        notes = args["notes"]
        reason = args["reason"]
        if name == "screen":
            services.screen_case(actor, case, decided_on=day, notes=notes)
        elif name == "reject":
            services.reject_case(actor, case, decided_on=day, reason=reason or "", notes=notes)
        elif name == "list":
            if args["key_list_id"] is None:
                abort(422, messages={"json": {"key_list_id": ["Missing data for required field."]}})
            key_list = keylists.load_list(args["key_list_id"], key_list_clause(actor))
            if key_list is None:
                abort(404)
            services.list_case(actor, case, key_list, notes=notes)
        elif name == "start_training":
            services.start_training(actor, case, started_on=day, notes=notes)
        elif name in ("suspend", "terminate"):
            codes = SUSPENSION_REASONS if name == "suspend" else TERMINATION_REASONS
            if reason is not None and reason not in codes:
                abort(422, messages={"json": {"reason": [f"Must be one of: {', '.join(codes)}."]}})
            if name == "suspend":
                services.suspend_case(
                    actor, case, reason=reason, reason_text=args["reason_text"], suspended_on=day, notes=notes
                )
            else:
                services.terminate_case(
                    actor,
                    case,
                    reason=reason,
                    reason_text=args["reason_text"],
                    terminated_on=day,
                    notes=notes,
                )
        elif name == "resume":
            services.resume_case(actor, case, resumed_on=day, notes=notes)
        elif name == "complete":
            services.complete_case(actor, case, notes=notes)
        else:
            services.apply_for_certification(actor, case, applied_on=day, notes=notes)
        db.session.commit()
        return _case_response(case_id)


def _key_list(k: KeyTrainingList) -> dict:
    return {
        "id": k.id,
        "unit_id": k.unit_id,
        "period": k.period,
        "confirmed": k.confirmed,
        "confirmed_at": k.confirmed_at,
        "created_at": k.created_at,
    }


@cultivation.route("/key-lists")
class KeyListList(MethodView):
    @cultivation.arguments(PageArgs, location="query")
    @cultivation.response(200, KeyListPageSchema)
    def get(self, args):
        """Key training lists of the caller's units (officers and administrators)."""
        require_role(*STAFF)
        page = keyset_page(queries.key_lists(current_actor()), KeyTrainingList.id, args)
        return {"items": [_key_list(k) for k in page["items"]], "next_cursor": page["next_cursor"]}


@cultivation.route("/key-lists/<int:list_id>")
class KeyListDetail(MethodView):
    @cultivation.response(200, KeyListDetailSchema)
    def get(self, list_id):
        """One key training list with its ranked entries, as its page shows them."""
        actor = current_actor()
        require_role(*STAFF)
        key_list = keylists.load_list(list_id, key_list_clause(actor))
        if key_list is None:
            abort(404)
        body = _key_list(key_list)
        body["entries"] = [
            {
                "id": row.entry.id,
                "rank": row.rank,
                "position": row.entry.position,
                "case_id": row.entry.case_id,
                "enterprise_id": row.entry.case.enterprise_id,
                "enterprise_name": row.entry.case.enterprise.name,
                "score": float(row.entry.score),
                "included": row.entry.included,
                "adjustment_note": row.entry.adjustment_note or "",
            }
            for row in keylists.list_rows(key_list)
        ]
        return body
