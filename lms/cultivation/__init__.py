"""Cultivation area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the cultivation pages, `flask cultivation`, the navigation, the ledger kinds of case events,
    key lists and outcomes, the plan's receivers of course_completed and attendance_recorded, and the
    dashboard and enterprise panels."""
    import lms.cultivation.evidence  # noqa: F401 - the ledger kinds of case events, key lists and outcomes
    import lms.cultivation.panels  # noqa: F401 - the dashboard and enterprise page panels
    import lms.cultivation.plans  # noqa: F401 - the receivers of course_completed and attendance_recorded
    from lms.core.dashboard import nav_item
    from lms.cultivation import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    nav_item("cultivation.case_list", _l("Cultivation cases"), views.STAFF, order=40, group="cultivation")
    nav_item("cultivation.key_lists", _l("Key training lists"), views.STAFF, order=41, group="cultivation")
    nav_item("cultivation.my_cases", _l("Cultivation"), ("trainee",), order=40, group="cultivation")
