"""Cultivation area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the cultivation pages, `flask cultivation`, the navigation, the ledger kinds of case events,
    key lists and outcomes, the plan's receivers of course_completed and attendance_recorded, and the
    dashboard and enterprise panels."""
    from lms.core.dashboard import nav_item

    # Their decorators fill the registries: the ledger kinds; the signal receivers; the panels.
    from lms.cultivation import cli, evidence, panels, plans, views  # noqa: F401

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    nav_item("cultivation.case_list", _l("Cultivation cases"), views.STAFF, order=40, group="cultivation")
    nav_item("cultivation.key_lists", _l("Key training lists"), views.STAFF, order=41, group="cultivation")
    nav_item("cultivation.my_cases", _l("Cultivation"), ("trainee",), order=40, group="cultivation")
