"""Making, checking and revoking API tokens; making service accounts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.api.models import TOKEN_SCOPES, ApiToken, ServiceAccount
from lms.auth.models import User
from lms.auth.services import _check_unique
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted
from lms.extensions import db

# Every secret starts with this, so that secret scanners and people recognise it.
SECRET_PREFIX = "lms_"  # noqa: S105 - a marker, not a secret
EXPIRY_DAYS = (7, 30, 90, 365)
MAX_EXPIRY_DAYS = 365


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(actor: User, owner: User, *, name: str, scope: str, days: int) -> tuple[ApiToken, str]:
    """Make a token for ``owner`` (the actor themself, or a service account by an administrator).

    Returns the row and the secret, which is not stored and is shown only this once.
    """
    if owner.id != actor.id and not (actor.role == "admin" and is_service_user(owner)):
        raise NotPermitted(_l("You may not make tokens for this account."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_l("Give the token a name."), field="name")
    if len(name) > 80:
        raise InvalidInput(_l("The name is too long (at most 80 characters)."), field="name")
    if scope not in TOKEN_SCOPES:
        raise InvalidInput(_l("Choose read or write access."), field="scope")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            _l("A token expires within %(days)d days.", days=MAX_EXPIRY_DAYS), field="expires_in_days"
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=owner.id,
        name=name,
        token_hash=digest(secret),
        prefix=secret[:10],
        scope=scope,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(days=days),
        created_by_id=actor.id,
    )
    db.session.add(token)
    db.session.flush()
    return token, secret


def tokens_of(owner: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            sa.select(ApiToken)
            .where(ApiToken.user_id == owner.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        ).scalars()
    )


def revoke_token(actor: User, token: ApiToken) -> None:
    if token.user_id != actor.id and not (actor.role == "admin" and is_service_user(token.user)):
        raise NotPermitted(_l("You may not revoke this token."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()


def authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret (not revoked, not expired, owner active), or None."""
    if not secret or len(secret) > 200:
        return None
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == digest(secret))
    ).scalar_one_or_none()
    if token is None or not token.is_usable() or not token.user.active:
        return None
    return token


def is_service_user(user: User | None) -> bool:
    if user is None:
        return False
    return (
        db.session.execute(sa.select(ServiceAccount.id).where(ServiceAccount.user_id == user.id)).first()
        is not None
    )


def create_service_account(actor: User, *, name: str, unit, description: str = "") -> ServiceAccount:
    """A system acting as an officer of ``unit`` (its jurisdiction: the unit and every unit below it)."""
    if actor.role != "admin":
        raise NotPermitted(_l("Only administrators manage service accounts."))
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_l("Give the service account a name."), field="name")
    if unit is None:
        raise InvalidInput(_l("Choose the customs unit."), field="unit_id")
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "system"
    login_name = f"svc-{slug}"
    _check_unique(login_name, f"{login_name}@service.invalid")
    user = User(
        login_name=login_name,
        email=f"{login_name}@service.invalid",
        display_name=name[:120],
        role="officer",
        unit=unit,
        # Not a password hash: no password matches it, so the account cannot sign in to the site.
        password_hash="!service-account",  # noqa: S106
    )
    db.session.add(user)
    db.session.flush()
    account = ServiceAccount(user_id=user.id, description=(description or "").strip(), created_by_id=actor.id)
    db.session.add(account)
    db.session.flush()
    return account


def service_accounts() -> list[ServiceAccount]:
    return list(
        db.session.execute(
            sa.select(ServiceAccount)
            .join(User, User.id == ServiceAccount.user_id)
            .order_by(User.display_name)
        ).scalars()
    )
