"""Privacy rules: who opened whose records, pseudonymisation (retention and deletion requests).

Pseudonymising a person removes what identifies them — names, login, email, free text they wrote or that
was written about them — and keeps every fact the reports and the evidence ledger count (enrolments,
attempts and their marks, attendance, feedback scores, certificates) under a stable pseudonym. Rows keep
their ids, so every report figure is the same before and after. The ledger is append-only and its hashes
cover each payload: entries carry ids, and certificate entries also the name printed on the certificate;
those are never rewritten. Instead each certificate gets a ``certificate_pseudonymised`` entry whose payload
holds only ids, the pseudonym and the certificate's facts; it becomes the entry the record is checked
against, so ``evidence verify`` passes before and after. Pages that show older payloads show the pseudonym
in place of the name (see :func:`mask_payload`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.security_log import SecurityEvent, record_security_event
from lms.config import setting
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import evidence_kind, record_evidence
from lms.evidence.models import Certificate
from lms.extensions import db
from lms.privacy.models import ACCESS_KINDS, DeletionRequest, RecordAccess

REASON_MAX = 2000
PSEUDONYM_PREFIX = "P-"
# Payload fields of older ledger entries that hold a trainee's name.
NAME_FIELDS = ("trainee_name",)


# -- who opened whose records --------------------------------------------------------------------------------


def record_access(actor, subject, kind: str) -> RecordAccess | None:
    """Log that ``actor`` opened ``subject``'s records (not people's own, nor staff accounts)."""
    if kind not in ACCESS_KINDS:
        raise ValueError(f"unknown record access kind {kind!r}")
    if actor is None or subject is None or getattr(actor, "id", None) == subject.id:
        return None
    if subject.role != "trainee" or actor.role not in ("officer", "expert", "admin"):
        return None
    entry = RecordAccess(
        at=utcnow(),
        actor_id=actor.id,
        actor_role=actor.role,
        subject_id=subject.id,
        kind=kind,
        path=(request.path if has_request_context() else "")[:300],
    )
    db.session.add(entry)
    return entry


def log_access_now(actor, subject, kind: str) -> None:
    """Record an access from a page that otherwise only reads, in a transaction of its own."""
    if record_access(actor, subject, kind) is not None:
        db.session.commit()


# -- pseudonyms ----------------------------------------------------------------------------------------------


def pseudonym_for(user_id: int) -> str:
    """A stable pseudonym: the same person always gets the same one, and it cannot be turned back into the id
    without the key (``LMS_PRIVACY_PSEUDONYM_KEY``, by default ``SECRET_KEY``)."""
    key = (setting("PRIVACY_PSEUDONYM_KEY") or current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(key, f"pseudonym:{user_id}".encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:10].upper()


@evidence_kind(
    "certificate_pseudonymised",
    subject_type="certificate",
    model=Certificate,
    group="certificate",
    columns_only=True,
)
def describe_pseudonymised_certificate(certificate: Certificate) -> dict:
    """The certificate's facts without its holder's identity: ids, the pseudonym, what it certifies."""
    return {
        "code": certificate.code,
        "user_id": certificate.user_id,
        "enterprise_id": certificate.enterprise_id,
        "course_id": certificate.course_id,
        "course_version_id": certificate.course_version_id,
        "enrollment_id": certificate.enrollment_id,
        "holder": certificate.trainee_name,  # the pseudonym
        "course_title": certificate.course_title,
        "hours": certificate.hours,
        "completed_at": certificate.completed_at,
        "expert_ids": [e["id"] for e in certificate.experts or []],
        "issued_at": certificate.issued_at,
        "revoked_at": certificate.revoked_at,
        "revoked_by_id": certificate.revoked_by_id,
        "revoke_reason": certificate.revoke_reason,
    }


def mask_payload(payload: dict) -> dict:
    """A ledger payload as pages may show it: a pseudonymised person's name replaced by their pseudonym."""
    user_id = payload.get("user_id")
    if not isinstance(user_id, int) or not any(field in payload for field in NAME_FIELDS):
        return payload
    pseudonym = db.session.execute(
        sa.select(User.pseudonym).where(User.id == user_id, User.pseudonymised_at.is_not(None))
    ).scalar_one_or_none()
    if pseudonym is None:
        return payload
    return {key: (pseudonym if key in NAME_FIELDS else value) for key, value in payload.items()}


REASONS = {"inactive": "inactive", "left": "left the enterprise", "request": "deletion request"}


