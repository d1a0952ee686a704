"""Credential fixtures: a signing key in a directory of the test's own, a demo trainee's certificate, and the
Open Badges 3.0 schema shipped with the tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses import completion
from lms.courses.completion import evaluate_completion
from lms.credentials.keys import generate_key
from lms.evidence.models import Certificate
from tests.evidence.conftest import Courses

SCHEMA_FILE = Path(__file__).parent / "schema" / "ob_v3p0_achievementcredential_schema.json"


@pytest.fixture
def key_dir(app, tmp_path, monkeypatch):
    """An empty key directory for this test (no key: certificates are issued without credentials)."""
    directory = tmp_path / "credential-keys"
    monkeypatch.setitem(app.config, "CREDENTIALS_KEY_DIR", str(directory))
    return directory


@pytest.fixture
def keys(key_dir):
    """The training center's signing key, made as `credentials keygen` makes it."""
    keyring, _made = generate_key(key_dir)
    return keyring


@pytest.fixture
def courses(db, monkeypatch):
    monkeypatch.setattr(
        completion,
        "REQUIREMENTS",
        {
            "test_always": lambda enrollment, version: completion.RequirementStatus(
                "test_always", "Always", True
            )
        },
    )
    return Courses(db)


@pytest.fixture
def complete(db, demo, courses):
    """``complete(login, title=...)``: that demo trainee completes a new course; returns the certificate."""

    def completing(login: str = "trainee", title: str = "Customs credit management basics", hours: str = "4"):
        trainee = demo.user(login)
        course = courses.course(demo.user("expert.shenzhen"), title=title, hours=hours)
        evaluate_completion(courses.enroll(trainee, course), trainee)
        db.session.commit()
        return db.session.execute(
            sa.select(Certificate).where(
                Certificate.user_id == trainee.id, Certificate.course_id == course.id
            )
        ).scalar_one()

    return completing


@pytest.fixture
def schema():
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _generous_verification_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "100000 per minute")
