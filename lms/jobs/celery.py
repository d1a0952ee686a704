"""Celery bound to the Flask application: tasks run in an app context, with the request id they were sent.

``init_celery(app)`` is called by the factory. Without ``LMS_CELERY_BROKER_URL`` there is no Celery at
all: outbox messages are delivered inline and the scheduled jobs are run by their commands (cron or by
hand). With a broker, ``celery -A lms.jobs.worker worker`` and ``celery -A lms.jobs.worker beat`` run them.
"""

from __future__ import annotations

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from lms.ops.logs import new_request_id, reset_request_id, set_request_id

DELIVER_TASK = "lms.deliver_message"
RUN_JOB_TASK = "lms.run_job"


def _crontab(text: str) -> crontab:
    minute, hour, day_of_month, month_of_year, day_of_week = text.split()
    return crontab(
        minute=minute,
        hour=hour,
        day_of_month=day_of_month,
        month_of_year=month_of_year,
        day_of_week=day_of_week,
    )


def beat_schedule(config) -> dict:
    from lms.jobs.scheduled import JOBS

    schedule = {}
    for job in JOBS.values():
        text = (config.get(job.setting) or "").strip()
        if text:
            schedule[job.name] = {"task": RUN_JOB_TASK, "schedule": _crontab(text), "args": [job.name]}
    return schedule


def validate_schedules(config) -> None:
    from lms.config import StartupRefused
    from lms.jobs.scheduled import JOBS

    for job in JOBS.values():
        text = (config.get(job.setting) or "").strip()
        if not text:
            continue
        try:
            _crontab(text)
        except (ValueError, TypeError) as error:
            raise StartupRefused(
                f"LMS_{job.setting} must be a crontab line like '0 7 * * *', not {text!r} ({error})"
            ) from None


def init_celery(app: Flask) -> Celery | None:
    validate_schedules(app.config)
    broker = app.config.get("CELERY_BROKER_URL") or ""
    if not broker:
        app.extensions.pop("lms_celery", None)
        return None
    celery = Celery(app.import_name, set_as_current=False)
    lease = int(app.config["OUTBOX_LEASE_SECONDS"])
    celery.conf.update(
        broker_url=broker,
        task_ignore_result=True,
        # A task is acknowledged when it ends: a worker killed mid-task leaves it to be delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": max(lease * 2, 60), "socket_connect_timeout": 3},
        broker_connection_timeout=3,
        broker_connection_retry_on_startup=True,
        # A web request does not wait for a broker that is down: the outbox sweep sends the message later.
        task_publish_retry=False,
        timezone=app.config["BABEL_DEFAULT_TIMEZONE"],
        enable_utc=True,
        beat_schedule=beat_schedule(app.config),
        worker_hijack_root_logger=False,
    )

    class AppTask(Task):
        def __call__(self, *args, **kwargs):
            rid = (
                getattr(self.request, "request_id", None)
                or (self.request.headers or {}).get("request_id")
                or self.request.id
                or new_request_id()
            )
            token = set_request_id(rid)
            try:
                with app.app_context():
                    return self.run(*args, **kwargs)
            finally:
                reset_request_id(token)

    celery.Task = AppTask

    @celery.task(name=DELIVER_TASK, bind=True, max_retries=None)
    def deliver_message(self, message_id: int) -> str:
        from lms.extensions import db
        from lms.jobs.models import OutboxMessage
        from lms.jobs.outbox import deliver

        outcome = deliver(message_id)
        if outcome == "retry":
            message = db.session.get(OutboxMessage, message_id)
            delay = max(1.0, (message.next_attempt_at - _now()).total_seconds())
            db.session.remove()
            raise self.retry(countdown=delay)
        db.session.remove()
        return outcome

    @celery.task(name=RUN_JOB_TASK)
    def run_job_task(name: str) -> str:
        from lms.extensions import db
        from lms.jobs.scheduled import run_job

        try:
            return run_job(name).status
        finally:
            db.session.remove()

    app.extensions["lms_celery"] = celery
    return celery


def _now():
    from lms.database import utcnow

    return utcnow()
