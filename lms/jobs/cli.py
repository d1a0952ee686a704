"""``flask --app lms jobs status|run|retry``: the background work from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db

cli = AppGroup("jobs", help="Background jobs and the outbox.")


def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value else "never"


@cli.command("status")
def status_command() -> None:
    """Queue depth, each job's schedule, last run and failures, and the outbox."""
    from lms.jobs.status import jobs_status

    status = jobs_status()
    depth = "unknown" if status.queue_depth is None else str(status.queue_depth)
    click.echo(
        f"broker: {status.broker}  queue depth: {depth}"
        + (f"  (broker unavailable: {status.broker_error})" if status.broker_error else "")
    )
    click.echo(f"{'job':<26} {'schedule':<16} {'last run':<24} {'result':<10} failures (7 days)")
    for job in status.jobs:
        run = job.last_run
        click.echo(
            f"{job.name:<26} {job.schedule or 'off':<16} {_when(run.started_at if run else None):<24} "
            f"{run.status if run else '-':<10} {job.failures}"
        )
    for kind, counts in status.outbox.items():
        click.echo(f"outbox {kind}: " + ", ".join(f"{state} {n}" for state, n in counts.items()))
    if status.oldest_pending:
        click.echo(f"oldest waiting message: {_when(status.oldest_pending)}")
    for message in status.failed_messages:
        click.echo(
            f"failed #{message.id} {message.kind} {message.idempotency_key} after {message.attempts} "
            f"attempts: {message.last_error.splitlines()[0] if message.last_error else ''}"
        )


@cli.command("run")
@click.argument("name")
def run_command(name: str) -> None:
    """Run one scheduled job now (as beat would) and record it."""
    from lms.jobs.scheduled import JOBS, run_job

    if name not in JOBS:
        raise click.BadParameter(f"choose one of {', '.join(JOBS)}", param_hint="NAME")
    run = run_job(name)
    click.echo(f"{name}: {run.status}" + (f"\n{run.detail}" if run.detail else ""))
    if run.status != "succeeded":
        raise SystemExit(1)


@cli.command("retry")
@click.argument("message_id", type=int)
def retry_command(message_id: int) -> None:
    """Queue a failed outbox message again."""
    from lms.jobs.outbox import requeue_failed

    if not requeue_failed(message_id):
        raise click.ClickException(f"outbox message {message_id} is not a failed message")
    db.session.commit()
    click.echo(f"outbox message {message_id} queued again.")
