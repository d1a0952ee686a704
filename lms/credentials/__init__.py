"""Verifiable credentials: each completion certificate also issued as a signed Open Badges 3.0 credential."""

from __future__ import annotations


def init_app(app) -> None:
    """Registers the credential pages (did:web, status lists), `flask credentials`, and the receiver of
    certificate_issued that issues the credential with each certificate."""
    import lms.credentials.services  # noqa: F401 - its decorator connects the receiver
    from lms.credentials import cli, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
