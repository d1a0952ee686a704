"""Fixtures shared by the whole suite.

Every test that asks for ``app`` (directly or through ``db``/``client``) runs once on SQLite and, when
``LMS_TEST_POSTGRES_URL`` is set, once more on PostgreSQL. Each test starts from empty tables: SQLite gets a
fresh copy of a schema-only database file, PostgreSQL a TRUNCATE of every table.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from lms import create_app
from lms.config import normalise_database_url
from lms.core.replica import dispose_replica
from lms.extensions import db as _db
from tests.support.clock import FakeClock

DEMO_PASSWORD = "demo-2026"
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LMS_TEST_POSTGRES_URL") else [])


def pytest_report_header(config):
    return f"databases under test: {', '.join(BACKENDS)}"


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("passed", []):
        for backend in BACKENDS:
            if (
                f"[{backend}" in report.nodeid
                or f"-{backend}]" in report.nodeid
                or f"-{backend}-" in report.nodeid
            ):
                counts[backend] = counts.get(backend, 0) + 1
    if counts:
        summary = ", ".join(f"{backend}: {counts.get(backend, 0)} passed" for backend in BACKENDS)
        terminalreporter.write_line(f"database-backed tests per database: {summary}")


def _compile_catalogs() -> None:
    """Compile .po catalogs when the .mo is missing or older, so pytest works without `make`."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "lms" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog)


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own app context, like real requests do.

    Without this, a request made while the test holds an app context would share the test's database
    session and ``g`` (and so the logged-in user) with it. The test's own work is committed before each
    request and its objects are expired after, so both sides see the database as it is.
    """

    def open(self, *args, **kwargs):
        outer = has_app_context() and _db.session.registry.has()
        if outer:
            _db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if outer:
            _db.session.expire_all()
        return response

    def csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.get("csrf_token")
            if raw is None:
                raw = os.urandom(20).hex()
                session["csrf_token"] = raw
        serializer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
        return serializer.dumps(raw)

    def submit(self, url: str, data: dict | None = None, **kwargs):
        """POST a form with a valid CSRF token, as a browser would after loading the page."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token())
        return self.post(url, data=data, **kwargs)

    def login(self, login_name: str, password: str = DEMO_PASSWORD):
        response = self.submit("/login", {"identifier": login_name, "password": password})
        assert response.status_code == 302, f"login of {login_name} failed: {response.status_code}"
        return response


@pytest.fixture(scope="session", params=BACKENDS)
def app(request, tmp_path_factory):
    _compile_catalogs()
    backend = request.param
    tmp = tmp_path_factory.mktemp(backend)
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'lms.sqlite3'}"
    else:
        url = _worker_database(normalise_database_url(os.environ["LMS_TEST_POSTGRES_URL"]))
    # Tests need no durability: PostgreSQL may acknowledge commits before they reach the disk.
    engine_options = {}  # as in production: pooled connections are checked by lms/core/pool.py
    if backend == "postgresql":
        engine_options["connect_args"] = {"options": "-c synchronous_commit=off"}
    app = create_app(
        {
            "LMS_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "UPLOAD_FOLDER": str(tmp / "uploads"),
            "SITE_URL": "http://lms.test",
            # No signing key unless a test makes one (tests/credentials/conftest.py).
            "CREDENTIALS_KEY_DIR": str(tmp / "credential-keys"),
            # Report and export queries run on a second connection, as they would on a read replica.
            "DATABASE_REPLICA_URL": url,
            # Report pages compute afresh (tests/reports/test_reports_snapshot.py turns snapshots on).
            "REPORT_SNAPSHOT_SECONDS": 0,
        }
    )
    app.test_client_class = IsolatedClient
    app.config["TEST_BACKEND"] = backend
    with app.app_context():
        if backend == "postgresql":
            with _db.engine.begin() as connection:
                connection.execute(sa.text("DROP SCHEMA IF EXISTS public CASCADE"))
                connection.execute(sa.text("CREATE SCHEMA public"))
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()
    if backend == "sqlite":
        template = tmp / "template.sqlite3"
        shutil.copyfile(tmp / "lms.sqlite3", template)
        app.config["TEST_SQLITE_TEMPLATE"] = (str(template), str(tmp / "lms.sqlite3"))
    yield app
    with app.app_context():
        _db.engine.dispose()
        dispose_replica(app)


