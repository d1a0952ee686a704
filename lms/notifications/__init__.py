"""In-app notifications and email, sent only when the transaction that caused them commits."""

from __future__ import annotations


def init_app(app) -> None:
    """Registers the notification pages and the "email" outbox sender (mail sent after the commit)."""
    import lms.notifications.services  # noqa: F401 - its decorator registers the sender
    from lms.notifications import views

    app.register_blueprint(views.bp)
