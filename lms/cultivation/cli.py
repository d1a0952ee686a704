"""`flask --app lms cultivation ...` commands: reminders of approaching deadlines, flags, completion."""

from __future__ import annotations

from datetime import date

import click
from flask.cli import AppGroup

cli = AppGroup("cultivation", help="Cultivation commands.")


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DD") from error


@cli.command("remind")
@click.option("--today", "today", help="Act as if today were this date (YYYY-MM-DD).")
def remind_command(today: str | None) -> None:
    """Notify officers of audits nearing their limit and nominees of plan items due soon (once a day each)."""
    from lms.cultivation import flags
    from lms.extensions import db

    sent = flags.send_reminders(_day(today))
    db.session.commit()
    click.echo(f"{sent['audit']} audit reminders, {sent['plan']} plan reminders sent.")


@cli.command("flags")
@click.option("--today", "today", help="Act as if today were this date (YYYY-MM-DD).")
def flags_command(today: str | None) -> None:
    """Print the cases officers should act on: audits without conclusion, discredited enterprises."""
    from lms.cultivation import flags

    found = flags.flags_for(None, _day(today))
    for flag in found:
        click.echo(
            f"{flag.case.reference}\t{flag.kind}\t{flag.case.enterprise.name_en}\t{flag.label}\t"
            f"proposed termination: {flag.proposed_reason}"
        )
    click.echo(f"{len(found)} flags.")


@cli.command("complete")
def complete_command() -> None:
    """Complete every case in training whose plan is complete (e.g. after attendance was marked)."""
    from lms.cultivation import plans
    from lms.extensions import db

    done = plans.complete_finished_cases()
    db.session.commit()
    click.echo(f"{len(done)} cases completed.")
