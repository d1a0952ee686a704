"""`flask --app lms standards load [DIR]` and `flask --app lms standards list`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("standards", help="The AEO certification standards as data (standards/*.yaml).")


@cli.command("load")
@click.argument("directory", required=False, type=click.Path(path_type=Path))
def load_command(directory: Path | None) -> None:
    """Load the standard files of DIRECTORY (default: the shipped standards/). Unchanged files change nothing;
    a changed file becomes a new version and the earlier one read-only. One bad file loads nothing."""
    from lms.extensions import db
    from lms.readiness.loader import load_standards
    from lms.readiness.standards import StandardFileError

    directory = directory or Path(current_app.config["STANDARDS_DIR"])
    click.echo(f"Loading the standards from {directory}")
    try:
        report = load_standards(directory)
    except StandardFileError as error:
        db.session.rollback()
        raise click.ClickException(f"{error} (nothing was loaded)") from error
    db.session.commit()
    for line in report.lines:
        click.echo(f"  {line}")
    click.echo(report.summary())


@cli.command("list")
def list_command() -> None:
    """Every loaded version, with the one that applies today."""
    import sqlalchemy as sa

    from lms.extensions import db
    from lms.readiness.loader import applicable_version
    from lms.readiness.models import StandardVersion

    applies = applicable_version()
    for version in db.session.execute(
        sa.select(StandardVersion).order_by(StandardVersion.code, StandardVersion.number)
    ).scalars():
        state = (
            "applies today"
            if applies is not None and version.id == applies.id
            else ("read-only" if version.retired() else "current")
        )
        click.echo(f"{version.code} v{version.number} ({version.source_file}): {state}")
