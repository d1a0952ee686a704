"""``flask --app lms privacy pseudonymise [--dry-run]``: the retention job from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("privacy", help="Personal information: retention and pseudonymisation.")


@cli.command("pseudonymise")
@click.option("--dry-run", is_flag=True, help="List who is due, change nothing.")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="Count the periods from this day.")
def pseudonymise_command(dry_run: bool, today) -> None:
    """Pseudonymise trainees inactive past LMS_PRIVACY_INACTIVE_DAYS or who left their enterprise more
    than LMS_PRIVACY_LEAVER_DAYS ago: names, contacts and free text go; results and evidence stay under a
    pseudonym."""
    from lms.privacy.services import run_retention

    results = run_retention(dry_run=dry_run, today=today.date() if today else None)
    reasons = {"inactive": "inactive", "left": "left the enterprise"}
    for user, reason in results:
        click.echo(f"{'due' if dry_run else 'pseudonymised'}: user {user.id} ({reasons.get(reason, reason)})")
    verb = "would be pseudonymised" if dry_run else "pseudonymised"
    click.echo(f"{len(results)} trainee(s) {verb}.")
