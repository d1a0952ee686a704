"""Retention: leavers and inactive trainees are pseudonymised; every report figure and `evidence verify` give the
same results before and after, and the person's name appears nowhere afterwards."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.auth.security_log import SecurityEvent
from lms.database import utcnow
from lms.evidence.models import LedgerEntry
from lms.evidence.verify import verify_ledger
from lms.jobs.models import JobRun
from lms.notifications.services import notify
from lms.reports import metrics
from lms.reports.filters import Filters
from lms.reports.metrics import Dim, Scope
from tests.credentials.helpers import pdf_text
from tests.reports.conftest import PERIOD

YEAR = Filters(preset="custom", start=date(2025, 1, 1), end=date(2025, 12, 31))
Q = "?" + urlencode(PERIOD)


def report_figures(demo) -> dict:
    """Every metric, in total and per unit, enterprise, trainee, course and month, as officers and admins see."""
    figures = {}
    for login in ("admin", "officer.shenzhen"):
        scope = Scope(demo.user(login), YEAR)
        for name in metrics.METRICS:
            for dim in ("total", "enterprise", "trainee", "course", "month", "expert"):
                if name == "funnel" and dim in ("trainee", "course", "expert"):
                    continue
                figures[(login, name, dim)] = metrics.grouped(name, scope, Dim(dim))
        shenzhen = demo.unit("5300")
        unit_scope = Scope(demo.user(login), YEAR, unit=shenzhen)
        for name in metrics.METRICS:
            figures[(login, name, "unit")] = metrics.grouped(name, unit_scope, Dim("unit", node=shenzhen))
    return figures


def verification(cli) -> tuple:
    result = verify_ledger()
    command = cli.invoke(args=["evidence", "verify"])
    return result.ok, result.problem_count, command.exit_code


def test_a_leaver_is_pseudonymised_and_every_figure_and_the_ledger_stay_the_same(cli, data, demo, db):
    data.record_ledger()
    trainee = demo.user("trainee")
    trainee.left_enterprise_on = date.today() - timedelta(days=40)
    db.session.commit()
    before_figures, before_verify = report_figures(demo), verification(cli)
    assert before_verify == (True, 0, 0)

    dry = cli.invoke(args=["privacy", "pseudonymise", "--dry-run"])
    assert dry.exit_code == 0 and f"due: user {trainee.id} (left the enterprise)" in dry.output
    assert "1 trainee(s) would be pseudonymised" in dry.output
    db.session.expire_all()
    assert demo.user("trainee").pseudonymised_at is None

    done = cli.invoke(args=["privacy", "pseudonymise"])
    assert done.exit_code == 0 and "1 trainee(s) pseudonymised" in done.output
    db.session.expire_all()
    person = db.session.get(User, trainee.id)
    assert person.pseudonym and person.display_name == person.pseudonym and not person.active
    assert person.email.endswith("@pseudonymised.invalid") and person.login_name == person.pseudonym.lower()

    assert report_figures(demo) == before_figures
    assert verification(cli) == before_verify
    # The certificate's facts are proved by a new entry that holds ids and the pseudonym, no name.
    entry = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.kind == "certificate_pseudonymised")
    ).scalar_one()
    payload = json.loads(entry.payload)
    assert payload["holder"] == person.pseudonym and payload["user_id"] == person.id
    assert "Liu Yang" not in entry.payload
    # Security log: the pseudonymisation, and the login names typed earlier are gone.
    kinds = (
        db.session.execute(sa.select(SecurityEvent.kind).where(SecurityEvent.user_id == person.id))
        .scalars()
        .all()
    )
    assert "pseudonymised" in kinds
    # A second run has nothing left to do.
    assert "0 trainee(s) pseudonymised" in cli.invoke(args=["privacy", "pseudonymise"]).output


def test_a_pseudonymised_person_never_reappears_by_name(client, cli, data, demo, db, tmp_path):
    data.record_ledger()
    trainee = demo.user("trainee")
    name, email = trainee.display_name, trainee.email
    officer = demo.user("officer.futian")
    notify(officer, "test", f"{name} asked for a seat", f"{name} wants to join the session.")
    trainee.left_enterprise_on = date.today() - timedelta(days=400)
    db.session.commit()
    issued = db.session.execute(
        sa.select(LedgerEntry.seq).where(LedgerEntry.kind == "certificate_issued")
    ).scalar_one()
    assert cli.invoke(args=["privacy", "pseudonymise"]).exit_code == 0
    db.session.expire_all()
    person = db.session.get(User, trainee.id)
    pseudonym = person.pseudonym
    enterprise = data.enterprises["P"].id
    certificate = data.certificate.id

    def shows_no_name(body: str, expect_pseudonym: bool = True) -> None:
        assert name not in body and email not in body
        if expect_pseudonym:
            assert pseudonym in body

    client.login("admin")
    shows_no_name(client.get(f"/users/{person.id}").get_data(as_text=True))
    shows_no_name(client.get(f"/evidence/certificates/{certificate}").get_data(as_text=True))
    shows_no_name(client.get(f"/evidence/ledger/{issued}").get_data(as_text=True))
    shows_no_name(client.get(f"/reports/trainees/{person.id}{Q}").get_data(as_text=True))
    shows_no_name(
        client.get(f"/reports/enterprise/{enterprise}/export/trainees.csv{Q}", buffered=True).get_data(
            as_text=True
        )
    )
    dossier = client.get(f"/reports/enterprises/{enterprise}/dossier.pdf{Q}")
    assert dossier.status_code == 200
    shows_no_name(pdf_text(dossier.data), expect_pseudonym=False)
    exported = client.get(f"/privacy/people/{person.id}/export.json")
    shows_no_name(exported.get_data(as_text=True))
    assert name not in client.get(f"/users/?q={name.split()[0]}").get_data(as_text=True)
    document = client.get(f"/evidence/certificates/{certificate}/certificate.pdf")
    assert document.status_code == 200
    shows_no_name(pdf_text(document.data))
    client.submit("/logout")
    # The officer's notification names the pseudonym instead.
    client.login("officer.futian")
    inbox = client.get("/notifications/").get_data(as_text=True)
    assert name not in inbox and pseudonym in inbox
    # xAPI statements (pseudonymous accounts in any case) carry no name.
    target = tmp_path / "statements.jsonl"
    assert cli.invoke(args=["evidence", "xapi", "--output", str(target)]).exit_code == 0
    statements = target.read_text(encoding="utf-8")
    assert statements and name not in statements and email not in statements


def test_inactive_trainees_are_pseudonymised_and_recent_ones_and_staff_are_not(app, cli, demo, db, factory):
    pengcheng = demo.enterprise("Pengcheng")
    idle = factory.user("trainee", enterprise=pengcheng)
    recent = factory.user("trainee", enterprise=pengcheng)
    recent.display_name = "Recent Person"
    idle.last_login_at = utcnow() - timedelta(days=app.config["PRIVACY_INACTIVE_DAYS"] + 1)
    recent.last_login_at = utcnow() - timedelta(days=10)
    officer = demo.user("officer.futian")
    officer.last_login_at = utcnow() - timedelta(days=5000)
    # Never signed in, made long ago: inactive too.
    never = factory.user("trainee", enterprise=pengcheng)
    never.created_at = utcnow() - timedelta(days=app.config["PRIVACY_INACTIVE_DAYS"] + 5)
    db.session.commit()
    result = cli.invoke(args=["privacy", "pseudonymise"])
    assert result.exit_code == 0
    db.session.expire_all()
    assert db.session.get(User, idle.id).pseudonymised_at is not None
    assert db.session.get(User, never.id).pseudonymised_at is not None
    assert db.session.get(User, recent.id).display_name == "Recent Person"
    assert db.session.get(User, officer.id).pseudonymised_at is None


def test_the_scheduled_job_runs_the_same_command(cli, demo, db):
    trainee = demo.user("trainee.finance")
    trainee.left_enterprise_on = date.today() - timedelta(days=31)
    db.session.commit()
    result = cli.invoke(args=["jobs", "run", "privacy-pseudonymise"])
    assert result.exit_code == 0 and "privacy-pseudonymise: succeeded" in result.output
    run = db.session.execute(sa.select(JobRun).where(JobRun.job == "privacy-pseudonymise")).scalar_one()
    assert run.status == "succeeded" and "1 trainee(s) pseudonymised" in run.detail
    db.session.expire_all()
    assert db.session.get(User, trainee.id).pseudonymised_at is not None


@pytest.mark.parametrize(
    ("login", "status"),
    [
        ("officer.futian", 302),
        ("admin", 302),
        ("officer.shanghai", 404),
        ("trainee.manager", 403),
        ("expert.shenzhen", 403),
    ],
)
def test_officers_record_a_leaver_within_their_jurisdiction(client, demo, db, login, status):
    trainee = demo.user("trainee")
    client.login(login)
    response = client.submit(f"/privacy/people/{trainee.id}/left", {"left_on": "2026-11-30"})
    assert response.status_code == status
    db.session.expire_all()
    person = db.session.get(User, trainee.id)
    assert (person.left_enterprise_on == date(2026, 11, 30)) == (status == 302)
    assert person.active == (status != 302)


def test_a_bad_leaving_date_is_a_message_not_an_error(client, demo, db):
    trainee = demo.user("trainee")
    client.login("officer.futian")
    response = client.submit(
        f"/privacy/people/{trainee.id}/left", {"left_on": "30/11/2026"}, follow_redirects=True
    )
    assert response.status_code == 200 and "YYYY-MM-DD" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, trainee.id).left_enterprise_on is None
