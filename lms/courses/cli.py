"""`flask --app lms courses list`, and the commands of the `content` group that load the curriculum files into
courses and write them back: `flask --app lms content load|render|export` (added to the group by the area's
init_app)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.orm import selectinload

cli = AppGroup("courses", help="Courses commands.")


@click.command("load")
@with_appcontext
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def load_command(directory: Path | None) -> None:
    """Create or update courses from DIRECTORY (default: the configured COURSES_DIR), by slug.

    Unchanged courses stay as they are; a changed course becomes a new version, published at once because the
    curriculum files are reviewed in the repository before they are shipped.
    """
    from lms.courses.curriculum import CurriculumError, load_curriculum
    from lms.extensions import db

    directory = directory or Path(current_app.config["COURSES_DIR"])
    click.echo(f"Loading the curriculum from {directory}")
    try:
        report = load_curriculum(directory)
    except CurriculumError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    for line in report.lines:
        click.echo(f"  {line}")
    click.echo(report.summary())
    if report.failed:
        raise SystemExit(1)


@click.command("render")
@with_appcontext
def render_command() -> None:
    """Render again the stored HTML of every version out of draft (after the Markdown allow-list changed, or
    for versions written without it, such as generated benchmark data)."""
    from lms.courses.services import render_published_html
    from lms.extensions import db

    count = render_published_html()
    db.session.commit()
    click.echo(f"{count} version(s) rendered.")


@click.command("export")
@with_appcontext
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--version", "number", type=int, help="Version number (default: the published version, else the latest)."
)
def export_command(slug: str, directory: Path, number: int | None) -> None:
    """Write course SLUG to DIRECTORY/SLUG/ in the curriculum format."""
    from lms.courses.curriculum import CurriculumError, export_course
    from lms.courses.models import Course, CourseVersion
    from lms.extensions import db

    course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        raise click.ClickException(f"No course with the slug {slug!r}.")
    version = None
    if number is not None:
        version = db.session.execute(
            sa.select(CourseVersion).where(
                CourseVersion.course_id == course.id, CourseVersion.number == number
            )
        ).scalar_one_or_none()
        if version is None:
            raise click.ClickException(f"Course {slug!r} has no version {number}.")
    try:
        report = export_course(course, directory, version=version)
    except CurriculumError as error:
        raise click.ClickException(str(error)) from error
    for line in report.lines:
        click.echo(line)


@cli.command("list")
def list_command() -> None:
    """Every course with its versions and their status."""
    from lms.courses.models import Course
    from lms.extensions import db

    courses = db.session.execute(
        sa.select(Course).options(selectinload(Course.versions)).order_by(Course.slug)
    ).scalars()
    for course in courses:
        versions = ", ".join(f"v{v.number} {v.status}" for v in course.versions)
        flag = " [archived]" if course.archived else ""
        click.echo(f"{course.slug}{flag}: {versions}")


# The `content` group's commands (the group is lms/content/cli.py's).
content_commands = [load_command, render_command, export_command]
