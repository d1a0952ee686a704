"""Background work: the transactional outbox (emails, xAPI statements), scheduled jobs, Celery."""

from __future__ import annotations


def init_app(app) -> None:
    """Registers `flask jobs` and the administrators' background-jobs dashboard panel."""
    import lms.jobs.panels  # noqa: F401 - its decorator registers the panel
    from lms.jobs import cli

    app.cli.add_command(cli.cli)
