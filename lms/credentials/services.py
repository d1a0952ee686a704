"""Issuing credentials: an Open Badges 3.0 ``OpenBadgeCredential`` for each certificate, secured as a JWT
(VC-JOSE-COSE, ``EdDSA``) with the training center's active key, with a revocation entry in a Bitstring Status
List that the application publishes and signs.

A credential is issued in the transaction that issues its certificate (a receiver of ``certificate_issued``).
When no signing key is set up the certificate is issued alone and ``credentials backfill`` issues the
credential later; development makes a key on first use instead (``CREDENTIALS_AUTO_KEYGEN``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import sqlalchemy as sa
from babel import support
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from lms.config import setting
from lms.credentials import statuslist
from lms.credentials.keys import Keyring, KeySet, SigningKeyMissing, ensure_signing_key, site_did
from lms.credentials.models import Credential, CredentialStatusList
from lms.database import utcnow
from lms.evidence.models import Certificate
from lms.evidence.services import certificate_issued, display_code, verification_url
from lms.extensions import db

log = logging.getLogger(__name__)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
MEDIA_TYPE = "application/vc+jwt"
BADGE_IMAGE = "img/credential-badge.png"
# After this many draws that all hit taken indexes, a list counts as full and a new one is opened.
DRAWS_BEFORE_FULL = 8


# -- settings ------------------------------------------------------------------------------------------------


def site_url() -> str:
    return str(current_app.config["SITE_URL"]).rstrip("/")


def issuer_did() -> str:
    return site_did(site_url())


def key_directory() -> str:
    return str(current_app.config["CREDENTIALS_KEY_DIR"])


def signing_keyring() -> Keyring:
    """The keyring with its active private key; :class:`SigningKeyMissing` when none is set up (development
    makes one)."""
    return ensure_signing_key(
        key_directory(), auto_generate=bool(current_app.config["CREDENTIALS_AUTO_KEYGEN"])
    )


def published_keyring() -> Keyring:
    return Keyring.load(key_directory())


def trusted_keys() -> KeySet:
    return KeySet.from_keyring(published_keyring(), issuer_did())


def status_list_url(list_id: int) -> str:
    return f"{site_url()}/credentials/status/{list_id}"


def share_url(credential: Credential) -> str:
    return f"{site_url()}/verify/credential/{credential.share_token}"


# -- building ------------------------------------------------------------------------------------------------


def timestamp(value: datetime) -> str:
    """XML Schema dateTime in UTC, whole seconds (a JWT's NumericDate has no fractions)."""
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def whole_seconds(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def subject_id(user_id: int) -> str:
    """A stable, opaque identifier of the trainee for every credential they receive (an HMAC of the user id,
    shaped as a UUID), so credentials name no database id."""
    key = setting("CREDENTIALS_SUBJECT_KEY") or current_app.config["SECRET_KEY"]
    digest = hmac.new(key.encode(), f"credential-subject:{user_id}".encode(), hashlib.sha256).digest()
    return f"urn:uuid:{uuid.UUID(bytes=digest[:16], version=4)}"


def N_(message: str) -> str:  # noqa: N802 - the name pybabel extracts by default
    """Mark a message for extraction; :func:`_bilingual` translates it."""
    return message


@functools.cache
def _catalog(directory: str, locale: str) -> support.NullTranslations:
    return support.Translations.load(directory, [locale])


def _bilingual(message: str, **params) -> str:
    """A text in English and Chinese (the credential is read far from this site, in either language), from
    the application's catalog whatever the reader's language."""
    directory = os.path.join(current_app.root_path, "translations")
    texts = []
    for locale in ("en", "zh_CN"):
        text = _catalog(directory, locale).gettext(message)
        text = text % params if params else text
        if text not in texts:
            texts.append(text)
    return " / ".join(texts)


def credential_payload(
    certificate: Certificate, credential: Credential, status_list: CredentialStatusList
) -> dict:
    """The JWT claims set: the OpenBadgeCredential itself plus the registered claims Open Badges 3.0 asks
    for (``iss``, ``jti``, ``sub``, ``nbf`` and ``exp`` mirror the credential's own properties)."""
    did = credential.issuer
    site = site_url()
    hours = format(certificate.hours.normalize(), "f") if certificate.hours is not None else "0"
    course = certificate.course
    course_url = f"{site}/courses/{course.slug}" if course is not None else site
    issuer = {
        "id": did,
        "type": ["Profile"],
        "name": current_app.config["CREDENTIALS_ISSUER_NAME"],
        "url": site,
    }
    achievement = {
        "id": f"{course_url}#version-{certificate.course_version_id}",
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": certificate.course_title,
        "description": _bilingual(
            N_("Completion of the course “%(course)s” (%(hours)s hours) at the AEO Training Center."),
            course=certificate.course_title,
            hours=hours,
        ),
        "criteria": {
            "id": course_url,
            "narrative": _bilingual(
                N_(
                    "Complete every requirement of the course (lessons, quizzes and sessions) as its "
                    "completion rules define."
                )
            ),
        },
        "image": {"id": f"{site}/static/{BADGE_IMAGE}", "type": "Image"},
        "humanCode": course.slug if course is not None else str(certificate.course_id),
    }
    enterprise = certificate.enterprise_name_en or certificate.enterprise_name_zh
    narrative = _bilingual(
        N_("Certificate %(code)s, recorded in the training center's evidence ledger."),
        code=display_code(certificate.code),
    )
    if enterprise:
        names = (certificate.enterprise_name_en, certificate.enterprise_name_zh)
        narrative += "\n" + _bilingual(N_("Enterprise: %(name)s"), name=" / ".join(n for n in names if n))
    if certificate.expert_names:
        narrative += "\n" + _bilingual(N_("Experts: %(names)s"), names=", ".join(certificate.expert_names))
    payload = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential.uid,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.course_title,
        "description": _bilingual(N_("Certificate of completion")),
        "issuer": issuer,
        "validFrom": timestamp(credential.valid_from),
        "awardedDate": timestamp(certificate.completed_at),
        "credentialSubject": {
            "id": credential.subject_id,
            "type": ["AchievementSubject"],
            "activityEndDate": timestamp(certificate.completed_at),
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.trainee_name,
                }
            ],
            "achievement": achievement,
        },
        "evidence": [
            {
                "id": verification_url(certificate),
                "type": ["Evidence"],
                "name": _bilingual(N_("Certificate of completion")),
                "narrative": narrative,
            }
        ],
        "credentialStatus": {
            "id": f"{status_list_url(status_list.id)}#{credential.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": status_list.purpose,
            "statusListIndex": str(credential.status_index),
            "statusListCredential": status_list_url(status_list.id),
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
        "iss": did,
        "jti": credential.uid,
        "sub": credential.subject_id,
        "nbf": int(credential.valid_from.timestamp()),
    }
    if credential.valid_until is not None:
        payload["validUntil"] = timestamp(credential.valid_until)
        payload["exp"] = int(credential.valid_until.timestamp())
    return payload


