"""Certificates: issued when a course is completed, revoked by customs with a reason, verified by anyone.

Issuing runs inside the transaction that completes the course (a receiver of ``course_completed``), so the
completion, the certificate and their ledger entries commit or roll back together.
"""

from __future__ import annotations

import re
import secrets
from decimal import Decimal

import sqlalchemy as sa
from blinker import Namespace
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.auth.models import User
from lms.courses.completion import course_completed
from lms.courses.models import Enrollment
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import evidence_kind, record_evidence
from lms.evidence.models import Certificate
from lms.evidence.permissions import can_revoke_certificate
from lms.extensions import db
from lms.notifications.services import notify
from lms.sessions.models import Registration, SessionExpert, TrainingSession

# No 0/O, 1/I/L: a code read aloud or typed from paper comes out right. 31**10 ≈ 8·10^14 codes.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
ATTENDED = ("present", "late")
REVOKE_REASON_MAX = 1000

signals = Namespace()
# Sent inside the issuing transaction with the new certificate (verifiable credentials are issued with it).
certificate_issued = signals.signal("certificate-issued")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str | None) -> str | None:
    """The stored form of a typed code (case, spaces and dashes ignored); None if it cannot be one."""
    code = re.sub(r"[\s\-]", "", text or "").upper()
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def verification_url(certificate: Certificate) -> str:
    return current_app.config["SITE_URL"].rstrip("/") + "/verify/" + certificate.code


def certificate_link(certificate: Certificate) -> str:
    return f"/evidence/certificates/{certificate.id}"


# -- ledger ------------------------------------------------------------------------------------------------


@evidence_kind(
    "certificate_issued",
    subject_type="certificate",
    model=Certificate,
    group="certificate",
    columns_only=True,
)
@evidence_kind(
    "certificate_revoked",
    subject_type="certificate",
    model=Certificate,
    group="certificate",
    columns_only=True,
)
def describe_certificate(certificate: Certificate) -> dict:
    """Everything printed on the certificate and its status: issue and revocation describe the same facts."""
    return {
        "code": certificate.code,
        "user_id": certificate.user_id,
        "enterprise_id": certificate.enterprise_id,
        "course_id": certificate.course_id,
        "course_version_id": certificate.course_version_id,
        "enrollment_id": certificate.enrollment_id,
        "trainee_name": certificate.trainee_name,
        "enterprise_name_en": certificate.enterprise_name_en,
        "enterprise_name_zh": certificate.enterprise_name_zh,
        "course_title": certificate.course_title,
        "hours": certificate.hours,
        "completed_at": certificate.completed_at,
        "experts": [{"id": e["id"], "name": e["name"]} for e in certificate.experts or []],
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "revoked_by_id": certificate.revoked_by_id,
        "revoke_reason": certificate.revoke_reason,
    }


# -- issuing -----------------------------------------------------------------------------------------------


def certificate_experts(enrollment, version) -> list[dict]:
    """The course owner, then the lead experts of the sessions of this course the trainee attended."""
    people: list[User] = []
    owner = enrollment.course.owner
    if owner is not None:
        people.append(owner)
    led = (
        sa.select(SessionExpert.expert_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .where(
            TrainingSession.course_id == enrollment.course_id,
            Registration.user_id == enrollment.user_id,
            Registration.attendance.in_(ATTENDED),
            SessionExpert.role == "lead",
        )
    )
    # Ordered by the name as written (not the reader's form), so the certificate lists them the same way in
    # every language it is issued from.
    leads = db.session.execute(
        sa.select(User).where(User.id.in_(led)).order_by(User.own_name, User.id)
    ).scalars()
    for lead in leads:
        if all(lead.id != p.id for p in people):
            people.append(lead)
    return [{"id": p.id, "name": p.display_name} for p in people]


def find_certificate(user_id: int, course_version_id: int) -> Certificate | None:
    return db.session.execute(
        sa.select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_version_id == course_version_id
        )
    ).scalar_one_or_none()


