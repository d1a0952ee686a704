"""Pages and plumbing shared by every area: home and dashboards, health, errors, language, headers."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the home page and dashboards (with core's own dashboard panels) and the Dashboard link."""
    from lms.core import views
    from lms.core.dashboard import nav_item

    app.register_blueprint(views.bp)
    nav_item("core.index", _l("Dashboard"), ("trainee", "expert", "officer", "admin"), order=0)
