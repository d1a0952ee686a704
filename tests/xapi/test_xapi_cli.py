"""`flask --app lms evidence xapi`: JSON Lines to a file or standard output; sending to an LRS that fails."""

from __future__ import annotations

import base64
import json
from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from lms.xapi.models import XapiCursor
from lms.xapi.statements import iter_statements
from tests.xapi.conformance import problems


def exported_ids() -> list[str]:
    return [item.statement["id"] for item in iter_statements()]


def test_the_command_belongs_to_the_evidence_group(cli):
    result = cli.invoke(args=["evidence", "--help"])
    assert result.exit_code == 0 and "xapi" in result.output


def test_writes_one_valid_statement_per_line(learning, cli, tmp_path):
    target = tmp_path / "statements.jsonl"
    result = cli.invoke(args=["evidence", "xapi", "--output", str(target)])
    assert result.exit_code == 0, result.output
    raw = target.read_bytes()
    lines = raw.decode("utf-8").splitlines()
    assert len(lines) == 33
    statements = [json.loads(line) for line in lines]
    assert all(problems(s) == [] for s in statements)
    assert [s["id"] for s in statements] == exported_ids()
    assert "AEO 认证基础".encode() in raw
    assert "33 statement(s) written to" in result.stderr
    assert "answered: 19" in result.stderr
    assert not list(tmp_path.glob(".xapi-*"))  # no temporary file left behind


def test_writes_to_standard_output(learning, cli):
    result = cli.invoke(args=["evidence", "xapi", "--since", "2000-01-01"])
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 33
    assert "33 statement(s) written to standard output" in result.stderr


def test_dates_select_a_range_and_refuse_a_backward_one(app, learning, cli):
    result = cli.invoke(args=["evidence", "xapi", "--since", "2999-01-01"])
    assert result.exit_code == 0 and result.stdout == ""
    # Dates are days of the site's time zone, whatever the hour the test runs at.
    base = learning.base if learning.base.tzinfo else learning.base.replace(tzinfo=UTC)
    day = base.astimezone(ZoneInfo(app.config["BABEL_DEFAULT_TIMEZONE"])).date().isoformat()
    result = cli.invoke(args=["evidence", "xapi", "--since", day, "--until", day])
    assert result.exit_code == 0
    assert 0 < len(result.stdout.splitlines()) < 33
    result = cli.invoke(args=["evidence", "xapi", "--since", "2026-03-01", "--until", "2026-02-01"])
    assert result.exit_code == 2
    assert "--until (2026-02-01) is before --since (2026-03-01)" in result.output
    result = cli.invoke(args=["evidence", "xapi", "--since", "1 March"])
    assert result.exit_code == 2


def test_sending_needs_a_configured_lrs(learning, cli):
    result = cli.invoke(args=["evidence", "xapi", "--send"])
    assert result.exit_code == 2
    assert "LMS_XAPI_LRS_URL" in result.output


@pytest.fixture
def configured(app, monkeypatch, lrs_server):
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", lrs_server.url)
    monkeypatch.setitem(app.config, "XAPI_LRS_USER", "lms")
    monkeypatch.setitem(app.config, "XAPI_LRS_PASSWORD", "s3cret")
    monkeypatch.setitem(app.config, "XAPI_BATCH", 5)
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 0)
    return lrs_server


def test_the_second_batch_fails_once_then_the_next_run_sends_the_rest(learning, cli, configured, db):
    lrs = configured
    lrs.fail_posts = {2}  # registered (4 statements) are taken, then the attended batch is refused once
    first = cli.invoke(args=["evidence", "xapi", "--send"])
    assert first.exit_code == 1
    assert "Sending stopped in stream attended: the LRS answered 503" in first.stderr
    assert len(lrs.statements) == 4
    second = cli.invoke(args=["evidence", "xapi", "--send"])
    assert second.exit_code == 0, second.output
    assert "29 statement(s) sent" in second.output
    assert set(lrs.statements) == set(exported_ids())
    assert sum(r["count"] for r in lrs.requests if r["method"] == "POST") == 33 + 2


