"""Login throttling per account *and* client address, so that a stranger cannot lock a trainee out.

- Failures are counted per (account, address). After ``LOGIN_MAX_FAILURES`` of them that address is
  refused for that account for ``LOGIN_LOCKOUT_MINUTES``; the account's owner, elsewhere, is not.
- Attempts on one account from all addresses together are limited to ``LOGIN_ACCOUNT_RATE_LIMIT``
  (counters in the rate-limit storage: Redis with several web nodes), except from a browser that signed
  in to that account before: it carries a signed device cookie, so a distributed guesser still cannot
  keep the owner out.
- Every refusal says the same as a wrong password: no one learns whether an account exists or is locked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime, utcnow
from lms.extensions import db, limiter

DEVICE_COOKIE = "lms_device"
DEVICE_COOKIE_DAYS = 180


class LoginThrottle(db.Model):
    __tablename__ = "login_throttle"
    __table_args__ = (
        sa.UniqueConstraint("user_id", "address"),
        sa.CheckConstraint("failures >= 0", name="failures_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(sa.String(64))
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _row(user, address: str, *, create: bool) -> LoginThrottle | None:
    row = db.session.execute(
        sa.select(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.address == address)
    ).scalar_one_or_none()
    if row is None and create:
        with db.session.begin_nested():
            row = LoginThrottle(user_id=user.id, address=address, failures=0)
            db.session.add(row)
    return row


def locked_for(user, address: str) -> bool:
    row = _row(user, address, create=False)
    return row is not None and row.locked_until is not None and row.locked_until > utcnow()


def record_failure(user, address: str) -> bool:
    """Count a failure from ``address``; True when this failure locked the address out of the account."""
    row = _row(user, address, create=True)
    now = utcnow()
    window = timedelta(minutes=current_app.config["LOGIN_LOCKOUT_MINUTES"])
    if row.last_failure_at is not None and row.last_failure_at < now - window:
        row.failures = 0  # old failures are forgotten
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= current_app.config["LOGIN_MAX_FAILURES"]:
        row.locked_until = now + window
        row.failures = 0
        return True
    return False


def clear(user, address: str) -> None:
    db.session.execute(
        sa.delete(LoginThrottle).where(LoginThrottle.user_id == user.id, LoginThrottle.address == address)
    )


def account_attempt_allowed(user, *, known_device: bool) -> bool:
    """Take one attempt from the account's allowance across addresses (devices it knows are exempt)."""
    if known_device or not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    limit = parse(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])
    return limiter.limiter.hit(limit, "login-account", str(user.id))


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="lms-known-device")


def device_cookie_value(user) -> str:
    return _serializer().dumps(user.id)


def is_known_device(user, cookie: str | None) -> bool:
    if not cookie:
        return False
    try:
        return _serializer().loads(cookie) == user.id
    except BadSignature:
        return False