def sign(payload: dict, keyring: Keyring, did: str) -> str:
    """A compact JWS: header ``{"alg": "EdDSA", "kid": <DID URL of the key>, "typ": "JWT"}`` (the header
    Open Badges 3.0 allows), the claims set as the payload."""
    entry = keyring.active_entry
    if entry is None:
        raise SigningKeyMissing("no active key")
    return jwt.encode(payload, keyring.private_key(), algorithm="EdDSA", headers={"kid": entry.kid(did)})


# -- issuing -------------------------------------------------------------------------------------------------


def credential_for(certificate_id: int) -> Credential | None:
    return db.session.execute(
        sa.select(Credential).where(Credential.certificate_id == certificate_id)
    ).scalar_one_or_none()


def _open_status_list() -> CredentialStatusList:
    status_list = db.session.execute(
        sa.select(CredentialStatusList)
        .where(CredentialStatusList.full.is_(False), CredentialStatusList.purpose == "revocation")
        .order_by(CredentialStatusList.id)
        .limit(1)
    ).scalar_one_or_none()
    if status_list is None:
        status_list = CredentialStatusList(
            purpose="revocation", size=statuslist.LIST_SIZE, created_at=utcnow()
        )
        db.session.add(status_list)
        db.session.flush()
    return status_list


def issue_credential(certificate: Certificate, keyring: Keyring | None = None) -> Credential:
    """The credential of ``certificate``, issued now if it has none. Raises :class:`SigningKeyMissing` when
    there is no key to sign with. The status index is drawn at random (so that neighbouring indexes say
    nothing about issue order); a draw that hits a taken index, inside a savepoint, is drawn again."""
    existing = credential_for(certificate.id)
    if existing is not None:
        return existing
    keyring = keyring or signing_keyring()
    did = issuer_did()
    entry = keyring.active_entry
    valid_from = whole_seconds(certificate.issued_at or utcnow())
    days = setting("CREDENTIALS_VALID_DAYS")
    valid_until = valid_from + timedelta(days=days) if days > 0 else None
    misses = 0
    for _attempt in range(4 * DRAWS_BEFORE_FULL):
        status_list = _open_status_list()
        credential = Credential(
            uid=f"urn:uuid:{uuid.uuid4()}",
            certificate_id=certificate.id,
            subject_id=subject_id(certificate.user_id),
            issuer=did,
            key_id=entry.kid(did),
            status_list_id=status_list.id,
            status_index=secrets.randbelow(status_list.size),
            valid_from=valid_from,
            valid_until=valid_until,
            issued_at=utcnow(),
        )
        credential.jws = sign(credential_payload(certificate, credential, status_list), keyring, did)
        try:
            with db.session.begin_nested():
                db.session.add(credential)
        except IntegrityError:
            existing = credential_for(certificate.id)
            if existing is not None:  # issued in parallel
                return existing
            misses += 1
            if misses >= DRAWS_BEFORE_FULL:
                status_list.full = True
                db.session.flush()
                misses = 0
            continue
        return credential
    raise RuntimeError("could not draw a free status list index")


