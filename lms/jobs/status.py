"""What the background work is doing: per job the schedule, last run and failures; the outbox and queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lms.database import utcnow
from lms.extensions import db
from lms.jobs.models import MESSAGE_KINDS, MESSAGE_STATES, JobRun, OutboxMessage
from lms.jobs.scheduled import JOBS

FAILURE_WINDOW = timedelta(days=7)


@dataclass
class JobState:
    name: str
    schedule: str
    last_run: JobRun | None
    last_success: datetime | None
    failures: int  # failed runs in the last seven days


@dataclass
class JobsStatus:
    broker: str  # "inline" or the broker's address without credentials
    queue_depth: int | None  # tasks waiting in the broker; None when unknown (inline, or broker down)
    broker_error: str
    jobs: list[JobState]
    outbox: dict[str, dict[str, int]]  # kind -> status -> count
    oldest_pending: datetime | None
    failed_messages: list[OutboxMessage] = field(default_factory=list)

    @property
    def outbox_failed(self) -> int:
        return sum(counts.get("failed", 0) for counts in self.outbox.values())

    @property
    def outbox_waiting(self) -> int:
        return sum(counts.get("pending", 0) + counts.get("sending", 0) for counts in self.outbox.values())


def _queue_depth(broker: str) -> tuple[int | None, str]:
    if not broker.startswith(("redis://", "rediss://")):
        return None, ""
    import redis

    try:
        client = redis.Redis.from_url(broker, socket_connect_timeout=2, socket_timeout=2)
        depth = int(client.llen("celery"))
        client.close()
    except redis.RedisError as error:
        return None, str(error)
    return depth, ""


def jobs_status(failed_limit: int = 20) -> JobsStatus:
    config = current_app.config
    since = utcnow() - FAILURE_WINDOW
    jobs = []
    for job in JOBS.values():
        last = (
            db.session.execute(
                sa.select(JobRun)
                .where(JobRun.job == job.name)
                .order_by(JobRun.started_at.desc(), JobRun.id.desc())
            )
            .scalars()
            .first()
        )
        last_success = db.session.execute(
            sa.select(sa.func.max(JobRun.finished_at)).where(
                JobRun.job == job.name, JobRun.status == "succeeded"
            )
        ).scalar_one()
        failures = db.session.execute(
            sa.select(sa.func.count())
            .select_from(JobRun)
            .where(JobRun.job == job.name, JobRun.status == "failed", JobRun.started_at >= since)
        ).scalar_one()
        jobs.append(JobState(job.name, (config.get(job.setting) or "").strip(), last, last_success, failures))
    outbox = {kind: dict.fromkeys(MESSAGE_STATES, 0) for kind in MESSAGE_KINDS}
    for kind, status, count in db.session.execute(
        sa.select(OutboxMessage.kind, OutboxMessage.status, sa.func.count()).group_by(
            OutboxMessage.kind, OutboxMessage.status
        )
    ):
        outbox[kind][status] = count
    oldest = db.session.execute(
        sa.select(sa.func.min(OutboxMessage.created_at)).where(
            OutboxMessage.status.in_(("pending", "sending"))
        )
    ).scalar_one()
    failed = list(
        db.session.execute(
            sa.select(OutboxMessage)
            .where(OutboxMessage.status == "failed")
            .order_by(OutboxMessage.id.desc())
            .limit(failed_limit)
        ).scalars()
    )
    broker = config.get("CELERY_BROKER_URL") or ""
    depth, error = _queue_depth(broker)
    shown = sa.engine.make_url(broker).render_as_string(hide_password=True) if broker else "inline"
    return JobsStatus(shown, depth, error, jobs, outbox, oldest, failed)
