"""Experts area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the expert pages, the navigation, and the dashboard, session page and user page panels."""
    import lms.experts.panels  # noqa: F401 - the dashboard, session page and user page panels
    from lms.core.dashboard import nav_item
    from lms.experts import views

    app.register_blueprint(views.bp)
    nav_item("experts.directory", _l("Experts"), views.STAFF, order=45, group="sessions")
    nav_item("experts.my_profile", _l("My profile as expert"), ("expert",), order=45, group="account")
