"""`flask --app lms content load|export` (the curriculum as files) and `flask --app lms courses list`."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy.orm import selectinload

content_cli = AppGroup(
    "content", help="Load and export the curriculum (courses/<slug>/course.md and lessons)."
)
courses_cli = AppGroup("courses", help="Courses commands.")
cli = courses_cli
commands = [content_cli, courses_cli]


@content_cli.command("load")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def load_command(directory: Path | None) -> None:
    """Create or update courses from DIRECTORY (default: the configured COURSES_DIR), by slug.

    Unchanged courses stay as they are; a changed course becomes a new version, published at once because the
    curriculum files are reviewed in the repository before they are shipped.
    """
    from lms.content.curriculum import CurriculumError, load_curriculum
    from lms.courses import services as _services  # noqa: F401 - completion evidence and rules
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


@content_cli.command("render")
def render_command() -> None:
    """Render again the stored HTML of every version out of draft (after the Markdown allow-list changed, or
    for versions written without it, such as generated benchmark data)."""
    from lms.courses.services import render_published_html
    from lms.extensions import db

    count = render_published_html()
    db.session.commit()
    click.echo(f"{count} version(s) rendered.")


@content_cli.command("export")
@click.argument("slug")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--version", "number", type=int, help="Version number (default: the published version, else the latest)."
)
def export_command(slug: str, directory: Path, number: int | None) -> None:
    """Write course SLUG to DIRECTORY/SLUG/ in the curriculum format."""
    from lms.content.curriculum import CurriculumError, export_course
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


@courses_cli.command("list")
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
