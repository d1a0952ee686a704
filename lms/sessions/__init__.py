"""Sessions area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the session pages, `flask sessions`, the navigation, the "attendance" completion requirement
    and the attendance_marked ledger kind, and the dashboard and course page panels."""
    import lms.sessions.panels  # noqa: F401 - the dashboard and course page panels
    import lms.sessions.services  # noqa: F401 - the "attendance" requirement and the attendance_marked kind
    from lms.core.dashboard import nav_item
    from lms.sessions import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    everyone = ("trainee", "expert", "officer", "admin")
    nav_item("sessions.session_list", _l("Sessions"), everyone, order=30, group="sessions")
    nav_item("sessions.my_calendar", _l("My calendar"), ("trainee", "expert"), order=31, group="sessions")
    nav_item(
        "sessions.feedback_overview",
        _l("Session feedback"),
        ("expert", "officer", "admin"),
        order=32,
        group="sessions",
    )
    nav_item("sessions.venue_list", _l("Venues"), views.STAFF, order=65, group="sessions")
