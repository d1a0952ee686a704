"""`flask --app lms quizzes ...` commands: GIFT import and export, closing overdue attempts."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.extensions import db

cli = AppGroup("quizzes", help="Question banks and attempts.")


def _course_or_exit(slug: str):
    from lms.courses.models import Course

    course = db.session.execute(sa.select(Course).where(Course.slug == slug)).scalar_one_or_none()
    if course is None:
        raise click.ClickException(f"No course with the slug {slug!r}.")
    return course


@cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--course", "slug", required=True, help="Slug of the course whose bank receives the questions.")
@click.option("--dry-run", is_flag=True, help="Check and count only; import nothing.")
def import_command(file, slug: str, dry_run: bool) -> None:
    """Import a GIFT file into a course's question bank (all or nothing)."""
    from lms.quizzes.bank import import_gift

    course = _course_or_exit(slug)
    raw = file.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"The file is not UTF-8 text ({error}).") from None
    report = import_gift(None, course, text, dry_run=dry_run)
    for qtype, count in report.by_type.items():
        click.echo(f"{qtype}: {count}")
    click.echo(f"total: {len(report.items)}")
    if not report.ok:
        db.session.rollback()
        for problem in report.problems:
            click.echo(f"line {problem.line}: {problem.message}", err=True)
        click.echo(f"{len(report.problems)} problem(s) found; nothing was imported.", err=True)
        sys.exit(1)
    if dry_run:
        db.session.rollback()
        click.echo(
            f"dry run: {report.count('create')} new, {report.count('update')} changed, "
            f"{report.count('unchanged')} unchanged; nothing was imported."
        )
        return
    db.session.commit()
    click.echo(
        f"imported: {report.count('create')} new, {report.count('update')} changed, "
        f"{report.count('unchanged')} unchanged."
    )


@cli.command("export")
@click.option("--course", "slug", required=True, help="Slug of the course whose bank to print.")
def export_command(slug: str) -> None:
    """Print a course's question bank as GIFT."""
    from lms.quizzes.bank import export_gift

    click.echo(export_gift(_course_or_exit(slug)), nl=False)


@cli.command("close-overdue")
def close_overdue_command() -> None:
    """Close and grade every attempt left open past its deadline (and grace period)."""
    from lms.quizzes.attempts import close_if_overdue, overdue_attempt_ids
    from lms.quizzes.models import Attempt

    closed = 0
    for attempt_id in overdue_attempt_ids():
        attempt = db.session.get(Attempt, attempt_id)
        if attempt is not None and close_if_overdue(attempt):
            closed += 1
        db.session.commit()  # one attempt per transaction: a failure leaves the others closed
    click.echo(f"closed {closed} overdue attempt(s).")
