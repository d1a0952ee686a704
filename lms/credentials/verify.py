"""Checking a credential: signature, issuer, validity period (expiry) and revocation status, each reported on
its own so that a person learns which check failed.

Nothing here touches the database or the network: the trusted keys and the way to learn a credential's status
are given by the caller (the public page uses the site's own keys and status lists, the offline command a
keys file and, if given, a downloaded status list).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import jwt
from flask_babel import format_datetime
from flask_babel import gettext as _

from lms.core import clock
from lms.credentials import baking, statuslist
from lms.credentials.keys import KeySet

COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
ENVELOPE_PREFIX = "data:application/vc+jwt,"
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential"}
MAX_INPUT = 2 * 1024 * 1024

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


class CredentialFormatError(ValueError):
    """The input holds no credential this verifier can read (the message says why, translated)."""


@dataclass
class Check:
    name: str  # signature, issuer, validity, status
    outcome: str  # passed, failed, skipped
    message: str


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)
    credential: dict | None = None
    header: dict | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(check.outcome != FAILED for check in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if check.outcome == FAILED]

    @property
    def complete(self) -> bool:
        """Every check was made (none skipped)."""
        return all(check.outcome != SKIPPED for check in self.checks)

    def check(self, name: str) -> Check | None:
        return next((check for check in self.checks if check.name == name), None)


CHECK_LABELS = {
    "signature": lambda: _("Signature"),
    "issuer": lambda: _("Issuer"),
    "validity": lambda: _("Validity period"),
    "status": lambda: _("Revocation status"),
}


def check_label(name: str) -> str:
    label = CHECK_LABELS.get(name)
    return label() if label else name


# -- reading -------------------------------------------------------------------------------------------------


def read_credential(data: bytes | str) -> str:
    """The compact JWS in ``data``: a JWT, a VCDM 2.0 ``EnvelopedVerifiableCredential`` JSON, or a PNG badge
    with the credential baked in. :class:`CredentialFormatError` otherwise."""
    if isinstance(data, bytes):
        if len(data) > MAX_INPUT:
            raise CredentialFormatError(_("The file is too large to be a credential."))
        if data.startswith(baking.PNG_SIGNATURE):
            try:
                return read_credential(baking.extract(data))
            except baking.BakingError as exc:
                raise CredentialFormatError(
                    _("The image carries no readable credential (%(reason)s).", reason=str(exc))
                ) from exc
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CredentialFormatError(
                _("The file is neither a credential (JSON or JWT) nor a PNG badge.")
            ) from exc
    text = data.strip()
    if not text:
        raise CredentialFormatError(_("Paste a credential or choose a file."))
    if len(text) > MAX_INPUT:
        raise CredentialFormatError(_("The file is too large to be a credential."))
    if COMPACT_JWS.match(text):
        return text
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError as exc:
            raise CredentialFormatError(_("The text is not valid JSON.")) from exc
        return _token_from_json(document)
    raise CredentialFormatError(_("The file is neither a credential (JSON or JWT) nor a PNG badge."))


def _token_from_json(document) -> str:
    if not isinstance(document, dict):
        raise CredentialFormatError(_("The JSON is not a credential."))
    types = document.get("type")
    types = {types} if isinstance(types, str) else set(types or [])
    identifier = document.get("id")
    if "EnvelopedVerifiableCredential" in types and isinstance(identifier, str):
        if identifier.startswith(ENVELOPE_PREFIX) and COMPACT_JWS.match(identifier[len(ENVELOPE_PREFIX) :]):
            return identifier[len(ENVELOPE_PREFIX) :]
        raise CredentialFormatError(_("The enveloped credential does not hold a JWT."))
    if "VerifiableCredential" in types:
        if document.get("proof"):
            raise CredentialFormatError(
                _(
                    "This credential carries an embedded proof; this verifier checks JWT-secured "
                    "credentials only."
                )
            )
        raise CredentialFormatError(_("This credential is not signed: it has no proof and is not a JWT."))
    raise CredentialFormatError(_("The JSON is not a credential."))


def unverified_parts(token: str) -> tuple[dict, dict]:
    """Header and claims of a compact JWS, without checking anything."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise CredentialFormatError(_("The JWT cannot be decoded.")) from exc
    if not isinstance(claims, dict):
        raise CredentialFormatError(_("The JWT does not hold a credential."))
    return header, claims


