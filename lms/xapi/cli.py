"""`flask --app lms evidence xapi`: statements as JSON Lines, or sent to the configured Learning Record
Store."""

from __future__ import annotations

import os
import sys
import tempfile
from collections import Counter
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.extensions import db


def _day_start(day: date) -> datetime:
    """Midnight of a day in the site's time zone (dates are given as the customs network reads them)."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return datetime.combine(day, time.min, tzinfo=zone)


def time_range(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """[since, until + 1 day) as aware datetimes; a range that ends before it starts is refused."""
    start = _day_start(since.date()) if since else None
    end = _day_start(until.date() + timedelta(days=1)) if until else None
    if start and end and end <= start:
        raise click.UsageError(f"--until ({until.date()}) is before --since ({since.date()}).")
    return start, end


@click.command("xapi")
@click.option(
    "--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (site time zone) of the facts to include."
)
@click.option(
    "--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (included) of the facts to include."
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, allow_dash=True),
    default="-",
    show_default=True,
    help="JSON Lines file to write ('-' for standard output).",
)
@click.option(
    "--send", is_flag=True, help="Send to the LRS configured by LMS_XAPI_LRS_URL instead of writing."
)
@click.option(
    "--restart", is_flag=True, help="With --send: forget how far earlier runs got and send everything."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10000),
    help="With --send: statements per request (default LMS_XAPI_BATCH or 100).",
)
@with_appcontext
def xapi_command(since, until, output, send, restart, batch_size) -> None:
    """Learning records as xAPI 1.0.3 statements (registered, attended, answered, completed, passed,
    failed)."""
    start, end = time_range(since, until)
    if send:
        _send(start, end, restart, batch_size)
    else:
        if restart:
            raise click.UsageError("--restart only applies with --send.")
        _write(start, end, output)


def _write(start, end, output: str) -> None:
    from lms.xapi.statements import dumps, iter_statements

    counts: Counter = Counter()
    if output == "-":
        stream, target, temporary = sys.stdout, None, None
    else:
        target = os.path.abspath(output)
        handle, temporary = tempfile.mkstemp(prefix=".xapi-", suffix=".jsonl", dir=os.path.dirname(target))
        stream = os.fdopen(handle, "w", encoding="utf-8", newline="\n")
    try:
        for item in iter_statements(since=start, until=end):
            stream.write(dumps(item.statement))
            stream.write("\n")
            counts[item.statement["verb"]["id"].rsplit("/", 1)[-1]] += 1
        stream.flush()
        if temporary is not None:
            stream.close()
            os.replace(temporary, target)  # a reader never sees a half-written file
            temporary = None
    finally:
        db.session.rollback()
        if temporary is not None:
            stream.close()
            os.unlink(temporary)
    detail = ", ".join(f"{verb}: {n}" for verb, n in sorted(counts.items())) or "none"
    where = "standard output" if target is None else target
    click.echo(f"{sum(counts.values())} statement(s) written to {where} ({detail}).", err=True)


def _send(start, end, restart: bool, batch_size: int | None) -> None:
    from lms.xapi.lrs import LrsClient, reset_cursors, send_statements

    client = LrsClient.from_config()
    if client is None:
        raise click.UsageError(
            "No Learning Record Store is configured: set LMS_XAPI_LRS_URL "
            "(and LMS_XAPI_LRS_USER, LMS_XAPI_LRS_PASSWORD)."
        )
    if restart:
        reset_cursors()
    report = send_statements(client, since=start, until=end, batch_size=batch_size)
    detail = ", ".join(f"{stream}: {n}" for stream, n in report.sent.items())
    if report.ok:
        click.echo(
            f"{report.total} statement(s) sent to {client.endpoint} in {report.batches} batch(es) ({detail})."
        )
        if report.already_stored:
            click.echo(f"{report.already_stored} of them were already stored by the LRS.")
        return
    click.echo(f"Sending stopped in stream {report.failed_stream}: {report.error}", err=True)
    click.echo(
        f"{report.total} statement(s) were acknowledged before that ({detail}); "
        "run the command again to resume from there.",
        err=True,
    )
    raise SystemExit(1)
