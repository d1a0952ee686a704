"""Reports area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the report pages, `flask reports`, the navigation, and the dashboard and enterprise panels.

    (The session hooks that keep the stored results at write time come with the models: lms/models.py.)"""
    import lms.reports.panels  # noqa: F401 - its decorators register the panels
    from lms.core.dashboard import nav_item
    from lms.reports import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    nav_item("reports.index", _l("Reports"), views.REPORT_ROLES, order=55, group="records")
