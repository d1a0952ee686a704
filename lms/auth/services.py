"""Account rules: login with lock-out, creating and managing accounts within a jurisdiction."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from lms.auth import passwords, throttle
from lms.auth.models import POSITIONS, ROLES, User
from lms.auth.permissions import can_manage_user
from lms.auth.scopes import enterprise_in_scope, unit_in_scope
from lms.auth.security_log import record_security_event
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db

_DUMMY_HASH = generate_password_hash("not a password", method="pbkdf2:sha256:1000")


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


def authenticate(
    identifier: str, password: str, *, address: str = "", known_device: bool = False
) -> LoginResult:
    """Check a login (throttled per account and address, see :mod:`lms.auth.throttle`). The caller commits.

    Every refusal but a deactivated account (which needs the right password) gives the same message."""
    user = find_user_by_login(identifier)
    generic = str(_l("Invalid login name, email or password."))
    typed = (identifier or "").strip()
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")  # as slow as a real check: no timing oracle
        record_security_event("login_failed", identifier=typed, address=address, reason="unknown account")
        return LoginResult(None, generic)
    if throttle.locked_for(user, address) or not throttle.account_attempt_allowed(
        user, known_device=known_device
    ):
        record_security_event(
            "login_failed", user=user, identifier=typed, address=address, reason="throttled"
        )
        return LoginResult(None, generic)
    if not user.check_password(password):
        user.failed_logins += 1
        locked = throttle.record_failure(user, address)
        record_security_event(
            "locked_out" if locked else "login_failed",
            user=user,
            identifier=typed,
            address=address,
            reason="wrong password",
        )
        return LoginResult(None, generic)
    if not user.active:
        record_security_event(
            "login_failed", user=user, identifier=typed, address=address, reason="deactivated"
        )
        return LoginResult(None, str(_l("This account has been deactivated.")))
    user.failed_logins = 0
    throttle.clear(user, address)
    return LoginResult(user)


def complete_login(user: User, *, address: str = "", method: str = "password") -> None:
    """The sign-in succeeded (after the second factor, when the account has one)."""
    user.last_login_at = utcnow()
    record_security_event("login", user=user, address=address, method=method)


def check_password_rules(password: str, user: User | None = None, **names) -> None:
    inputs = [names.get("login_name"), names.get("email"), names.get("display_name")]
    if user is not None:
        inputs += [user.login_name, user.email, user.display_name]
    passwords.check_password_rules(password, user_inputs=[i for i in inputs if i])


def change_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    check_password_rules(new, user)
    user.set_password(new)
    user.password_changed_at = utcnow()
    record_security_event("password_changed", user=user, actor=user)


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
    check_password_rules(password, login_name=login_name, email=email, display_name=display_name)
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
    db.session.flush()
    record_security_event("account_created", user=user, actor=actor, role=role)
    return user


def set_active(actor: User, user: User, active: bool) -> None:
    if not can_manage_user(actor, user):
        raise NotPermitted(_l("You may not manage this account."))
    if user.active != active:
        record_security_event(
            "account_reactivated" if active else "account_deactivated", user=user, actor=actor
        )
    user.active = active


def reset_password(actor: User, user: User, new_password: str) -> None:
    if not can_manage_user(actor, user):
        raise NotPermitted(_l("You may not manage this account."))
    check_password_rules(new_password, user)
    user.set_password(new_password)
    user.failed_logins = 0
    db.session.execute(sa.delete(throttle.LoginThrottle).where(throttle.LoginThrottle.user_id == user.id))
    user.password_changed_at = utcnow()
    record_security_event("password_reset", user=user, actor=actor)
