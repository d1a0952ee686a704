"""/api/v1/users: the accounts an officer or administrator may see (the accounts page's query)."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from lms.api.core import PageArgs, PageSchema, api_blueprint, current_actor, keyset_page, require_role
from lms.api.tokens import is_service_user
from lms.auth import queries
from lms.auth.models import ROLES, User
from lms.auth.scopes import get_user_or_404

users = api_blueprint("accounts", "/users", "Accounts: officers, experts, trainees and administrators.")


class UserSchema(Schema):
    id = fields.Integer(required=True)
    login_name = fields.String(required=True)
    display_name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.String(required=True, validate=validate.OneOf(list(ROLES)))
    enterprise_id = fields.Integer(allow_none=True, required=True)
    unit_id = fields.Integer(allow_none=True, required=True)
    position = fields.String(allow_none=True, required=True)
    expert_level = fields.String(allow_none=True, required=True)
    active = fields.Boolean(required=True)
    service_account = fields.Boolean(required=True)


class UserPageSchema(PageSchema):
    items = fields.List(fields.Nested(UserSchema), required=True)


class UserArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(load_default="", validate=validate.OneOf(["", *ROLES]))


def _user(u: User) -> dict:
    return {
        "id": u.id,
        "login_name": u.login_name,
        "display_name": u.display_name,
        "email": u.email,
        "role": u.role,
        "enterprise_id": u.enterprise_id,
        "unit_id": u.unit_id,
        "position": u.position,
        "expert_level": u.expert_level,
        "active": u.active,
        "service_account": is_service_user(u),
    }


@users.route("")
class UserList(MethodView):
    @users.arguments(UserArgs, location="query")
    @users.response(200, UserPageSchema)
    def get(self, args):
        """Accounts in the caller's jurisdiction, with the accounts page's filters (staff only)."""
        require_role("officer", "admin")
        page = keyset_page(
            queries.user_list(current_actor(), q=args["q"].strip(), role=args["role"]), User.id, args
        )
        return {"items": [_user(u) for u in page["items"]], "next_cursor": page["next_cursor"]}


@users.route("/<int:user_id>")
class UserDetail(MethodView):
    @users.response(200, UserSchema)
    def get(self, user_id):
        """One account."""
        require_role("officer", "admin")
        return _user(get_user_or_404(current_actor(), user_id))
