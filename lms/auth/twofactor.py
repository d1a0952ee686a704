"""Two-factor authentication with TOTP (RFC 6238) and single-use recovery codes.

Officers and administrators may enrol; with ``TWO_FACTOR_REQUIRED`` they must before using the site.
Enrolment shows the secret as a QR code (SVG, made here) and as text; it takes effect once the person
types a valid code, and then shows ten recovery codes once. Codes are kept as SHA-256 hashes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets

import pyotp
import qrcode
import qrcode.image.svg
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.auth.security_log import record_security_event
from lms.database import utcnow
from lms.errors import InvalidInput

TWO_FACTOR_ROLES = ("officer", "admin")
RECOVERY_CODES = 10


def may_enrol(user) -> bool:
    return user.role in TWO_FACTOR_ROLES


def must_enrol(user) -> bool:
    return (
        bool(current_app.config.get("TWO_FACTOR_REQUIRED"))
        and user.role in TWO_FACTOR_ROLES
        and not user.two_factor_enabled
    )


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.login_name, issuer_name=current_app.config["TWO_FACTOR_ISSUER"]
    )


def qr_svg_data_uri(text: str) -> str:
    """The QR code as an SVG data URI (the CSP allows data: images; no script, no outside service)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode("ascii", "ignore")).hexdigest()


def _totp_ok(secret: str, code: str) -> bool:
    code = _normalise(code)
    return len(code) == 6 and code.isdigit() and pyotp.TOTP(secret).verify(code, valid_window=1)


def enable(user, secret: str, code: str) -> list[str]:
    """Turn TOTP on once ``code`` proves the app holds ``secret``; returns the new recovery codes."""
    if not may_enrol(user):
        raise InvalidInput(_l("Two-factor authentication is for officers and administrators."))
    if not _totp_ok(secret, code):
        raise InvalidInput(
            _l("The code does not match. Check the time on your phone and try again."), field="code"
        )
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    record_security_event("two_factor_enabled", user=user, actor=user)
    return codes


def new_recovery_codes(user) -> list[str]:
    codes = [f"{secrets.token_hex(5)[:5]}-{secrets.token_hex(5)[:5]}" for _ in range(RECOVERY_CODES)]
    user.recovery_codes = [_hash(code) for code in codes]
    return codes


def disable(user, actor) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.recovery_codes = []
    record_security_event("two_factor_disabled", user=user, actor=actor)


def verify(user, code: str, *, address: str = "") -> str | None:
    """``"totp"`` or ``"recovery_code"`` when the code is right (a recovery code is used up), else None."""
    if user.totp_secret and _totp_ok(user.totp_secret, code):
        return "totp"
    digest = _hash(code)
    remaining = list(user.recovery_codes or [])
    for stored in remaining:
        if hmac.compare_digest(stored, digest):
            remaining.remove(stored)
            user.recovery_codes = remaining
            record_security_event("recovery_code_used", user=user, address=address, left=len(remaining))
            return "recovery_code"
    record_security_event("two_factor_failed", user=user, address=address)
    return None
