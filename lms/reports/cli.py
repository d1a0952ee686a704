"""`flask --app lms reports ...` commands: check and rebuild the stored results and rollups."""

from __future__ import annotations

import sys
import time

import click
from flask.cli import AppGroup

cli = AppGroup("reports", help="Report commands.")


def _summary(counts: dict) -> str:
    return ", ".join(f"{value:,} {name}" for name, value in counts.items())


@cli.command("check")
def check_command() -> None:
    """Recompute every stored result, gain pair, enrolment status and rollup from the raw records and
    compare; exit 1 naming the first difference."""
    from lms.extensions import db
    from lms.reports.stored import Difference, check

    started = time.monotonic()
    try:
        counts = check(db.session)
    except Difference as difference:
        db.session.rollback()
        click.echo(f"Reports check FAILED: {difference}", err=True)
        sys.exit(1)
    db.session.rollback()
    click.echo(
        f"Reports check passed: {_summary(counts)} equal to the raw records "
        f"({time.monotonic() - started:.1f} s)."
    )


@cli.command("rebuild")
def rebuild_command() -> None:
    """Rewrite the stored results and rollups from the raw records (after an import, a migration or a
    regrading done outside the application)."""
    from lms.core.page_cache import raise_everyone
    from lms.extensions import db
    from lms.reports.stored import rebuild

    started = time.monotonic()
    counts = rebuild(db.session)
    raise_everyone(db.session.connection())  # trainee pages show the stored results: none kept is current
    db.session.commit()
    click.echo(f"Stored rows rebuilt: {_summary(counts)} ({time.monotonic() - started:.1f} s).")
