"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database, Redis, migrations at head)."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from lms.core.access import public_blueprint
from lms.extensions import db

bp = Blueprint("ops", __name__)
public_blueprint(bp)  # public documents and checks


def migration_heads() -> set[str]:
    """The head revisions of the migration scripts shipped with this code."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from lms.config import MIGRATIONS_DIR

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return set(ScriptDirectory.from_config(config).get_heads())


def database_revisions(connection) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    # Alembic announces its dialect at INFO on every look; a readiness probe would fill the log with it.
    logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)
    return set(MigrationContext.configure(connection).get_current_heads())


def check_database() -> tuple[bool, str]:
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure means "not ready"
        current_app.logger.error("readiness: database unavailable: %s", error)
        return False, "database unavailable"
    return True, "ok"


def check_migrations() -> tuple[bool, str]:
    try:
        with db.engine.connect() as connection:
            current = database_revisions(connection)
    except Exception as error:  # noqa: BLE001
        current_app.logger.error("readiness: cannot read the migration version: %s", error)
        return False, "database unavailable"
    if current != migration_heads():
        return False, "migrations are not at head"
    return True, "ok"


def check_redis() -> tuple[bool, str] | None:
    """None when no Redis is configured (nothing to check)."""
    url = redis_url(current_app.config)
    if not url:
        return None
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
    except redis.RedisError as error:
        current_app.logger.error("readiness: Redis unavailable: %s", error)
        return False, "redis unavailable"
    return True, "ok"


def redis_url(config) -> str:
    """The Redis the deployment uses: the broker if it is Redis, else ``LMS_REDIS_URL``."""
    broker = config.get("CELERY_BROKER_URL") or ""
    if broker.startswith(("redis://", "rediss://")):
        return broker
    return config.get("REDIS_URL") or ""


@bp.route("/healthz")
def healthz():
    """Liveness: the process answers. It reads nothing, so a database outage does not restart web nodes."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    checks: dict[str, str] = {}
    ok_db, checks["database"] = check_database()
    ready = ok_db
    if ok_db:
        ok_migrations, checks["migrations"] = check_migrations()
        ready = ready and ok_migrations
    redis_check = check_redis()
    if redis_check is not None:
        ok_redis, checks["redis"] = redis_check
        ready = ready and ok_redis
    failed = [f"{name}: {state}" for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if ready else "error", "checks": checks}
    if failed:
        body["reason"] = "; ".join(failed)
    return jsonify(body), 200 if ready else 503
