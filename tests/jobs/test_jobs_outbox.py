"""The outbox: queued with the fact, delivered after commit (inline without a broker), retried with backoff,
failed messages shown to administrators, nothing lost when the broker is down, nothing sent twice."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from lms.database import utcnow
from lms.jobs import outbox
from lms.jobs.models import JobRun, OutboxMessage
from lms.notifications.services import notify
from tests.jobs.fakes import smtp_server


def _messages(db):
    return db.session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def test_an_email_is_queued_with_the_notice_and_sent_once_after_commit(app, demo, db, caplog):
    caplog.set_level(logging.INFO)
    user = demo.user("trainee.manager")
    with app.test_request_context("/"):
        notify(user, "test", _l("Dashboard"), link="/")
    assert "email to" not in caplog.text
    db.session.commit()
    assert caplog.text.count("email to trainee.manager@demo.aeo-lms.cn: Dashboard") == 1
    [message] = _messages(db)
    assert (message.kind, message.status, message.attempts) == ("email", "sent", 1)
    # Delivering it again does nothing: it is already sent.
    caplog.clear()
    assert outbox.deliver(message.id) == "skipped"
    assert "email to" not in caplog.text


def test_rollback_leaves_no_message(app, demo, db):
    with app.test_request_context("/"):
        notify(demo.user("trainee"), "test", _l("Dashboard"))
    db.session.rollback()
    assert _messages(db) == []


def test_an_idempotency_key_is_queued_once(app, demo, db):
    outbox.queue_message("xapi", key="xapi:registered:1:1", payload={"stream": "registered", "row": 1})
    db.session.flush()
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            outbox.queue_message("xapi", key="xapi:registered:1:1", payload={})
    assert outbox.queue_message_once("xapi", key="xapi:registered:1:1") is None


def test_a_refusing_mail_server_is_retried_with_backoff_then_failed_and_shown_to_admins(
    app, client, demo, db, monkeypatch
):
    with smtp_server(refuse=True) as smtp:
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", smtp.port)
        monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 3)
        # The trainee's request that triggers the notice still succeeds.
        client.login("officer.futian")
        with app.test_request_context("/"):
            notify(demo.user("trainee"), "test", _l("Dashboard"))
        db.session.commit()
        [message] = _messages(db)
        assert (message.status, message.attempts) == ("pending", 1)
        assert "451" in message.last_error
        first_wait = message.next_attempt_at - utcnow()
        assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
        # Not due yet: the sweep leaves it alone.
        assert outbox.sweep() == 0
        for attempt in (2, 3):
            message.next_attempt_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
            assert outbox.sweep() == 1
            db.session.expire_all()
            message = db.session.get(OutboxMessage, message.id)
            assert message.attempts == attempt
        assert message.status == "failed"
        assert smtp.delivered == []
    client.submit("/logout")
    client.login("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Outbox: 0 waiting, 1 failed." in page
    assert f"#{message.id}" in page and "451" in page
    # An administrator queues it again from the command line.
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "")
    result = runner.invoke(args=["jobs", "retry", str(message.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "pending"
    assert runner.invoke(args=["jobs", "run", "outbox-sweep"]).exit_code == 0
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).status == "sent"


def test_broker_down_the_page_answers_and_the_message_waits_for_the_sweep(app, client, demo, db, monkeypatch):
    from lms.jobs.celery import init_celery

    # Nothing listens on this port (one of this project's test ports): every publish fails at once.
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", "redis://127.0.0.1:5138/0")
    init_celery(app)
    try:
        client.login("admin")
        trainee = demo.user("trainee.customs")
        response = client.submit(f"/users/{trainee.id}/password", {"password": "fresh-pass-9"})
        assert response.status_code == 302
        with app.test_request_context("/"):
            notify(trainee, "test", _l("Dashboard"))
        db.session.commit()
        [message] = _messages(db)
        assert message.status == "pending" and message.attempts == 0
        assert client.get("/").status_code == 200
        status = app.test_cli_runner().invoke(args=["jobs", "status"])
        assert "queue depth: unknown" in status.output and "broker unavailable" in status.output
        assert "outbox email: pending 1" in status.output
    finally:
        monkeypatch.setitem(app.config, "CELERY_BROKER_URL", "")
        init_celery(app)
    # The broker is back (here: inline delivery): the sweep sends what waited.
    assert outbox.sweep() == 1
    db.session.expire_all()
    assert _messages(db)[0].status == "sent"


def test_jobs_status_and_run_record_each_job(app, demo, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "sessions-complete-ended"])
    assert result.exit_code == 0, result.output
    assert "sessions-complete-ended: succeeded" in result.output
    assert "ended sessions" in result.output
    result = runner.invoke(args=["jobs", "run", "evidence-xapi-send"])
    assert "No Learning Record Store is configured" in result.output
    status = runner.invoke(args=["jobs", "status"])
    assert status.exit_code == 0
    assert "broker: inline" in status.output
    line = next(line for line in status.output.splitlines() if line.startswith("sessions-complete-ended"))
    assert "15 * * * *" in line and "succeeded" in line and line.rstrip().endswith("0")
    never = next(line for line in status.output.splitlines() if line.startswith("cultivation-remind"))
    assert "never" in never
    runs = db.session.execute(sa.select(JobRun.job, JobRun.status)).all()
    assert set(runs) == {("sessions-complete-ended", "succeeded"), ("evidence-xapi-send", "succeeded")}
    assert runner.invoke(args=["jobs", "run", "no-such-job"]).exit_code != 0


def test_a_failing_job_is_counted_as_a_failure(app, demo, db, monkeypatch):
    from lms.jobs import scheduled

    def explode():
        raise RuntimeError("the database went away")

    broken = scheduled.Job(
        "sessions-complete-ended",
        "SCHEDULE_SESSIONS_COMPLETE_ENDED",
        lambda: (scheduled.click.Command("boom", callback=explode), []),
    )
    monkeypatch.setitem(scheduled.JOBS, "sessions-complete-ended", broken)
    run = scheduled.run_job("sessions-complete-ended")
    assert run.status == "failed" and "the database went away" in run.detail
    output = app.test_cli_runner().invoke(args=["jobs", "status"]).output
    line = next(line for line in output.splitlines() if line.startswith("sessions-complete-ended"))
    assert "failed" in line and line.rstrip().endswith("1")


@pytest.mark.parametrize("login", ["trainee", "expert.shenzhen", "officer.shenzhen"])
def test_only_admins_see_the_jobs_panel(client, demo, login):
    client.login(login)
    assert "Background jobs" not in client.get("/").get_data(as_text=True)


def test_admin_dashboard_shows_each_job(client, demo):
    client.login("admin")
    page = client.get("/").get_data(as_text=True)
    assert "Background jobs" in page
    for job in (
        "cultivation-remind",
        "cultivation-flags",
        "quizzes-close-overdue",
        "sessions-complete-ended",
        "evidence-xapi-send",
        "outbox-sweep",
    ):
        assert f'data-job="{job}"' in page


def test_beat_schedule_comes_from_the_settings(app):
    from lms.jobs.celery import beat_schedule

    schedule = beat_schedule(
        {**app.config, "SCHEDULE_CULTIVATION_FLAGS": "", "SCHEDULE_QUIZZES_CLOSE_OVERDUE": "*/10 * * * *"}
    )
    assert "cultivation-flags" not in schedule
    assert schedule["quizzes-close-overdue"]["args"] == ["quizzes-close-overdue"]
    assert schedule["quizzes-close-overdue"]["schedule"].minute == set(range(0, 60, 10))


def test_a_bad_schedule_refuses_to_start(tmp_path):
    from lms import create_app
    from lms.config import StartupRefused

    with pytest.raises(StartupRefused, match="LMS_SCHEDULE_CULTIVATION_REMIND must be a crontab line"):
        create_app(
            {
                "LMS_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "SCHEDULE_CULTIVATION_REMIND": "every morning",
            }
        )
