"""Evidence: the append-only, hash-chained ledger, certificates, xAPI export."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the certificate and ledger pages, `flask evidence`, the navigation, the certificate panels,
    and the certificate ledger kinds with the receiver of course_completed that issues the certificate."""
    import lms.evidence.panels  # noqa: F401 - the certificate panels of the dashboard, enterprise and account pages
    import lms.evidence.services  # noqa: F401 - its decorators register the kinds and the receiver
    from lms.core.dashboard import nav_item
    from lms.evidence import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    nav_item("evidence.my_certificates", _l("My certificates"), ("trainee",), order=45, group="records")
    nav_item("evidence.certificate_list", _l("Certificates"), ("officer", "admin"), order=55, group="records")
    nav_item("evidence.ledger", _l("Evidence ledger"), ("admin",), order=85, group="records")
