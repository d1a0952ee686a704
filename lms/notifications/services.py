"""``notify(user, kind, title, body, link, **params)``: an in-app notice now, an email after commit.

Titles and bodies are lazy strings with %(name)s placeholders; they are rendered in the recipient's
preferred language, so an officer working in Chinese still sends an English trainee English text.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from sqlalchemy.orm import Session

from lms.database import utcnow
from lms.extensions import db
from lms.i18n import locale_for
from lms.notifications.models import Notification

_PENDING_KEY = "lms_pending_emails"


def _render(text, params: dict) -> str:
    text = str(text)
    return text % params if params else text


def notify(user, kind: str, title, body="", link: str = "", **params) -> Notification:
    """Queue a notification for ``user`` in the caller's transaction."""
    with force_locale(locale_for(user.preferred_language or current_app.config["BABEL_DEFAULT_LOCALE"])):
        notification = Notification(
            user=user,
            kind=kind,
            title=_render(title, params)[:300],
            body=_render(body, params) if body else "",
            link=link,
        )
    # Marked when queued, in this transaction: sending happens after commit, and a second connection there
    # would hold two pool connections per committing request.
    notification.email_queued_at = utcnow()
    db.session.add(notification)
    # What the email needs is captured now: after commit the session may not load anything.
    db.session.info.setdefault(_PENDING_KEY, []).append(
        (notification, user.email, notification.title, notification.body, link)
    )
    return notification


def unread_count(user) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def send_email(to: str, subject: str, body: str) -> None:
    """Send through SMTP when LMS_SMTP_HOST is set; otherwise write the message to the log."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        current_app.logger.info("email to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a released savepoint, not a commit: the transaction goes on
        return
    pending = session.info.pop(_PENDING_KEY, None)
    if not pending:
        return
    site = current_app.config.get("SITE_URL", "")
    for _notification, email, title, body, link in pending:
        try:
            send_email(email, title, body + (f"\n\n{site}{link}" if link else ""))
        except (OSError, smtplib.SMTPException) as error:  # the in-app notice stays; email is best effort
            current_app.logger.warning("email to %s failed: %s", email, error)


def _after_soft_rollback(session, previous_transaction) -> None:
    session.info.pop(_PENDING_KEY, None)


sa.event.listen(Session, "after_commit", _after_commit)
sa.event.listen(Session, "after_soft_rollback", _after_soft_rollback)
