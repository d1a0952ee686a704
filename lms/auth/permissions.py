"""Role decorators and object-level checks. Pages get a 403 page, JSON requests a 403 JSON body."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from lms.auth.scopes import enterprise_in_scope, user_in_scope

STAFF_ROLES = ("officer", "admin")


def role_required(*roles: str):
    """Allow only logged-in users with one of ``roles``; others get 403 (anonymous users go to login)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_manage_user(actor, user) -> bool:
    """Admins manage everyone; officers manage non-admin accounts within their jurisdiction."""
    if actor.role == "admin":
        return True
    if actor.role != "officer" or user.role == "admin" or user.id == actor.id:
        return False
    return user_in_scope(actor, user)


def can_edit_enterprise(actor, enterprise) -> bool:
    return actor.role in STAFF_ROLES and enterprise_in_scope(actor, enterprise)
