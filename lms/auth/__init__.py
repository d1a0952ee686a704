"""Accounts, roles, login with lock-out, and the jurisdiction every list is filtered by."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the account pages and the security log, and their navigation links."""
    from lms.auth import security_views, views
    from lms.core.dashboard import nav_item

    app.register_blueprint(views.bp)
    app.register_blueprint(security_views.bp)
    nav_item("auth.user_list", _l("Accounts"), ("officer", "admin"), order=70, group="admin")
    nav_item("security.events", _l("Security log"), ("admin",), order=75)
