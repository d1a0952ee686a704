"""psycopg connections keep their prepared statements past a transaction that only read (lms/core/pgconn.py),
and a rollback still undoes every write; cursors describe a result when asked."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.core import pgconn

SELECT_AGAIN = "SELECT count(*) FROM page_version WHERE owner_id > %s"


@pytest.fixture
def raw(pg):
    connection = pg.engine.raw_connection()
    try:
        yield connection.dbapi_connection
    finally:
        connection.close()


def _prepared(dbapi) -> int:
    with dbapi.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


def _committed(dbapi, *statements: str) -> None:
    with dbapi.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
    dbapi.commit()


def _prepare_one(dbapi) -> None:
    """Run one SELECT often enough for psycopg to prepare it on the server."""
    with dbapi.cursor() as cursor:
        for _ in range(8):
            cursor.execute(SELECT_AGAIN, (0,))
            cursor.fetchall()


def test_the_application_connects_with_the_keeping_connection(raw):
    assert isinstance(raw, pgconn.Connection)
    assert isinstance(raw.cursor(), pgconn.Cursor)


def test_prepared_statements_outlive_a_transaction_that_only_read(raw):
    _prepare_one(raw)
    assert _prepared(raw) >= 1
    raw.rollback()  # how SQLAlchemy ends a page's transaction
    assert _prepared(raw) >= 1
    raw.rollback()


def test_a_transaction_that_wrote_is_rolled_back_and_its_write_undone(raw):
    _committed(raw, "CREATE TEMPORARY TABLE scratch (n integer)")
    _prepare_one(raw)
    with raw.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scratch")  # reads first, then writes
        cursor.execute("INSERT INTO scratch VALUES (1)")
    raw.rollback()
    with raw.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM scratch")
        assert cursor.fetchone()[0] == 0
    # A real ROLLBACK: psycopg let go of what it had prepared, as it always has.
    assert _prepared(raw) == 0
    raw.rollback()


@pytest.mark.parametrize(
    "write",
    [
        lambda cursor: cursor.execute("UPDATE scratch SET n = 2"),
        lambda cursor: cursor.execute("DELETE FROM scratch"),
        lambda cursor: cursor.execute(
            "WITH gone AS (DELETE FROM scratch RETURNING n) SELECT count(*) FROM gone"
        ),
        lambda cursor: cursor.execute("  update scratch set n = 3"),
        lambda cursor: cursor.executemany("INSERT INTO scratch VALUES (%s)", [(2,), (3,)]),
    ],
    ids=["update", "delete", "cte", "lower-case", "executemany"],
)
def test_every_kind_of_write_is_undone_by_a_rollback(raw, write):
    _committed(raw, "CREATE TEMPORARY TABLE scratch (n integer)", "INSERT INTO scratch VALUES (1)")
    with raw.cursor() as cursor:
        write(cursor)
    raw.rollback()
    with raw.cursor() as cursor:
        cursor.execute("SELECT n FROM scratch")
        assert cursor.fetchall() == [(1,)]
    raw.rollback()


def test_an_aborted_transaction_is_rolled_back_and_the_connection_goes_on(raw):
    with raw.cursor() as cursor:
        with pytest.raises(Exception, match="division by zero"):
            cursor.execute("SELECT 1 / 0")
    raw.rollback()
    with raw.cursor() as cursor:
        cursor.execute("SELECT 2")
        assert cursor.fetchone() == (2,)
    raw.rollback()


def test_a_row_locked_for_update_by_a_read_is_free_after_the_rollback(pg, raw):
    _committed(
        raw,
        "CREATE TABLE IF NOT EXISTS scratch_lock (n integer primary key)",
        "INSERT INTO scratch_lock VALUES (1) ON CONFLICT DO NOTHING",
    )
    with raw.cursor() as cursor:
        cursor.execute("SELECT n FROM scratch_lock WHERE n = 1 FOR UPDATE")
    raw.rollback()
    other = sa.create_engine(pg.engine.url, poolclass=sa.pool.NullPool)
    try:
        with other.begin() as connection:
            connection.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
            got = connection.execute(sa.text("SELECT n FROM scratch_lock WHERE n = 1 FOR UPDATE NOWAIT"))
            assert got.scalar_one() == 1
            connection.execute(sa.text("DROP TABLE scratch_lock"))
    finally:
        other.dispose()


def test_pages_leave_the_pooled_connection_with_its_prepared_statements(pg, client):
    for _ in range(8):  # the same statements, often enough to be prepared
        assert client.get("/verify/NOSUCHCODE").status_code in (200, 404)
    connection = pg.engine.raw_connection()
    try:
        assert _prepared(connection.dbapi_connection) >= 1
        connection.rollback()
    finally:
        connection.close()


def test_only_selects_and_pings_count_as_reads():
    assert pgconn.only_reads("SELECT 1")
    assert pgconn.only_reads("\n  select * from x")
    assert pgconn.only_reads(b"SELECT 1")
    assert pgconn.only_reads(";")
    for statement in (
        "INSERT INTO x VALUES (1)",
        "WITH a AS (SELECT 1) SELECT * FROM a",
        "SAVEPOINT s",
        "SET x",
    ):
        assert not pgconn.only_reads(statement)


def test_a_description_made_on_use_matches_psycopgs_and_keeps_to_its_result(raw):
    import psycopg

    with raw.cursor() as cursor:
        cursor.execute("SELECT 1 AS one, 'x'::text AS two")
        described = cursor.description
        expected = psycopg.Cursor.description.fget(cursor)
        assert len(described) == 2
        assert [tuple(c) for c in described] == [tuple(c) for c in expected]  # name, type, sizes ...
        cursor.execute("SELECT now() AS three")
        # Asked after the cursor moved on: still the columns of the first result.
        assert [c.name for c in cursor.description] == ["three"]
        assert [c.name for c in described] == ["one", "two"]
        cursor.execute("CREATE TEMPORARY TABLE scratch (n integer)")
        assert cursor.description is None
    raw.rollback()


def test_sqlalchemy_reads_rows_by_name_through_such_descriptions(pg):
    with pg.engine.connect() as connection:
        row = connection.execute(sa.text("SELECT 7 AS seven, 'eight' AS eight")).one()
        assert (row.seven, row.eight) == (7, "eight")
        result = connection.execute(sa.text("SELECT 1 AS one WHERE false"))
        assert list(result.keys()) == ["one"]
        assert result.all() == []


def test_report_queries_are_planned_afresh_and_never_prepared(pg, client, demo):
    """A report's plan depends on the period and unit asked for: its queries (the report pages', the
    downloads' and the dashboard's effectiveness panel's) are not prepared (a generic plan chosen after five
    runs made a national download five times slower), while the other queries of the same pages are."""
    from lms.auth.models import User
    from lms.core.replica import replica_engine

    unit_id = pg.session.execute(
        sa.select(User.unit_id).where(User.login_name == "officer.shenzhen")
    ).scalar()
    client.login("officer.shenzhen")
    for _ in range(8):
        assert client.get("/reports/").status_code == 200
        assert client.get("/").status_code == 200
        # A download's rows are read as it streams, after its view has returned: still a report's queries.
        download = client.get(f"/reports/unit/{unit_id}/export/courses.csv", buffered=True)
        assert download.status_code == 200 and download.get_data(as_text=True).startswith("\ufeff")
    replica = replica_engine()
    assert replica is not None  # the tests read reports through a second engine, as from a replica
    prepared = {"primary": _prepared_statements(pg.engine), "replica": _prepared_statements(replica)}
    assert any('FROM "user"' in statement for statement in prepared["primary"])  # the signed-in user's
    for statements in prepared.values():
        assert not any("report_rollup" in s or "quiz_result" in s for s in statements), statements


def _prepared_statements(engine) -> list[str]:
    """The statements prepared on the (only) pooled connection of ``engine``."""
    connection = engine.raw_connection()
    try:
        with connection.dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [row[0] for row in cursor.fetchall()]
        connection.rollback()
    finally:
        connection.close()
    return prepared
