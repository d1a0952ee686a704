"""Organisation: customs units, enterprises and their credit status history."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the enterprise pages and their navigation link."""
    from lms.core.dashboard import nav_item
    from lms.org import views

    app.register_blueprint(views.bp)
    nav_item("org.enterprise_list", _l("Enterprises"), ("officer", "admin"), order=60, group="cultivation")
