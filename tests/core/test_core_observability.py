"""JSON logs with the request id on every line, passed on with the outbox messages a request queues."""

from __future__ import annotations

import json
import logging

from flask_babel import lazy_gettext as _l

from lms import create_app
from lms.ops.logs import configure_logging


def test_request_id_is_taken_from_the_proxy_or_made_and_sent_back(client):
    given = client.get("/healthz", headers={"X-Request-ID": "proxy-abc-123456"})
    assert given.headers["X-Request-ID"] == "proxy-abc-123456"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(made.headers["X-Request-ID"]) == 32 and made.headers["X-Request-ID"] != "bad id with spaces"


def test_json_log_lines_carry_the_request_id(app, tmp_path, capsys):
    json_app = create_app(
        {
            "LMS_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'j.sqlite3'}",
            "LOG_FORMAT": "json",
        }
    )
    try:
        with json_app.test_request_context("/", headers={"X-Request-ID": "req-0000-1111"}):
            json_app.preprocess_request()
            logging.getLogger("lms.outbox").warning("something to say")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        line = next(entry for entry in lines if entry["message"] == "something to say")
        assert line["request_id"] == "req-0000-1111"
        assert line["level"] == "WARNING" and line["logger"] == "lms.outbox"
    finally:
        configure_logging(app)


def test_queued_messages_keep_the_request_id(app, demo, db):
    from lms.jobs.models import OutboxMessage
    from lms.notifications.services import notify

    with app.test_request_context("/", headers={"X-Request-ID": "req-2222-3333"}):
        app.preprocess_request()
        notify(demo.user("trainee"), "test", _l("Dashboard"))
        db.session.commit()
    assert db.session.execute(db.select(OutboxMessage.request_id)).scalar_one() == "req-2222-3333"


def test_readyz_checks_database_and_migrations(client, db):
    body = client.get("/readyz").get_json()
    # The suite builds its tables without Alembic, so the migration check rightly says "not at head".
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "migrations are not at head"
    assert "redis" not in body["checks"]


def test_readyz_checks_redis_when_configured(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/5")
    assert client.get("/readyz").get_json()["checks"]["redis"] == "ok"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:5137/0")  # nothing listens there
    down = client.get("/readyz")
    assert down.status_code == 503 and down.get_json()["checks"]["redis"] == "redis unavailable"
