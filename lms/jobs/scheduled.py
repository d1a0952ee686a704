"""The scheduled jobs: what each runs, and a record of every run (for ``jobs status`` and the dashboard).

Each job runs the same command an operator would type, so a job and ``flask --app lms …`` never differ.
Their schedules are settings (``LMS_SCHEDULE_<JOB>``, crontab syntax in ``LMS_TIMEZONE``; empty = off).
"""

from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

import click

from lms.config import setting
from lms.database import utcnow
from lms.extensions import db
from lms.jobs.models import JobRun
from lms.ops.logs import current_request_id

log = logging.getLogger("lms.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    setting: str  # the config key of its schedule
    command: Callable[[], tuple[click.Command, list[str]]]  # resolved late: the areas import the models


def _remind():
    from lms.cultivation.cli import remind_command

    return remind_command, []


def _flags():
    from lms.cultivation.cli import flags_command

    return flags_command, []


def _close_overdue():
    from lms.quizzes.cli import close_overdue_command

    return close_overdue_command, []


def _complete_ended():
    from lms.sessions.cli import complete_ended

    return complete_ended, []


def _pseudonymise():
    from lms.privacy.cli import pseudonymise_command

    return pseudonymise_command, []


@click.command("xapi-not-configured")
def _no_lrs_command() -> None:
    click.echo("No Learning Record Store is configured (LMS_XAPI_LRS_URL); nothing to send.")


def _xapi_send():
    from lms.xapi.cli import xapi_command

    return (xapi_command, ["--send"]) if setting("XAPI_LRS_URL") else (_no_lrs_command, [])


JOBS = {
    job.name: job
    for job in (
        Job("cultivation-remind", "SCHEDULE_CULTIVATION_REMIND", _remind),
        Job("cultivation-flags", "SCHEDULE_CULTIVATION_FLAGS", _flags),
        Job("quizzes-close-overdue", "SCHEDULE_QUIZZES_CLOSE_OVERDUE", _close_overdue),
        Job("sessions-complete-ended", "SCHEDULE_SESSIONS_COMPLETE_ENDED", _complete_ended),
        Job("evidence-xapi-send", "SCHEDULE_EVIDENCE_XAPI_SEND", _xapi_send),
        Job("outbox-sweep", "SCHEDULE_OUTBOX_SWEEP", lambda: (_sweep_command, [])),
        Job("privacy-pseudonymise", "SCHEDULE_PRIVACY_PSEUDONYMISE", _pseudonymise),
    )
}


@click.command("outbox-sweep")
def _sweep_command() -> None:
    from lms.jobs.outbox import sweep

    click.echo(f"{sweep()} outbox message(s) handed to delivery.")


def run_job(name: str) -> JobRun:
    """Run a job now, inside the current app context, and record how it went."""
    job = JOBS[name]
    rid = current_request_id()
    run = JobRun(job=name, status="running", started_at=utcnow(), request_id="" if rid == "-" else rid)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    output = io.StringIO()
    command, args = job.command()
    status, detail = "succeeded", ""
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            command.main(args=args, prog_name=name, standalone_mode=False)
    except (SystemExit, click.exceptions.Exit) as stop:
        code = getattr(stop, "code", None) if isinstance(stop, SystemExit) else stop.exit_code
        if code not in (None, 0):
            status = "failed"
    except Exception as error:  # noqa: BLE001 - a failed job is recorded, never lost in a worker log
        db.session.rollback()
        status, detail = "failed", f"{type(error).__name__}: {error}"
        log.exception("job %s failed", name)
    lines = [line for line in output.getvalue().splitlines() if line.strip()]
    if not detail:
        detail = "\n".join(lines[-5:])
    db.session.rollback()
    run = db.session.get(JobRun, run_id)
    run.status, run.finished_at, run.detail = status, utcnow(), detail[:4000]
    db.session.commit()
    log.info("job %s %s: %s", name, status, detail.splitlines()[-1] if detail else "")
    return run
