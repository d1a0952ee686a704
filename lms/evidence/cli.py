"""`flask --app lms evidence ...` commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

cli = AppGroup("evidence", help="Evidence commands.")


@cli.command("verify")
@click.option("--batch-size", default=2000, show_default=True, help="Entries read per batch.")
@click.option("--show", default=10, show_default=True, help="Problems listed when the check fails.")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processes that check the chain of a large ledger on PostgreSQL (default: the CPUs, at most 4).",
)
def verify_command(batch_size: int, show: int, workers: int | None) -> None:
    """Recompute the hash chain and check every subject against its latest ledger entry."""
    import os

    from lms.evidence.verify import verify_ledger
    from lms.extensions import db

    if workers is None:
        workers = min(4, os.cpu_count() or 1)
    result = verify_ledger(batch_size=max(1, batch_size), snapshot=True, workers=max(1, workers))
    db.session.rollback()
    if result.ok:
        click.echo(
            f"Ledger verified: {result.checked} entries checked, "
            f"{result.subjects_checked} records compared with their latest entry."
        )
        if result.head_seq is not None:
            click.echo(f"Head: #{result.head_seq} {result.head_hash}")
        if result.unchecked_kinds:
            click.echo(
                "Not compared with a record (no model registered): "
                + ", ".join(sorted(result.unchecked_kinds))
            )
        return
    first = result.first_problem
    click.echo(
        f"Ledger verification FAILED at entry #{first.seq} {first.kind} ({first.subject}): {first.message}",
        err=True,
    )
    for problem in result.problems[1 : max(1, show)]:
        click.echo(f"  also #{problem.seq} {problem.kind} ({problem.subject}): {problem.message}", err=True)
    click.echo(f"{result.problem_count} problem(s) in {result.checked} entries checked.", err=True)
    raise SystemExit(1)


@cli.command("backfill-certificates")
def backfill_certificates_command() -> None:
    """Issue the certificates missing for completed enrolments. Safe to run again."""
    from lms.evidence.services import backfill_certificates
    from lms.extensions import db

    issued = backfill_certificates()
    db.session.commit()
    click.echo(f"{issued} certificate(s) issued.")
