"""Report and export queries read from LMS_DATABASE_REPLICA_URL; writes and other pages use the primary."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from lms.core.replica import dispose_replica, reading_from_replica, replica_engine
from lms.extensions import db as _db


def test_selects_go_to_the_replica_only_inside_the_hook(app, db):
    select = sa.select(sa.literal(1))
    assert db.session.get_bind(clause=select) is db.engine
    with reading_from_replica():
        assert db.session.get_bind(clause=select) is replica_engine()
        assert replica_engine() is not db.engine  # the suite's second connection
        assert db.session.get_bind(clause=sa.update(sa.table("user")).values()) is db.engine


def test_reports_read_from_the_replica_and_other_pages_from_the_primary(app, client, demo, db, tmp_path):
    if app.config["TEST_BACKEND"] != "sqlite":
        pytest.skip("the replica here is a copy of the SQLite file")
    replica = tmp_path / "replica.sqlite3"
    _db.engine.dispose()
    shutil.copyfile(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"), replica)
    enterprise = demo.enterprise("Pengcheng")
    enterprise.name_en = "Renamed On The Primary Ltd"
    db.session.commit()
    old = app.config["DATABASE_REPLICA_URL"]
    app.config["DATABASE_REPLICA_URL"] = f"sqlite:///{replica}"
    dispose_replica(app)
    try:
        client.login("officer.shenzhen")
        report = client.get(f"/reports/enterprises/{enterprise.id}").get_data(as_text=True)
        assert "Pengcheng" in report and "Renamed On The Primary" not in report
        page = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
        assert "Renamed On The Primary" in page
    finally:
        app.config["DATABASE_REPLICA_URL"] = old
        dispose_replica(app)