def issue_certificate(enrollment, version=None, actor=None) -> Certificate:
    """The certificate for this completion, created if it does not exist yet. Safe under parallel completion:
    the unique (trainee, version) constraint decides, inside a savepoint, so the loser's transaction goes
    on."""
    version = version or enrollment.completed_version or enrollment.course.published_version
    if version is None:
        raise RuleViolation(_l("This course has no published version to certify."))
    existing = find_certificate(enrollment.user_id, version.id)
    if existing is not None:
        return existing
    trainee = enrollment.user
    enterprise = trainee.enterprise
    values = dict(
        user_id=trainee.id,
        enterprise_id=enterprise.id if enterprise is not None else None,
        course_id=enrollment.course_id,
        course_version_id=version.id,
        enrollment_id=enrollment.id,
        trainee_name=trainee.display_name,
        enterprise_name_en=enterprise.name_en if enterprise is not None else "",
        enterprise_name_zh=enterprise.name_zh if enterprise is not None else "",
        course_title=version.title,
        hours=Decimal(version.hours or 0).quantize(Decimal("0.1")),
        completed_at=enrollment.completed_at or utcnow(),
        experts=certificate_experts(enrollment, version),
    )
    for _attempt in range(5):
        certificate = Certificate(code=new_code(), issued_at=utcnow(), **values)
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            existing = find_certificate(enrollment.user_id, version.id)
            if existing is not None:  # a parallel completion issued it first
                return existing
            continue  # the code was taken: draw another
        record_evidence("certificate_issued", certificate, actor)
        certificate_issued.send(certificate, actor=actor)
        return certificate
    raise RuntimeError("could not draw an unused certificate code")


@course_completed.connect
def _issue_on_completion(enrollment, actor=None, version=None, **_extra):
    issue_certificate(enrollment, version, actor)


def backfill_certificates(actor=None) -> int:
    """Issue the missing certificates of completed enrolments (for completions recorded before certificates
    existed). Returns how many were issued; a second run issues none."""
    missing = (
        sa.select(Enrollment)
        .where(Enrollment.status == "completed")
        .where(
            ~sa.exists().where(
                Certificate.user_id == Enrollment.user_id,
                Certificate.course_version_id == Enrollment.completed_version_id,
            )
        )
        .order_by(Enrollment.completed_at, Enrollment.id)
    )
    issued = 0
    for enrollment in db.session.execute(missing).scalars().all():
        version = enrollment.completed_version or enrollment.course.published_version
        if version is None:
            continue
        if find_certificate(enrollment.user_id, version.id) is not None:
            continue
        issue_certificate(enrollment, version, actor)
        issued += 1
    return issued


# -- revocation ----------------------------------------------------------------------------------------------


def revoke_certificate(actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke with a reason: recorded in the ledger, the trainee is told. A certificate is revoked once."""
    if not can_revoke_certificate(actor, certificate):
        raise NotPermitted(_l("You may not revoke this certificate."))
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for revoking the certificate."), field="reason")
    if len(reason) > REVOKE_REASON_MAX:
        raise InvalidInput(_l("The reason is too long."), field="reason")
    # Conditional update: of two officers revoking at once, exactly one succeeds.
    changed = db.session.execute(
        sa.update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_by_id=actor.id, revoke_reason=reason)
        .execution_options(synchronize_session=False, lms_page_owner=certificate.user_id)
    ).rowcount
    if changed != 1:
        raise RuleViolation(_l("This certificate has already been revoked."))
    db.session.refresh(certificate)
    record_evidence("certificate_revoked", certificate, actor)
    notify(
        certificate.user,
        "certificate_revoked",
        _l("Your certificate for “%(course)s” has been revoked"),
        _l("Your certificate %(code)s for “%(course)s” was revoked. Reason: %(reason)s"),
        link=certificate_link(certificate),
        course=certificate.course_title,
        code=display_code(certificate.code),
        reason=reason,
    )
    return certificate