def pseudonymise(user: User, *, reason: str, actor=None) -> bool:
    """Remove ``user``'s identity and free text, keeping their results under a pseudonym. The caller commits.

    Returns False when the person was pseudonymised already. Only trainees are pseudonymised: staff accounts
    (officers, experts, administrators) sign official acts and are kept under the customs' own rules.
    """
    if user.pseudonymised_at is not None:
        return False
    if user.role != "trainee":
        raise RuleViolation(_l("Only trainees' personal information is pseudonymised here."))
    if reason not in REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    pseudonym = pseudonym_for(user.id)
    # Name and email as written in messages to others (a login name like "trainee" is a common word).
    old_names = {n for n in (user.own_name, user.name_en, user.email) if n}
    _clear_notifications(user.id, old_names, pseudonym)
    _clear_free_text(user.id)
    certificates = _pseudonymise_certificates(user.id, pseudonym)
    _clear_account(user, pseudonym)
    db.session.flush()
    for certificate in certificates:
        record_evidence("certificate_pseudonymised", certificate, actor)
    record_security_event("pseudonymised", user=user, actor=actor, reason=REASONS[reason])
    return True


def _clear_notifications(user_id: int, old_names: set[str], pseudonym: str) -> None:
    from lms.notifications.models import Notification

    # Notifications to other people that name this person: the name becomes the pseudonym.
    _rename_in_notifications(user_id, old_names, pseudonym)
    # Their own notifications (and the emails waiting for them) go: they are messages to a person who is gone.
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user_id))


