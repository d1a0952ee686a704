"""Migrations: an empty database upgrades to head, and the models match it exactly."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from lms import create_app
from lms.config import PROJECT_ROOT, normalise_database_url
from lms.extensions import db

MIGRATIONS = str(PROJECT_ROOT / "lms" / "migrations")


def _postgres_url():
    url = os.environ.get("LMS_TEST_POSTGRES_URL")
    return normalise_database_url(url) if url else None


def _targets(tmp_path):
    yield "sqlite", f"sqlite:///{tmp_path / 'migrated.sqlite3'}", None
    if _postgres_url():
        yield "postgresql", _postgres_url(), f"migr_{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_upgrade_empty_database_to_head_matches_models(tmp_path, backend):
    targets = {name: (url, schema) for name, url, schema in _targets(tmp_path)}
    if backend not in targets:
        pytest.skip("LMS_TEST_POSTGRES_URL is not set")
    url, schema = targets[backend]
    options = {}
    if schema:
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        options = {"connect_args": {"options": f"-csearch_path={schema}"}, "pool_pre_ping": True}
    app = create_app(
        {"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    try:
        with app.app_context():
            upgrade(directory=MIGRATIONS)
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
                tables = set(sa.inspect(connection).get_table_names())
                triggers = _trigger_names(connection)
            db.engine.dispose()
    finally:
        if schema:
            engine = sa.create_engine(url)
            with engine.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
            engine.dispose()
    assert diff == []
    assert set(db.metadata.tables) <= tables
    assert {
        "ledger_entry_no_update",
        "ledger_entry_no_delete",
    } <= triggers or "ledger_entry_no_change" in triggers


def _trigger_names(connection) -> set[str]:
    if connection.dialect.name == "sqlite":
        rows = connection.execute(sa.text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    else:
        rows = connection.execute(sa.text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))
    return {row[0] for row in rows}