@certificate_issued.connect
def _issue_with_certificate(certificate: Certificate, **_extra) -> None:
    try:
        issue_credential(certificate)
    except SigningKeyMissing:
        log.warning(
            "certificate %s issued without a verifiable credential: no signing key "
            "(run `credentials keygen`, then `credentials backfill`)",
            certificate.code,
        )


def certificates_without_credential():
    """Valid certificates that have no credential yet (revoked ones never get one)."""
    return (
        sa.select(Certificate)
        .outerjoin(Credential, Credential.certificate_id == Certificate.id)
        .where(Credential.id.is_(None), Certificate.revoked_at.is_(None))
        .order_by(Certificate.id)
    )


def backfill_credentials(limit: int | None = None) -> int:
    """Issue the missing credentials (at most ``limit``); returns how many. Raises :class:`SigningKeyMissing`
    before writing anything when there is no key."""
    keyring = signing_keyring()
    stmt = certificates_without_credential()
    if limit:
        stmt = stmt.limit(limit)
    issued = 0
    for certificate in db.session.execute(stmt).scalars().all():
        issue_credential(certificate, keyring)
        issued += 1
    return issued


# -- status lists --------------------------------------------------------------------------------------------


def revoked_indices(status_list_id: int) -> list[int]:
    return list(
        db.session.execute(
            sa.select(Credential.status_index)
            .join(Certificate, Certificate.id == Credential.certificate_id)
            .where(Credential.status_list_id == status_list_id, Certificate.revoked_at.is_not(None))
            .order_by(Credential.status_index)
        ).scalars()
    )


def is_revoked(status_list_id: int, index: int) -> bool:
    return (
        db.session.execute(
            sa.select(Credential.id)
            .join(Certificate, Certificate.id == Credential.certificate_id)
            .where(
                Credential.status_list_id == status_list_id,
                Credential.status_index == index,
                Certificate.revoked_at.is_not(None),
            )
        ).first()
        is not None
    )


def status_list_jws(status_list: CredentialStatusList) -> str:
    """The list as a signed ``BitstringStatusListCredential``. It is derived from the certificates, valid from
    the last change, and signing is deterministic, so the same state always gives the same bytes."""
    keyring = signing_keyring()
    did = issuer_did()
    last_revocation = db.session.execute(
        sa.select(sa.func.max(Certificate.revoked_at))
        .join(Credential, Credential.certificate_id == Certificate.id)
        .where(Credential.status_list_id == status_list.id)
    ).scalar()
    changed = max(value for value in (status_list.created_at, last_revocation) if value is not None)
    url = status_list_url(status_list.id)
    payload = {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did,
        "validFrom": timestamp(changed),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": statuslist.encode(revoked_indices(status_list.id), status_list.size),
        },
        "iss": did,
        "jti": url,
        "nbf": int(whole_seconds(changed).timestamp()),
    }
    return sign(payload, keyring, did)


def local_status_checker(entry: dict):
    """Status of an entry in one of this site's lists, read from the certificates (what the published list
    says, without fetching it)."""
    from lms.credentials.verify import FAILED, Check, entry_index, revocation_check

    prefix = f"{site_url()}/credentials/status/"
    url = entry["statusListCredential"]
    number = url[len(prefix) :] if url.startswith(prefix) else ""
    status_list = (
        db.session.get(CredentialStatusList, int(number)) if number.isdigit() and len(number) < 10 else None
    )
    index = entry_index(entry)
    if status_list is None or index is None or index >= status_list.size:
        return Check(
            "status",
            FAILED,
            _("The credential's status is kept in a list this site does not publish (%(url)s).", url=url),
        )
    if entry.get("statusPurpose") != status_list.purpose:
        return Check("status", FAILED, _("The status list has another purpose than the credential's entry."))
    return revocation_check(is_revoked(status_list.id, index), utcnow())


def verify_here(data: bytes | str):
    """Check a submitted credential with this site's published keys and status lists."""
    from lms.credentials.verify import verify_input

    return verify_input(
        data, trusted_keys(), expected_issuer=issuer_did(), status_checker=local_status_checker
    )


def find_credential(token: str) -> Credential | None:
    """The credential whose public address ends in ``token`` (its uuid); None for anything else."""
    try:
        uid = f"urn:uuid:{uuid.UUID(token)}"
    except (ValueError, TypeError):
        return None
    return db.session.execute(sa.select(Credential).where(Credential.uid == uid)).scalar_one_or_none()


def enveloped(credential: Credential) -> dict:
    """The credential as VCDM 2.0 JSON: an EnvelopedVerifiableCredential holding the JWT in a data: URL."""
    return {
        "@context": [VC_CONTEXT],
        "id": f"data:{MEDIA_TYPE},{credential.jws}",
        "type": "EnvelopedVerifiableCredential",
    }


def baked_badge(credential: Credential) -> bytes:
    from lms.credentials.baking import bake

    image = Path(current_app.static_folder) / BADGE_IMAGE
    return bake(image.read_bytes(), credential.jws)
