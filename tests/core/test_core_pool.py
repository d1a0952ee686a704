"""Pooled PostgreSQL connections are checked as they leave the pool (lms/core/pool.py): one the server closed
is replaced before a request uses it, with no round trip for a connection just used."""

from __future__ import annotations

import time

import sqlalchemy as sa

from lms.core import pool as pool_check


def _backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(engine, pids: set[int]) -> None:
    """End these server processes from a connection of our own, and wait until they are gone."""
    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as connection:
            for pid in pids:
                connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            for _ in range(100):
                alive = connection.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                    {"pids": list(pids)},
                ).scalar_one()
                if not alive:
                    return
                time.sleep(0.05)
        raise AssertionError(f"server processes {pids} did not end")
    finally:
        killer.dispose()


def _every_other_backend(engine) -> set[int]:
    with engine.connect() as connection:
        return set(
            connection.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalars()
        )


def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(pg, client):
    engine = pg.engine
    before = _backend_pid(engine)  # the pooled connection the next checkout would take
    _terminate(engine, {before} | _every_other_backend(engine))

    # A page that reads the database answers normally: the request got a fresh connection.
    response = client.get("/verify/NOSUCHCODE")
    assert response.status_code in (200, 404)
    assert b"Internal Server Error" not in response.data
    after = _backend_pid(engine)
    assert after != before


def test_a_connection_just_returned_is_not_pinged_and_one_left_idle_is(pg, monkeypatch):
    pings = []
    real_ping = pool_check._ping
    monkeypatch.setattr(pool_check, "_ping", lambda conn: pings.append(1) or real_ping(conn))
    engine = pg.engine
    first = _backend_pid(engine)
    assert _backend_pid(engine) == first  # the same connection again, at once
    assert pings == []

    monkeypatch.setattr(pool_check, "IDLE_PING_SECONDS", -1.0)  # every pooled connection counts as idle
    assert _backend_pid(engine) == first
    assert pings == [1]


def test_a_silently_dropped_idle_connection_fails_its_ping_and_is_replaced(pg, monkeypatch):
    engine = pg.engine
    first = _backend_pid(engine)
    _terminate(engine, {first})
    # As if the network had dropped it without a word: nothing on the socket, so only the ping can tell.
    monkeypatch.setattr(pool_check, "server_gone", lambda conn: False)
    monkeypatch.setattr(pool_check, "IDLE_PING_SECONDS", -1.0)

    second = _backend_pid(engine)
    assert second != first


def test_server_gone_sees_a_closed_connection_and_not_an_open_one(pg):
    engine = pg.engine
    raw = engine.raw_connection()
    try:
        dbapi = raw.dbapi_connection
        raw.rollback()
        assert pool_check.server_gone(dbapi) is False
        pid = dbapi.info.backend_pid
        _terminate(engine, {pid})
        assert pool_check.server_gone(dbapi) is True
    finally:
        raw.invalidate()
        raw.close()
