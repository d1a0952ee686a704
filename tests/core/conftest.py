"""Fixtures of the core tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def pg(app, db):
    """The database extension on PostgreSQL, its pool emptied: from here each checkout takes the same one
    connection (SQLite has no pooled server connections to check or keep statements on)."""
    if app.config["TEST_BACKEND"] != "postgresql":
        pytest.skip("PostgreSQL's pooled connections only")
    db.session.remove()
    db.engine.dispose()
    return db
