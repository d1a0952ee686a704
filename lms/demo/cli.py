"""`flask --app lms demo load`."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.demo import load_demo

cli = AppGroup("demo", help="Demo data.")


@cli.command("load")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has accounts.")
def load_command(if_empty: bool) -> None:
    """Load (or complete) the demo units, enterprises, accounts and activity. Safe to run again."""
    from lms.auth.models import User
    from lms.extensions import db

    if if_empty and db.session.execute(sa.select(User.id).limit(1)).first() is not None:
        click.echo("The database already has accounts; demo data not loaded.")
        return
    load_demo(click.echo)
    click.echo("Demo data loaded. Every demo account's password is demo-2026.")
