"""A production start as the README describes it: from the environment, refusing bad settings in one line."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVE_ONE_PAGE = (
    "from lms.wsgi import app\n"
    "client = app.test_client()\n"
    "print(client.get('/readyz').status_code, client.get('/login').status_code)\n"
)


def _env(tmp_path, **values) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "DATABASE_URL", "SECRET_KEY"))}
    env.update(
        {
            "LMS_ENV": "production",
            "LMS_INSTANCE_PATH": str(tmp_path / "instance"),
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3",
        },
        **values,
    )
    return env


def _run(args, env, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603


@pytest.fixture(scope="module")
def migrated_url(tmp_path_factory) -> str:
    tmp = tmp_path_factory.mktemp("production")
    url = f"sqlite:///{tmp / 'lms.sqlite3'}"
    env = _env(tmp, DATABASE_URL=url, SECRET_KEY=secrets.token_urlsafe(30))
    done = _run([sys.executable, "-m", "flask", "--app", "lms", "db", "upgrade"], env, ROOT)
    assert done.returncode == 0, done.stderr
    return url


def test_production_app_starts_from_the_environment_with_a_random_key(migrated_url, tmp_path):
    env = _env(tmp_path, DATABASE_URL=migrated_url, SECRET_KEY=secrets.token_urlsafe(30))  # 40 characters
    done = _run([sys.executable, "-c", SERVE_ONE_PAGE], env, ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "200"]


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set to a random value of at least 32 characters"),
        ({"SECRET_KEY": "short-key"}, "SECRET_KEY must be set to a random value of at least 32 characters"),
        ({"SECRET_KEY": "a" * 40}, "SECRET_KEY must be set to a random value of at least 32 characters"),
    ],
)
def test_a_weak_or_missing_key_is_refused_in_one_line(migrated_url, tmp_path, settings, expected):
    env = _env(tmp_path, DATABASE_URL=migrated_url, **settings)
    done = _run([sys.executable, "-c", SERVE_ONE_PAGE], env, ROOT)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0]


def test_migrations_behind_head_are_refused_in_one_line(tmp_path):
    env = _env(
        tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", SECRET_KEY=secrets.token_urlsafe(30)
    )
    done = _run([sys.executable, "-c", SERVE_ONE_PAGE], env, ROOT)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "run `flask --app lms db upgrade` first" in lines[0]


def test_an_unreachable_database_is_refused_in_one_line(tmp_path):
    # Nothing listens on this port (one of this project's test ports).
    env = _env(
        tmp_path, DATABASE_URL="postgresql://lms@127.0.0.1:5139/lms", SECRET_KEY=secrets.token_urlsafe(30)
    )
    done = _run([sys.executable, "-c", SERVE_ONE_PAGE], env, ROOT)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "the database cannot be reached" in lines[0] and "DATABASE_URL" in lines[0]
