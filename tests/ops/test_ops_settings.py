"""The settings registry (lms/config.py): one name per setting, typed, bounded, and the README printed from it."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from lms import create_app
from lms.config import SECTIONS, SETTINGS, SETTINGS_LIST, StartupRefused, readme_block, setting

ROOT = Path(__file__).resolve().parents[2]
# Environment variables of the test and benchmark tools, not of the application.
TOOL_VARIABLES = {"LMS_TEST_POSTGRES_URL", "LMS_CHROMIUM", "LMS_BENCH_APP_DIR", "LMS_CEILING_DIR"}


def _app(tmp_path, **overrides):
    return create_app(
        {"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}", **overrides}
    )


@pytest.mark.parametrize("section", SECTIONS)
def test_the_readme_tables_are_the_registry(section):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_block(section) in readme, (
        f"README.md's {section} settings table differs from the registry: "
        f"paste the output of `python -m lms.ops.settings --section {section}`"
    )


@pytest.mark.parametrize("document", ["README.md", "docs/deployment.md"])
def test_every_documented_variable_is_declared(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    declared = {spec.variable for spec in SETTINGS_LIST}
    named = set(re.findall(r"\bLMS_[A-Z][A-Z0-9_]*[A-Z0-9]\b", text)) - TOOL_VARIABLES
    assert named - declared == set()


def test_each_setting_is_declared_once_with_help():
    variables = [spec.variable for spec in SETTINGS_LIST]
    assert len(variables) == len(set(variables))
    assert all(spec.help for spec in SETTINGS_LIST)
    for spec in SETTINGS_LIST:
        if spec.low is not None or spec.high is not None:
            assert spec.type in ("int", "number"), spec.key
        assert spec.parse(spec.default) == spec.default, spec.key


def test_the_environment_gives_typed_values_and_overrides_win(tmp_path, monkeypatch):
    monkeypatch.setenv("LMS_SESSION_CANCEL_CUTOFF_HOURS", "12")
    monkeypatch.setenv("LMS_SMTP_PASSWORD", "12345")  # text stays text
    monkeypatch.setenv("LMS_SMTP_TLS", "1")
    monkeypatch.setenv("LMS_TWO_FACTOR_REQUIRED", "true")
    monkeypatch.setenv("LMS_READINESS_ASSESSOR_POSITIONS", "legal_representative, senior_management")
    monkeypatch.setenv("LMS_RANKING_READINESS_WEIGHT", "10.5")
    monkeypatch.setenv("LMS_QUIZ_GRACE_SECONDS", "45")
    app = _app(tmp_path, LMS_QUIZ_GRACE_SECONDS=5, XAPI_BATCH="7")
    assert app.config["SESSION_CANCEL_CUTOFF_HOURS"] == 12
    assert app.config["MAIL_PASSWORD"] == "12345"
    assert app.config["MAIL_USE_TLS"] is True
    assert app.config["TWO_FACTOR_REQUIRED"] is True
    with app.app_context():
        assert setting("QUIZ_GRACE_SECONDS") == 5
        assert setting("XAPI_BATCH") == 7
        assert setting("READINESS_ASSESSOR_POSITIONS") == ["legal_representative", "senior_management"]
        assert setting("RANKING_READINESS_WEIGHT") == Decimal("10.5")
        assert setting("EXPERT_TRAVEL_BUFFER_MINUTES") == SETTINGS["EXPERT_TRAVEL_BUFFER_MINUTES"].default


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        (
            "LMS_AUDIT_CONCLUSION_MONTHS",
            "12",
            "LMS_AUDIT_CONCLUSION_MONTHS must be between 1 and 3, not '12'",
        ),
        ("LMS_TERMINATION_WAIT_MONTHS", "-1", "LMS_TERMINATION_WAIT_MONTHS must be between 0 and 60"),
        ("LMS_SESSION_LATE_AFTER_MINUTES", "soon", "LMS_SESSION_LATE_AFTER_MINUTES must be a whole number"),
        ("LMS_TWO_FACTOR_REQUIRED", "maybe", "LMS_TWO_FACTOR_REQUIRED must be true or false"),
        ("LMS_RANKING_WEIGHTS", "{not json", "LMS_RANKING_WEIGHTS must be a JSON list or object"),
        ("LMS_REREVIEW_FAILED_LEVEL", "discredited", "LMS_REREVIEW_FAILED_LEVEL must be one of"),
        ("LMS_SMTP_PORT", "0", "LMS_SMTP_PORT must be between 1 and 65535"),
    ],
)
def test_a_bad_value_refuses_to_start_in_one_line(tmp_path, monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(StartupRefused, match=re.escape(message)) as refused:
        _app(tmp_path)
    assert "\n" not in str(refused.value)


def test_a_bad_override_refuses_too(tmp_path):
    with pytest.raises(StartupRefused, match="LMS_XAPI_BATCH must be between 1 and 10000, not 0"):
        _app(tmp_path, LMS_XAPI_BATCH=0)