def _verify_signature(token: str, header: dict, keys: KeySet) -> Check:
    algorithm, kid = header.get("alg"), header.get("kid")
    if algorithm != "EdDSA":
        return Check(
            "signature",
            FAILED,
            _("The credential is signed with %(alg)s; only EdDSA (Ed25519) is accepted.", alg=str(algorithm)),
        )
    if not isinstance(kid, str) or kid not in keys.keys:
        return Check(
            "signature",
            FAILED,
            _(
                "The credential was signed with a key that is not one of the "
                "issuer's published keys (%(kid)s).",
                kid=str(kid),
            ),
        )
    try:
        jwt.decode(
            token,
            keys.keys[kid],
            algorithms=["EdDSA"],
            options={
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
                "verify_sub": False,
                "verify_jti": False,
            },
        )
    except jwt.InvalidSignatureError:
        return Check(
            "signature",
            FAILED,
            _(
                "The signature does not match: the credential was changed after it was signed, or it was not "
                "signed with the issuer's key."
            ),
        )
    except jwt.PyJWTError as exc:
        return Check("signature", FAILED, _("The signature cannot be checked (%(reason)s).", reason=str(exc)))
    return Check("signature", PASSED, _("Signed with the issuer's key %(kid)s.", kid=kid))


def _issuer_id(claims: dict) -> str | None:
    issuer = claims.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def _check_issuer(claims: dict, header: dict, expected: str | None) -> Check:
    issuer = _issuer_id(claims)
    if issuer is None:
        return Check("issuer", FAILED, _("The credential names no issuer."))
    if claims.get("iss") != issuer:
        return Check("issuer", FAILED, _("The JWT's issuer claim does not match the credential's issuer."))
    if expected and issuer != expected:
        return Check(
            "issuer",
            FAILED,
            _(
                "Issued by %(issuer)s, not by the training center (%(expected)s).",
                issuer=issuer,
                expected=expected,
            ),
        )
    kid = header.get("kid")
    if not isinstance(kid, str) or kid.split("#", 1)[0] != issuer:
        return Check(
            "issuer", FAILED, _("The signing key does not belong to the issuer %(issuer)s.", issuer=issuer)
        )
    return Check("issuer", PASSED, _("Issued by %(issuer)s.", issuer=issuer))


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _check_validity(claims: dict, now: datetime) -> Check:
    valid_from = _parse_time(claims.get("validFrom"))
    if valid_from is None:
        return Check("validity", FAILED, _("The credential has no valid start date."))
    nbf = claims.get("nbf")
    if not isinstance(nbf, int | float) or int(nbf) != int(valid_from.timestamp()):
        return Check(
            "validity", FAILED, _("The JWT's start claim does not match the credential's start date.")
        )
    if now < valid_from:
        return Check(
            "validity",
            FAILED,
            _("The credential is not valid before %(date)s.", date=format_datetime(valid_from)),
        )
    until_text = claims.get("validUntil")
    if until_text is None:
        if "exp" in claims:
            return Check("validity", FAILED, _("The JWT's expiry claim does not match the credential."))
        return Check(
            "validity",
            PASSED,
            _("Valid since %(date)s, with no expiry date.", date=format_datetime(valid_from)),
        )
    valid_until = _parse_time(until_text)
    exp = claims.get("exp")
    if valid_until is None or not isinstance(exp, int | float) or int(exp) != int(valid_until.timestamp()):
        return Check("validity", FAILED, _("The JWT's expiry claim does not match the credential."))
    if now >= valid_until:
        return Check(
            "validity", FAILED, _("The credential expired on %(date)s.", date=format_datetime(valid_until))
        )
    return Check(
        "validity",
        PASSED,
        _(
            "Valid from %(start)s until %(end)s.",
            start=format_datetime(valid_from),
            end=format_datetime(valid_until),
        ),
    )


def status_entry(claims: dict) -> dict | None:
    status = claims.get("credentialStatus")
    if isinstance(status, list):
        status = next(
            (item for item in status if isinstance(item, dict) and item.get("statusPurpose") == "revocation"),
            None,
        )
    return status if isinstance(status, dict) else None