def test_a_failed_batch_is_sent_again_and_nothing_is_lost(learning, cli, configured, db):
    lrs = configured
    lrs.fail_posts = {4}  # registered (4), attended (2), attempts 1-5, then attempts 6-10 fail
    first = cli.invoke(args=["evidence", "xapi", "--send"])
    assert first.exit_code == 1
    assert "Sending stopped in stream attempts: the LRS answered 503" in first.stderr
    assert "11 statement(s) were acknowledged" in first.stderr
    assert len(lrs.statements) == 11
    cursors = {c.stream: c for c in db.session.execute(sa.select(XapiCursor)).scalars()}
    assert set(cursors) == {"registered", "attended", "attempts"}
    assert cursors["attempts"].sent == 5

    second = cli.invoke(args=["evidence", "xapi", "--send"])
    assert second.exit_code == 0, second.output
    assert "22 statement(s) sent" in second.output
    assert set(lrs.statements) == set(exported_ids())  # all 33, none lost
    posted = sum(r["count"] for r in lrs.requests if r["method"] == "POST")
    assert posted == 33 + 5  # only the refused batch went twice

    third = cli.invoke(args=["evidence", "xapi", "--send"])
    assert third.exit_code == 0 and "0 statement(s) sent" in third.output


def test_requests_carry_the_version_header_and_credentials(learning, cli, configured):
    assert cli.invoke(args=["evidence", "xapi", "--send"]).exit_code == 0
    request = configured.requests[0]
    assert request["path"] == "/xapi/statements"
    assert request["headers"]["X-Experience-API-Version"] == "1.0.3"
    assert request["headers"]["Authorization"] == "Basic " + base64.b64encode(b"lms:s3cret").decode()
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert max(r["count"] for r in configured.requests) == 5


def test_sending_everything_again_is_harmless(learning, cli, configured):
    assert cli.invoke(args=["evidence", "xapi", "--send"]).exit_code == 0
    stored = dict(configured.statements)
    again = cli.invoke(args=["evidence", "xapi", "--send", "--restart"])
    assert again.exit_code == 0, again.output
    assert "33 of them were already stored by the LRS" in again.output
    assert configured.statements == stored


def test_small_pages_resume_inside_an_attempt(learning, app, cli, configured, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_PAGE", 2)
    monkeypatch.setitem(app.config, "XAPI_BATCH", 3)
    configured.fail_posts = {5, 9}
    assert cli.invoke(args=["evidence", "xapi", "--send"]).exit_code == 1
    assert cli.invoke(args=["evidence", "xapi", "--send"]).exit_code == 1
    assert cli.invoke(args=["evidence", "xapi", "--send"]).exit_code == 0
    assert sorted(configured.statements) == sorted(exported_ids())


def test_recent_facts_wait_for_the_next_run(learning, app, cli, configured, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_SETTLE_SECONDS", 3600)
    result = cli.invoke(args=["evidence", "xapi", "--send"])
    assert result.exit_code == 0
    # Enrolments, attendance and completions were recorded just now; the three attempts were graded days ago.
    assert "25 statement(s) sent" in result.output
    verbs = {s["verb"]["id"].rsplit("/", 1)[-1] for s in configured.statements.values()}
    assert verbs == {"answered", "completed", "passed", "failed"}


def test_an_unreachable_lrs_stops_without_moving_the_cursor(learning, app, cli, monkeypatch, db):
    monkeypatch.setitem(app.config, "XAPI_LRS_URL", "http://127.0.0.1:9/")
    monkeypatch.setitem(app.config, "XAPI_TIMEOUT", 2)
    result = cli.invoke(args=["evidence", "xapi", "--send"])
    assert result.exit_code == 1
    assert "could not be reached" in result.stderr
    assert db.session.execute(sa.select(sa.func.count()).select_from(XapiCursor)).scalar_one() == 0
