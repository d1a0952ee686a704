"""The transactional outbox: queue a message with the fact, deliver it after commit, retry, never twice.

- :func:`queue_message` adds an :class:`OutboxMessage` in the caller's transaction; if that transaction
  rolls back, there is no message.
- After commit, the new messages are handed to a Celery task (``lms.deliver_message``) when a broker is
  configured, or delivered right away in this process when not (``make run``, the test suite). A broker
  that cannot be reached loses nothing: the message stays ``pending`` and the sweep (a beat job every
  minute, or ``flask --app lms jobs run outbox-sweep``) hands it over again.
- :func:`deliver` claims a message with a conditional update (``pending`` and due, or ``sending`` with an
  expired lease) so that two workers never send it at the same time; it is marked ``sent`` once the
  receiver acknowledged it. A failure sets the next attempt after an exponential backoff; after
  ``OUTBOX_MAX_ATTEMPTS`` the message is ``failed`` and shown to administrators (``jobs status``, the
  admin dashboard), who may queue it again.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from lms.database import utcnow
from lms.extensions import db
from lms.jobs.models import OutboxMessage
from lms.ops.logs import current_request_id, reset_request_id, set_request_id

log = logging.getLogger("lms.outbox")
_NEW_IDS = "lms_outbox_new_ids"

# kind -> function(message) that delivers it or raises; registered by the areas that own the kinds.
SENDERS: dict[str, Callable[[OutboxMessage], None]] = {}


class DeliveryFailed(Exception):
    """The receiver refused or could not be reached; the message will be tried again."""


def sender(kind: str):
    def register(function):
        SENDERS[kind] = function
        return function

    return register


def new_key(prefix: str) -> str:
    return f"{prefix}:{uuid.uuid4().hex}"


def queue_message(kind: str, *, key: str, payload: dict | None = None, notification=None) -> OutboxMessage:
    """Add a message to the outbox in the current transaction (delivered after it commits)."""
    rid = current_request_id()
    message = OutboxMessage(
        kind=kind,
        idempotency_key=key,
        payload=payload or {},
        notification=notification,
        status="pending",
        attempts=0,
        next_attempt_at=utcnow(),
        request_id="" if rid == "-" else rid,
    )
    db.session.add(message)
    return message


def queue_message_once(kind: str, *, key: str, payload: dict | None = None) -> OutboxMessage | None:
    """Like :func:`queue_message`, but nothing when a message with this key was queued before."""
    exists = db.session.execute(
        sa.select(OutboxMessage.id).where(OutboxMessage.idempotency_key == key)
    ).first()
    if exists is not None:
        return None
    with db.session.begin_nested():
        return queue_message(kind, key=key, payload=payload)


# -- delivery -------------------------------------------------------------------------------------------


def backoff(attempts: int) -> timedelta:
    config = current_app.config
    seconds = config["OUTBOX_BACKOFF_SECONDS"] * (2 ** max(0, attempts - 1))
    return timedelta(seconds=min(seconds, config["OUTBOX_BACKOFF_MAX_SECONDS"]))


def claim(message_id: int) -> bool:
    """Take the message for sending; False when it is not due, already sent, or someone else holds it."""
    now = utcnow()
    lease = timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])
    claimed = db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            sa.or_(
                sa.and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                sa.and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
            ),
        )
        .values(status="sending", claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def deliver(message_id: int) -> str:
    """Send one message if due; returns ``sent``, ``retry`` (later attempt), ``failed`` or ``skipped``."""
    if not claim(message_id):
        return "skipped"
    message = db.session.get(OutboxMessage, message_id)
    token = set_request_id(message.request_id or current_request_id())
    try:
        try:
            SENDERS[message.kind](message)
        except Exception as error:  # noqa: BLE001 - whatever the receiver did, the message waits or fails
            db.session.rollback()
            return _record_failure(message_id, error)
        message.status = "sent"
        message.sent_at = utcnow()
        message.claimed_until = None
        message.last_error = ""
        db.session.commit()
        log.info("outbox message %s (%s) sent", message.idempotency_key, message.kind)
        return "sent"
    finally:
        reset_request_id(token)


def _record_failure(message_id: int, error: Exception) -> str:
    message = db.session.get(OutboxMessage, message_id)
    text = f"{type(error).__name__}: {error}"[:2000]
    message.last_error = text
    message.claimed_until = None
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = "failed"
        outcome = "failed"
        log.error(
            "outbox message %s failed for good after %d attempts: %s",
            message.idempotency_key,
            message.attempts,
            text,
        )
    else:
        message.status = "pending"
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        outcome = "retry"
        log.warning(
            "outbox message %s attempt %d failed, next at %s: %s",
            message.idempotency_key,
            message.attempts,
            message.next_attempt_at.isoformat(),
            text,
        )
    db.session.commit()
    return outcome


def due_message_ids(limit: int = 500) -> list[int]:
    now = utcnow()
    return list(
        db.session.execute(
            sa.select(OutboxMessage.id)
            .where(
                sa.or_(
                    sa.and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
                    sa.and_(OutboxMessage.status == "sending", OutboxMessage.claimed_until < now),
                )
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).scalars()
    )


def sweep() -> int:
    """Hand every due message (new, waiting for a retry, or abandoned by a dead worker) to delivery."""
    ids = due_message_ids()
    db.session.rollback()
    dispatch(ids)
    return len(ids)


def requeue_failed(message_id: int) -> bool:
    """An administrator's "try again" for a failed message."""
    changed = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "failed")
        .values(status="pending", attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return changed == 1


def dispatch(ids: list[int]) -> None:
    """Deliver now (no broker) or hand to the workers; a broker that is down leaves the messages pending."""
    if not ids:
        return
    app = current_app._get_current_object()
    celery = app.extensions.get("lms_celery")
    if celery is None:
        # Inline: a fresh app context has its own database session, apart from the one that just committed.
        for message_id in ids:
            with app.app_context():
                try:
                    deliver(message_id)
                finally:
                    db.session.remove()
        return
    rid = current_request_id()
    for message_id in ids:
        try:
            celery.send_task("lms.deliver_message", args=[message_id], headers={"request_id": rid})
        except Exception as error:  # noqa: BLE001 - broker down: the sweep hands it over later
            log.warning("broker unavailable, outbox message %s waits for the sweep: %s", message_id, error)
            return


# -- session hooks: collect the ids of new messages, dispatch them after commit ---------------------------


def _after_flush(session: Session, flush_context) -> None:
    new = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if new:
        session.info.setdefault(_NEW_IDS, []).extend(new)


def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return
    ids = session.info.pop(_NEW_IDS, None)
    if ids:
        dispatch(ids)


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.nested:
        return
    session.info.pop(_NEW_IDS, None)


sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_soft_rollback", _after_soft_rollback)
