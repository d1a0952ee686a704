"""What a production process checks before it serves: a real key (checked by the config), a database
that answers and migrations at head. Each refusal is one line naming what to fix."""

from __future__ import annotations

import click
from flask import Flask

from lms.config import StartupRefused
from lms.extensions import db


def refuse_unready_production(app: Flask) -> None:
    """Raise :class:`StartupRefused` when the database is unreachable or behind the shipped migrations.

    Skipped for ``flask …`` commands: ``flask db upgrade`` is how migrations reach head."""
    if click.get_current_context(silent=True) is not None:
        return
    from lms.ops.health import database_revisions, migration_heads

    with app.app_context():
        try:
            with db.engine.connect() as connection:
                current = database_revisions(connection)
        except Exception as error:  # noqa: BLE001 - the driver's errors differ; the message says enough
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise StartupRefused(f"the database cannot be reached ({reason}); check DATABASE_URL") from None
        finally:
            db.engine.dispose()  # forked workers open their own connections
        heads = migration_heads()
        if current != heads:
            raise StartupRefused(
                f"the database is at migration {', '.join(sorted(current)) or 'none'} but this code needs "
                f"{', '.join(sorted(heads))}; run `flask --app lms db upgrade` first"
            )
