"""``notify(user, kind, title, body, link, **params)``: an in-app notice and an email, in one transaction.

Titles and bodies are ``_l()`` strings with %(name)s placeholders. The notice stores their catalog keys
and the parameters (see :mod:`lms.notifications.messages`), so the inbox shows it in the reader's language
and the email is written in the recipient's language when it is sent. The email is an outbox message
(:mod:`lms.jobs.outbox`) queued in the caller's transaction: no commit, no email; a commit, exactly one.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale

from lms.database import utcnow
from lms.extensions import db
from lms.i18n import locale_for
from lms.jobs.outbox import DeliveryFailed, new_key, queue_message, sender
from lms.notifications.messages import decode_param, encode_param, encode_params, message_key
from lms.notifications.models import Notification


def _render_now(text, params: dict) -> str:
    text = str(text)
    return text % params if params else text


def _recipient_locale(user):
    return locale_for(user.preferred_language or current_app.config["BABEL_DEFAULT_LOCALE"])


def notify(user, kind: str, title, body="", link: str = "", **params) -> Notification:
    """Queue a notification for ``user`` (and its email) in the caller's transaction."""
    with force_locale(_recipient_locale(user)):
        values = {name: decode_param(encode_param(value)) for name, value in params.items()}
        notification = Notification(
            user=user,
            kind=kind,
            title=_render_now(title, values)[:300],
            body=_render_now(body, values) if body else "",
            link=link,
            title_key=message_key(title) or "",
            body_key=(message_key(body) or "") if body else "",
            params=encode_params(params),
        )
    notification.email_queued_at = utcnow()
    db.session.add(notification)
    queue_message("email", key=new_key("email"), payload={"user_id": user.id}, notification=notification)
    return notification


def unread_count(user) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def send_email(to: str, subject: str, body: str, *, message_id: str | None = None) -> None:
    """Send through SMTP when LMS_SMTP_HOST is set; otherwise write the message to the log."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        current_app.logger.info("email to %s: %s\n%s", to, subject, body)
        return
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    # The outbox key as Message-ID: a message sent again after a crash is recognisably the same one.
    message["Message-ID"] = message_id or make_msgid(domain="aeo-lms")
    message.set_content(body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)


def email_message_id(key: str) -> str:
    return f"<{key.replace(':', '.')}@aeo-lms>"


@sender("email")
def send_notification_email(message) -> None:
    """Write the notification's email in the recipient's language as it is now, and send it."""
    notification = message.notification
    if notification is None:  # the notice was deleted: nothing left to say
        return
    user = notification.user
    with force_locale(_recipient_locale(user)):
        subject = notification.shown_title()
        text = notification.shown_body()
    site = current_app.config.get("SITE_URL", "")
    if notification.link:
        text = (text + "\n\n" if text else "") + f"{site}{notification.link}"
    try:
        send_email(user.email, subject, text, message_id=email_message_id(message.idempotency_key))
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(f"the mail server did not accept the email to {user.email}: {error}") from error
