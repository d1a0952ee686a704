"""A real Celery worker on Redis delivers a queued email and an xAPI statement once each, also when the
worker is killed in the middle of sending and another one takes over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms import create_app
from lms.database import utcnow
from lms.extensions import db
from lms.jobs.models import OutboxMessage
from tests.jobs.fakes import smtp_server
from tests.xapi.conftest import _course, lrs_server  # noqa: F401 - the fake LRS fixture

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/4"


def _wait_for(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _count(*where) -> int:
    """Rows of the outbox matching ``where``; the read transaction ends at once (SQLite: no lock held)."""
    try:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(OutboxMessage).where(*where)
        ).scalar_one()
    finally:
        db.session.rollback()


def _sweep(run_job) -> str:
    status = run_job("outbox-sweep").status
    db.session.rollback()
    return status


def _start_worker(env: dict, log: Path) -> subprocess.Popen:
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "lms.jobs.worker",
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_worker_delivers_email_and_statement_once_even_when_killed_mid_task(tmp_path, lrs_server):  # noqa: F811
    redis.Redis.from_url(BROKER).flushdb()
    url = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    with smtp_server(hang_first=True) as smtp:
        settings = {
            "DATABASE_URL": url,
            "LMS_ENV": "development",
            "SECRET_KEY": "worker-test-secret-key-0123456789abcdef",
            "LMS_CELERY_BROKER_URL": BROKER,
            "LMS_SMTP_HOST": "127.0.0.1",
            "LMS_SMTP_PORT": str(smtp.port),
            "LMS_MAIL_TIMEOUT": "120",
            "LMS_OUTBOX_LEASE_SECONDS": "2",
            "LMS_XAPI_LRS_URL": lrs_server.url,
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
        }
        app = create_app(
            {
                "LMS_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "CELERY_BROKER_URL": BROKER,
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": smtp.port,
                "OUTBOX_LEASE_SECONDS": 2,
                "XAPI_LRS_URL": lrs_server.url,
            }
        )
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "DATABASE_URL"))} | settings
        log = tmp_path / "worker.log"
        workers = []
        try:
            with app.app_context():
                from flask_migrate import upgrade

                from lms.courses.services import enroll
                from lms.demo import org
                from lms.jobs.outbox import queue_message
                from lms.notifications.services import notify

                upgrade()
                org.load()
                db.session.commit()
                from lms.auth.models import User

                trainee = db.session.execute(sa.select(User).where(User.login_name == "trainee")).scalar_one()
                admin = db.session.execute(sa.select(User).where(User.login_name == "admin")).scalar_one()
                course = _course(db, admin, "worker-course", "Customs credit basics", "en")
                enrollment = enroll(None, course, trainee)
                db.session.flush()
                # The email first: the worker takes it first and stalls on the mail server.
                with app.test_request_context("/"):
                    notify(trainee, "test", _l("Dashboard"), link="/")
                db.session.commit()
                queue_message(
                    "xapi",
                    key=f"xapi:registered:{enrollment.id}:test",
                    payload={"stream": "registered", "row": enrollment.id},
                )
                db.session.commit()  # both tasks wait in Redis: no worker runs yet

                workers.append(_start_worker(env, log))
                _wait_for(smtp.hanging.is_set, "the worker to start sending the email")
                _stop(workers[0], signal.SIGKILL)  # killed mid-task: the email was never acknowledged
                assert _count(OutboxMessage.kind == "email", OutboxMessage.status == "sending") == 1
                assert smtp.delivered == []

                workers.append(_start_worker(env, log))
                _wait_for(lambda: len(lrs_server.statements) == 1, "the statement to reach the LRS")
                # The dead worker's lease runs out; the sweep (a beat job) hands the email over again.
                _wait_for(
                    lambda: _count(OutboxMessage.claimed_until < utcnow() - timedelta(seconds=0.1)) == 1,
                    "the lease to expire",
                    seconds=30,
                )
                from lms.jobs.scheduled import run_job

                assert _sweep(run_job) == "succeeded"
                _wait_for(lambda: len(smtp.delivered) == 1, "the email to be delivered")
                # Nothing is due any more: sweeping again sends nothing twice.
                assert _sweep(run_job) == "succeeded"
                _wait_for(
                    lambda: _count(OutboxMessage.status == "sent") == 2, "both messages to be marked sent"
                )
                rows = [
                    (row.status, row.attempts, row.idempotency_key)
                    for row in db.session.execute(
                        sa.select(OutboxMessage).order_by(OutboxMessage.id)
                    ).scalars()
                ]
                db.session.rollback()
                db.engine.dispose()
        finally:
            for worker in workers:
                _stop(worker)
        assert [status for status, _attempts, _key in rows] == ["sent", "sent"]
        assert rows[0][1] == 2  # the killed attempt and the one that went through
        assert len(smtp.delivered) == 1
        assert smtp.message_ids == [f"<{rows[0][2].replace(':', '.')}@aeo-lms>"]
        assert smtp.delivered[0]["Subject"] == "Dashboard"
        assert len(lrs_server.statements) == 1
        statement = next(iter(lrs_server.statements.values()))
        assert statement["verb"]["id"].endswith("/registered")
        assert "Traceback" not in log.read_text(errors="replace")
