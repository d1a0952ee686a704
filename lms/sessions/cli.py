"""`flask --app lms sessions ...` commands."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

cli = AppGroup("sessions", help="Sessions commands.")


@cli.command("complete-ended")
@click.option("--dry-run", is_flag=True, help="Only say how many sessions would be marked completed.")
def complete_ended(dry_run: bool) -> None:
    """Mark every session that has ended (and was not cancelled) as completed. Safe to run from cron."""
    from lms.extensions import db
    from lms.sessions import services
    from lms.sessions.models import TrainingSession

    stmt = sa.select(TrainingSession.id).where(
        TrainingSession.ends_at <= services.now(), TrainingSession.status.in_(("planned", "open", "full"))
    )
    ids = list(db.session.execute(stmt).scalars())
    if not dry_run and ids:
        db.session.execute(
            sa.update(TrainingSession).where(TrainingSession.id.in_(ids)).values(status="completed")
        )
        db.session.commit()
    verb = "would be marked" if dry_run else "marked"
    click.echo(f"{len(ids)} ended sessions {verb} completed.")