def _worker_database(url: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database next to the given one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    base = sa.engine.make_url(url)
    name = f"{base.database}_{worker}"
    engine = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _reset_database(app) -> None:
    dispose_replica(app)
    kept_pages = app.extensions.get("page_cache")
    if kept_pages is not None:  # pages kept by an earlier test, on rows that are about to go
        kept_pages.clear()
    if app.config["TEST_BACKEND"] == "sqlite":
        template, target = app.config["TEST_SQLITE_TEMPLATE"]
        _db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(target + suffix)
        shutil.copyfile(template, target)
    else:
        tables = ", ".join(f'"{table.name}"' for table in _db.metadata.sorted_tables)
        with _db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(app):
    """The database extension, inside an app context, on empty tables."""
    with app.app_context():
        _reset_database(app)
        yield _db
        _db.session.remove()


@pytest.fixture
def client(app, db) -> IsolatedClient:
    return app.test_client()


@pytest.fixture
def cli(app, db):
    return app.test_cli_runner()


@pytest.fixture
def demo(db):
    """The documented demo units, enterprises and accounts (password demo-2026)."""
    from lms.demo import org

    org.load()
    db.session.commit()
    return Demo()


class Demo:
    """Look up demo rows by their natural keys."""

    def user(self, login_name: str):
        from lms.auth.models import User

        return _db.session.execute(sa.select(User).where(User.login_name == login_name)).scalar_one()

    def unit(self, code: str):
        from lms.org.models import CustomsUnit

        return _db.session.execute(sa.select(CustomsUnit).where(CustomsUnit.code == code)).scalar_one()

    def enterprise(self, name_en_start: str):
        from lms.org.models import Enterprise

        return _db.session.execute(
            sa.select(Enterprise).where(Enterprise.name_en.startswith(name_en_start))
        ).scalar_one()


@pytest.fixture
def wide_app(app, db):
    """The same database through an app whose pool serves every thread of a concurrency test at once, so that
    the threads meet at the database (where the rules are enforced), not in the connection pool."""
    wide = create_app(
        {
            "LMS_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "SQLALCHEMY_ENGINE_OPTIONS": {
                **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
                "pool_size": 40,
                "max_overflow": 10,
                "pool_timeout": 60,
            },
            "UPLOAD_FOLDER": app.config["UPLOAD_FOLDER"],
            "SITE_URL": app.config["SITE_URL"],
            "CREDENTIALS_KEY_DIR": app.config["CREDENTIALS_KEY_DIR"],
        }
    )
    yield wide
    with wide.app_context():
        _db.engine.dispose()


@pytest.fixture
def factory(db):
    from tests.factories import Factory

    return Factory(_db)


@pytest.fixture
def count_queries(db, monkeypatch):
    """``with count_queries() as counter: ...`` then ``counter.count`` statements were sent.

    From then on pages are rendered afresh (kept pages off): what is counted is a page's own work, which
    must not grow with rows. ``count_queries(kept_pages=True)`` leaves them on
    (tests/core/test_core_page_cache.py counts a kept page's one statement).
    """
    from flask import current_app

    @contextlib.contextmanager
    def counting(kept_pages: bool = False):
        if not kept_pages:
            monkeypatch.delitem(current_app.extensions, "page_cache", raising=False)
        counter = type("Counter", (), {"count": 0, "statements": []})()
        # The test's own writes so far are committed first (a request would commit them, with the counters
        # of lms.core.page_cache): what is counted is the block's alone.
        session = _db.session()
        if session.new or session.dirty or session.deleted or session.info.get("lms_page_owners"):
            session.commit()

        def before(conn, cursor, statement, parameters, context, executemany):
            counter.count += 1
            counter.statements.append(statement)

        sa.event.listen(_db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(_db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def clock(monkeypatch):
    """The one fake clock (tests/support/clock.py): ``clock.set(moment or day)``, ``clock.advance(minutes=1)``."""
    return FakeClock(monkeypatch)
