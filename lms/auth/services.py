"""Account rules: login with lock-out, creating and managing accounts within a jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.auth.models import POSITIONS, ROLES, User
from lms.auth.permissions import can_manage_user
from lms.auth.scopes import enterprise_in_scope, unit_in_scope
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db


@dataclass
class LoginResult:
    user: User | None
    error: str | None = None


def find_user_by_login(identifier: str) -> User | None:
    identifier = (identifier or "").strip().lower()
    if not identifier:
        return None
    column = User.email if "@" in identifier else User.login_name
    return db.session.execute(sa.select(User).where(sa.func.lower(column) == identifier)).scalar_one_or_none()


def authenticate(identifier: str, password: str) -> LoginResult:
    """Check a login; count failures and lock the account after too many. The caller commits."""
    user = find_user_by_login(identifier)
    generic = _l("Invalid login name, email or password.")
    if user is None:
        return LoginResult(None, str(generic))
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return LoginResult(
            None, str(_l("This account is locked after repeated failed logins. Try again later."))
        )
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= current_app.config["LOGIN_MAX_FAILURES"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
            user.failed_logins = 0
            return LoginResult(
                None, str(_l("This account is locked after repeated failed logins. Try again later."))
            )
        return LoginResult(None, str(generic))
    if not user.active:
        return LoginResult(None, str(_l("This account has been deactivated.")))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return LoginResult(user)


def check_password_rules(password: str) -> None:
    if len(password or "") < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise InvalidInput(
            _l(
                "The password must have at least %(n)d characters.",
                n=current_app.config["PASSWORD_MIN_LENGTH"],
            ),
            field="password",
        )


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    check_password_rules(new)
    user.set_password(new)
    user.password_changed_at = utcnow()


def _check_unique(login_name: str, email: str, exclude_id: int | None = None) -> None:
    stmt = sa.select(User.login_name, User.email).where(
        sa.or_(
            sa.func.lower(User.login_name) == login_name.lower(), sa.func.lower(User.email) == email.lower()
        )
    )
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    for row in db.session.execute(stmt):
        if row.login_name.lower() == login_name.lower():
            raise InvalidInput(_l("This login name is already taken."), field="login_name")
        raise InvalidInput(_l("This email address is already registered."), field="email")


def create_user(
    actor: User,
    *,
    login_name: str,
    email: str,
    display_name: str,
    password: str,
    role: str,
    enterprise=None,
    unit=None,
    position: str | None = None,
    expert_level: str | None = None,
    preferred_language: str | None = None,
) -> User:
    """Create an account within the actor's jurisdiction; raises a DomainError naming the rule broken."""
    if role not in ROLES:
        raise InvalidInput(_l("Unknown role."), field="role")
    if actor.role != "admin" and (actor.role != "officer" or role == "admin"):
        raise NotPermitted(_l("You may not create this kind of account."), field="role")
    login_name = login_name.strip().lower()
    email = email.strip().lower()
    _check_unique(login_name, email)
    check_password_rules(password)
    user = User(
        login_name=login_name,
        email=email,
        display_name=display_name.strip(),
        role=role,
        preferred_language=preferred_language or None,
    )
    if role == "trainee":
        if enterprise is None:
            raise InvalidInput(_l("A trainee belongs to an enterprise."), field="enterprise_id")
        if not enterprise_in_scope(actor, enterprise):
            raise NotPermitted(_l("This enterprise is outside your jurisdiction."), field="enterprise_id")
        if position not in POSITIONS:
            raise InvalidInput(_l("Choose the trainee's position."), field="position")
        user.enterprise = enterprise
        user.position = position
    else:
        if unit is None:
            raise InvalidInput(_l("Choose the customs unit."), field="unit_id")
        if not unit_in_scope(actor, unit):
            raise NotPermitted(_l("This customs unit is outside your jurisdiction."), field="unit_id")
        user.unit = unit
        if role == "expert":
            if expert_level not in ("national", "regional"):
                raise InvalidInput(_l("Choose the expert's level."), field="expert_level")
            user.expert_level = expert_level
    user.set_password(password)
    db.session.add(user)
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    if not can_manage_user(actor, user):
        raise NotPermitted(_l("You may not manage this account."))
    user.active = active


def reset_password(actor: User, user: User, new_password: str) -> None:
    if not can_manage_user(actor, user):
        raise NotPermitted(_l("You may not manage this account."))
    check_password_rules(new_password)
    user.set_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    user.password_changed_at = utcnow()