def entry_index(entry: dict) -> int | None:
    value = entry.get("statusListIndex")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


StatusChecker = Callable[[dict], Check]


def _check_status(claims: dict, status_checker: StatusChecker | None, offline_note: str | None) -> Check:
    entry = status_entry(claims)
    if entry is None:
        return Check("status", SKIPPED, _("The credential has no revocation status entry."))
    if (
        entry.get("type") != "BitstringStatusListEntry"
        or entry_index(entry) is None
        or not isinstance(entry.get("statusListCredential"), str)
    ):
        return Check(
            "status", FAILED, _("The credential's status entry is not a valid Bitstring Status List entry.")
        )
    if status_checker is None:
        return Check("status", SKIPPED, offline_note or _("Revocation status not checked."))
    return status_checker(entry)


def verify_token(
    token: str,
    keys: KeySet,
    *,
    expected_issuer: str | None,
    status_checker: StatusChecker | None = None,
    offline_note: str | None = None,
    now: datetime | None = None,
) -> Report:
    """Check a compact JWS credential. :class:`CredentialFormatError` when it cannot be read at all."""
    header, claims = unverified_parts(token)
    types = claims.get("type")
    types = {types} if isinstance(types, str) else set(types if isinstance(types, list) else [])
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
        raise CredentialFormatError(_("The JWT does not hold an Open Badges credential."))
    now = now or clock.now()
    report = Report(credential=claims, header=header)
    report.checks.append(_verify_signature(token, header, keys))
    report.checks.append(_check_issuer(claims, header, expected_issuer))
    report.checks.append(_check_validity(claims, now))
    report.checks.append(_check_status(claims, status_checker, offline_note))
    return report


def verify_input(data: bytes | str, keys: KeySet, **options) -> Report:
    return verify_token(read_credential(data), keys, **options)


# -- status from a downloaded status list (offline) ----------------------------------------------------------


class StatusListFile:
    """A status list credential (the signed JWT served at its ``statusListCredential`` address), checked with
    the same trusted keys before its bits are believed."""

    def __init__(self, token: str, keys: KeySet, expected_issuer: str | None, now: datetime | None = None):
        self.token = token.strip()
        self.keys = keys
        self.expected_issuer = expected_issuer
        self.now = now or clock.now()

    def __call__(self, entry: dict) -> Check:
        try:
            header, claims = unverified_parts(self.token)
        except CredentialFormatError:
            return Check("status", FAILED, _("The status list file cannot be read."))
        signature = _verify_signature(self.token, header, self.keys)
        if signature.outcome != PASSED:
            return Check(
                "status",
                FAILED,
                _("The status list is not signed by the issuer: %(reason)s", reason=signature.message),
            )
        issuer = _check_issuer(claims, header, self.expected_issuer)
        if issuer.outcome != PASSED:
            return Check("status", FAILED, _("The status list: %(reason)s", reason=issuer.message))
        if claims.get("id") != entry["statusListCredential"]:
            return Check(
                "status",
                FAILED,
                _(
                    "The status list file is %(given)s, but the credential's status is kept in %(wanted)s.",
                    given=str(claims.get("id")),
                    wanted=entry["statusListCredential"],
                ),
            )
        subject = claims.get("credentialSubject")
        if not isinstance(subject, dict) or subject.get("statusPurpose") != entry.get("statusPurpose"):
            return Check(
                "status", FAILED, _("The status list has another purpose than the credential's entry.")
            )
        try:
            revoked = statuslist.bit(statuslist.decode(subject.get("encodedList")), entry_index(entry))
        except statuslist.StatusListError as exc:
            return Check("status", FAILED, _("The status list cannot be read (%(reason)s).", reason=str(exc)))
        return revocation_check(revoked, _parse_time(claims.get("validFrom")))


def revocation_check(revoked: bool, as_of: datetime | None) -> Check:
    when = format_datetime(as_of) if as_of else "—"
    if revoked:
        return Check(
            "status", FAILED, _("The credential has been revoked (status list of %(date)s).", date=when)
        )
    return Check("status", PASSED, _("Not revoked (status list of %(date)s).", date=when))
