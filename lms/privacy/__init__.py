"""Personal information under China's Personal Information Protection Law (PIPL).

The privacy notice and its acceptance, each person's copy of their data, retention and pseudonymisation,
deletion requests, and the log of who opened whose records.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the privacy pages, `flask privacy`, the navigation and the certificate_pseudonymised ledger
    kind."""
    import lms.privacy.services  # noqa: F401 - its decorator registers the ledger kind
    from lms.core.dashboard import nav_item
    from lms.privacy import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    nav_item(
        "privacy.mine", _l("My privacy"), ("trainee", "expert", "officer", "admin"), order=95, group="account"
    )
    nav_item("privacy.access_log", _l("Record access log"), ("admin",), order=76, group="admin")
    nav_item("privacy.requests", _l("Deletion requests"), ("admin",), order=77, group="admin")
