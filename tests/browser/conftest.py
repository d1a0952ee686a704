"""Browser tests: the real app served on a local port, driven by Debian's Chromium through Playwright.

One server per database backend, loaded once with the demo data and the shipped curriculum; every journey
starts from a fresh copy of that world (SQLite: the file is copied back; PostgreSQL: the database is
re-created from a template). All browser tests of one backend share an xdist group, so they run on one
worker, one after the other, while the rest of the suite runs on the other workers.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from tests.conftest import BACKENDS

VENDOR = Path(__file__).resolve().parent / "vendor"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return os.environ.get("LMS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def pytest_collection_modifyitems(config, items):
    """Browser tests of a backend run on one worker; without Chromium they are skipped (CI installs it and
    fails instead, see .ci/run)."""
    here = Path(__file__).resolve().parent
    missing = chromium_path() is None
    # PostgreSQL runs each journey in two of the four settings (English at 1280 px, Chinese at 390 px) and the
    # layout tests not at all: the pages are the same, the database under them is what differs; this keeps CI
    # within its time.
    slow = [
        item
        for item in items
        if here in Path(str(item.fspath)).resolve().parents
        and "-postgresql]" in item.nodeid
        and ("en-390" in item.nodeid or "zh_CN-1280" in item.nodeid or "test_layout.py" in item.nodeid)
    ]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
    for item in items:
        if here not in Path(str(item.fspath)).resolve().parents:
            continue
        backend = item.callspec.params.get("live", "sqlite") if hasattr(item, "callspec") else "sqlite"
        item.add_marker(pytest.mark.xdist_group(f"browser-{backend}"))
        item.add_marker(pytest.mark.browser)
        if missing and os.environ.get("CI") != "true":
            item.add_marker(
                pytest.mark.skip(reason="no Chromium (apt-get install chromium, or set LMS_CHROMIUM)")
            )


class LiveServer:
    """The app on 127.0.0.1:<free port>, over a database the tests can put back to the demo state."""

    def __init__(self, backend: str, tmp: Path):
        from lms import create_app
        from lms.config import normalise_database_url

        self.backend = backend
        self.tmp = tmp
        if backend == "sqlite":
            self.path = tmp / "browser.sqlite3"
            url = f"sqlite:///{self.path}"
        else:
            base = sa.engine.make_url(normalise_database_url(os.environ["LMS_TEST_POSTGRES_URL"]))
            worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
            self.admin_url = base
            self.template_name = f"{base.database}_browser_template_{worker}"
            self.database_name = f"{base.database}_browser_{worker}"
            self._postgres(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            self._postgres(f'CREATE DATABASE "{self.database_name}"')
            url = base.set(database=self.database_name).render_as_string(hide_password=False)
        self.app = create_app(
            {
                "LMS_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": url,
                "SQLALCHEMY_ENGINE_OPTIONS": {},  # as in production (lms/core/pool.py)
                "UPLOAD_FOLDER": str(tmp / "uploads"),
                "SITE_URL": "http://127.0.0.1",
                "WTF_CSRF_ENABLED": True,
                "RATELIMIT_ENABLED": False,
            }
        )
        self._load_world()
        if backend == "sqlite":
            self.template = tmp / "browser-template.sqlite3"
            shutil.copyfile(self.path, self.template)
        else:
            self._postgres(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)')
            self._postgres(f'CREATE DATABASE "{self.template_name}" TEMPLATE "{self.database_name}"')
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _postgres(self, statement: str) -> None:
        engine = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
        engine.dispose()

    def _load_world(self) -> None:
        from lms.extensions import db

        with self.app.app_context():
            db.create_all()
            runner = self.app.test_cli_runner()
            for args in (["demo", "load"], ["content", "load"]):
                result = runner.invoke(args=args, catch_exceptions=False)
                assert result.exit_code == 0, result.output
            db.session.remove()
            db.engine.dispose()

    def reset(self) -> None:
        """Put the demo world back as it was loaded."""
        from lms.extensions import db

        with self.app.app_context():
            db.engine.dispose()
        if self.backend == "sqlite":
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(str(self.path) + suffix)
            shutil.copyfile(self.template, self.path)
        else:
            self._postgres(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            self._postgres(f'CREATE DATABASE "{self.database_name}" TEMPLATE "{self.template_name}"')

    def stop(self) -> None:
        from lms.extensions import db

        self.server.shutdown()
        self.thread.join(10)
        with self.app.app_context():
            db.engine.dispose()
        if self.backend == "postgresql":
            self._postgres(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')
            self._postgres(f'DROP DATABASE IF EXISTS "{self.template_name}" WITH (FORCE)')


_servers: dict[str, LiveServer] = {}


@pytest.fixture(scope="session")
def live_servers(tmp_path_factory):
    yield _servers
    for server in _servers.values():
        server.stop()
    _servers.clear()


@pytest.fixture(params=BACKENDS)
def live(request, live_servers, tmp_path_factory) -> LiveServer:
    """The live server of a backend, with the demo world as loaded."""
    backend = request.param
    server = live_servers.get(backend)
    if server is None:
        server = live_servers[backend] = LiveServer(backend, tmp_path_factory.mktemp(f"browser-{backend}"))
    else:
        server.reset()
    return server


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        pytest.fail(
            "Chromium is needed for the browser tests: apt-get install chromium (or set LMS_CHROMIUM)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    return (VENDOR / "axe.min.js").read_text(encoding="utf-8")