def _clear_free_text(user_id: int) -> None:
    """Free text written by or about them, their sign-in throttle and calendar feed."""
    from lms.auth.throttle import LoginThrottle
    from lms.quizzes.models import Attempt, AttemptQuestion, QuestionVersion
    from lms.quizzes.qtypes import QUESTION_TYPES
    from lms.sessions.models import CalendarToken, Registration, SessionFeedback

    registrations = sa.select(Registration.id).where(Registration.user_id == user_id)
    db.session.execute(
        sa.update(SessionFeedback)
        .where(SessionFeedback.registration_id.in_(registrations))
        .values(comment="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(Registration)
        .where(Registration.user_id == user_id)
        .values(decision_note="")
        .execution_options(synchronize_session=False)
    )
    free_text_types = [name for name, qtype in QUESTION_TYPES.items() if not qtype.auto_graded]
    essay_answers = (
        sa.select(AttemptQuestion.id)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .join(QuestionVersion, QuestionVersion.id == AttemptQuestion.question_version_id)
        .where(Attempt.user_id == user_id, QuestionVersion.qtype.in_(free_text_types))
    )
    db.session.execute(
        sa.update(AttemptQuestion)
        .where(AttemptQuestion.id.in_(essay_answers))
        .values(response=None, feedback="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(DeletionRequest)
        .where(DeletionRequest.user_id == user_id)
        .values(reason="", decision_note="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        sa.update(SecurityEvent)
        .where(SecurityEvent.user_id == user_id)
        .values(identifier="", address="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.user_id == user_id))
    db.session.execute(sa.delete(CalendarToken).where(CalendarToken.user_id == user_id))


def _pseudonymise_certificates(user_id: int, pseudonym: str) -> list[Certificate]:
    """Certificates carry the pseudonym; their credentials (signed with the name inside) are not served."""
    from lms.credentials.models import Credential

    certificates = (
        db.session.execute(sa.select(Certificate).where(Certificate.user_id == user_id)).scalars().all()
    )
    for certificate in certificates:
        certificate.trainee_name = pseudonym
    db.session.execute(
        sa.update(Credential)
        .where(Credential.certificate_id.in_([c.id for c in certificates] or [0]))
        .values(jws="")
        .execution_options(synchronize_session=False)
    )
    return certificates


def _clear_account(user: User, pseudonym: str) -> None:
    """The account itself: no name, no contact, no way to sign in."""
    user.display_name = pseudonym
    user.login_name = pseudonym.lower()
    user.email = f"{pseudonym.lower()}@pseudonymised.invalid"
    user.password_hash = "!" + secrets.token_hex(16)  # matches no password
    user.active = False
    user.totp_secret = None
    user.totp_enabled_at = None
    user.recovery_codes = []
    user.timezone = None
    user.preferred_language = None
    user.pseudonym = pseudonym
    user.pseudonymised_at = utcnow()


def _rename_in_notifications(user_id: int, names: set[str], pseudonym: str) -> None:
    from lms.notifications.models import Notification

    display = [n for n in names if len(n) >= 2]
    if not display:
        return
    mentions = sa.or_(
        *[
            sa.or_(
                Notification.title.contains(n, autoescape=True),
                Notification.body.contains(n, autoescape=True),
            )
            for n in display
        ]
    )
    rows = db.session.execute(
        sa.select(Notification).where(Notification.user_id != user_id, mentions)
    ).scalars()
    for notification in rows:
        notification.title = _replace_all(notification.title, display, pseudonym)
        notification.body = _replace_all(notification.body, display, pseudonym)
        notification.params = json.loads(
            _replace_all(json.dumps(notification.params or {}, ensure_ascii=False), display, pseudonym)
        )


def _replace_all(text: str, names: list[str], pseudonym: str) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = (text or "").replace(name, pseudonym)
    return text


# -- retention -----------------------------------------------------------------------------------------------


def retention_candidates(today: date | None = None) -> list[tuple[User, str]]:
    """Trainees due for pseudonymisation: inactive past ``PRIVACY_INACTIVE_DAYS`` (no sign-in, or never
    signed in since the account was made) or left their enterprise more than ``PRIVACY_LEAVER_DAYS`` ago."""
    now = utcnow()
    today = today or now.date()
    inactive_days = setting("PRIVACY_INACTIVE_DAYS")
    leaver_days = setting("PRIVACY_LEAVER_DAYS")
    base = sa.select(User).where(User.role == "trainee", User.pseudonymised_at.is_(None))
    found: dict[int, tuple[User, str]] = {}
    left_before = today - timedelta(days=leaver_days)
    for user in db.session.execute(
        base.where(User.left_enterprise_on.is_not(None), User.left_enterprise_on <= left_before).order_by(
            User.id
        )
    ).scalars():
        found[user.id] = (user, "left")
    if inactive_days > 0:
        cutoff = datetime.combine(today, time.min, tzinfo=UTC) - timedelta(days=inactive_days)
        last_seen = sa.func.coalesce(User.last_login_at, User.created_at)
        for user in db.session.execute(base.where(last_seen < cutoff).order_by(User.id)).scalars():
            found.setdefault(user.id, (user, "inactive"))
    return [found[key] for key in sorted(found)]


def run_retention(*, dry_run: bool = False, today: date | None = None) -> list[tuple[User, str]]:
    """Pseudonymise every candidate, one transaction each (a failure leaves the others done)."""
    candidates = retention_candidates(today)
    if dry_run:
        return candidates
    done = []
    for user, reason in candidates:
        if pseudonymise(user, reason=reason):
            db.session.commit()
            done.append((user, reason))
    return done


def mark_left(actor, user: User, on: date | None) -> None:
    """An officer records that a trainee left their enterprise (or clears it with ``None``)."""
    from lms.auth.permissions import can_manage_user

    if not can_manage_user(actor, user) or user.role != "trainee":
        raise NotPermitted(_l("You may not manage this account."))
    if user.pseudonymised_at is not None:
        raise RuleViolation(_l("This person's personal information has already been removed."))
    if on is not None and on > utcnow().date() + timedelta(days=366):
        raise InvalidInput(_l("Give a date within the next year."), field="left_on")
    user.left_enterprise_on = on
    if on is not None:
        user.active = False


# -- deletion requests ---------------------------------------------------------------------------------------


def request_deletion(user: User, reason: str) -> DeletionRequest:
    if user.role != "trainee":
        raise NotPermitted(
            _l("Only trainees ask for deletion here; staff accounts follow the customs' rules.")
        )
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long."), field="reason")
    waiting = db.session.execute(
        sa.select(DeletionRequest.id).where(
            DeletionRequest.user_id == user.id, DeletionRequest.status == "pending"
        )
    ).first()
    if waiting is not None:
        raise RuleViolation(_l("Your earlier request is still waiting for a decision."))
    deletion = DeletionRequest(user_id=user.id, reason=reason, requested_at=utcnow())
    db.session.add(deletion)
    db.session.flush()
    record_security_event("erasure_requested", user=user, actor=user, request=deletion.id)
    return deletion


def decide_deletion(actor, deletion: DeletionRequest, *, approve: bool, note: str = "") -> None:
    if actor.role != "admin":
        raise NotPermitted(_l("Only administrators decide deletion requests."))
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise InvalidInput(_l("The note is too long."), field="note")
    if not approve and not note:
        raise InvalidInput(_l("Say why the request is rejected."), field="note")
    # Conditional update: of two administrators deciding at once, one wins.
    changed = db.session.execute(
        sa.update(DeletionRequest)
        .where(DeletionRequest.id == deletion.id, DeletionRequest.status == "pending")
        .values(
            status="approved" if approve else "rejected",
            decided_at=utcnow(),
            decided_by_id=actor.id,
            decision_note=note,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise RuleViolation(_l("This request has already been decided."))
    db.session.refresh(deletion)
    record_security_event(
        "erasure_decided",
        user=deletion.user,
        actor=actor,
        request=deletion.id,
        decision="approved" if approve else "rejected",
    )
    if approve:
        pseudonymise(deletion.user, reason="request", actor=actor)
