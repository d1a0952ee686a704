"""What the resources beyond the done condition show and do: the same data, rules and evidence as the pages."""

from __future__ import annotations

import sqlalchemy as sa

from lms.evidence.models import LedgerEntry
from lms.sessions.models import Registration
from tests.api.conftest import bearer


def test_report_figures_use_the_report_filters(client, world, demo):
    headers = bearer(world.secrets["officer.shenzhen"])
    body = client.get("/api/v1/reports/figures?period=year", headers=headers).get_json()
    assert body["unit_id"] == demo.unit("5300").id and body["period"] == "year"
    keys = [f["key"] for f in body["figures"]]
    assert keys and len(keys) == len(set(keys))
    refused = client.get(
        "/api/v1/reports/figures?period=custom&start=2026-05-01&end=2026-01-01", headers=headers
    )
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"][0]["field"] == "end"
    wrong = client.get("/api/v1/reports/figures?period=decade", headers=headers)
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "period"


def test_lesson_as_markdown_and_sanitised_html(client, world):
    lesson = world.course.published_version.lessons[0]
    body = client.get(
        f"/api/v1/courses/{world.course.id}/lessons/{lesson.id}", headers=bearer(world.secrets["trainee"])
    ).get_json()
    assert body["body_markdown"] == "Text" and body["body_html"].strip() == "<p>Text</p>"


def test_officer_registers_a_trainee_and_marks_attendance_with_evidence(client, db, world, demo):
    headers = bearer(world.secrets["officer.shenzhen"])
    session = world.sessions["shenzhen running"]
    registration = world.registrations["shenzhen"]
    before = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    response = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={"marks": [{"registration_id": registration.id, "attendance": "late"}]},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["items"][0]["attendance"] == "late"
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).attendance == "late"
    kinds = db.session.execute(sa.select(LedgerEntry.kind).order_by(LedgerEntry.seq.desc())).scalars().all()
    assert len(kinds) == before + 1 and kinds[0] == "attendance_marked"
    # A seat of another session is refused, and nothing changes.
    other = world.registrations["shanghai"]
    refused = client.post(
        f"/api/v1/sessions/{session.id}/attendance",
        json={"marks": [{"registration_id": other.id, "attendance": "present"}]},
        headers=headers,
    )
    assert refused.status_code == 400 and refused.mimetype == "application/problem+json"
    assert db.session.get(Registration, other.id).attendance is None


def test_trainee_registers_themself(client, db, world, demo):
    session = world.sessions["shanghai"]
    response = client.post(
        f"/api/v1/sessions/{session.id}/registrations", json={}, headers=bearer(world.secrets["trainee"])
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["items"][0]["user_id"] == demo.user("trainee").id
    again = client.post(
        f"/api/v1/sessions/{session.id}/registrations", json={}, headers=bearer(world.secrets["trainee"])
    )
    assert again.status_code == 409 and again.mimetype == "application/problem+json"


def test_transitions_follow_the_case_rules(client, db, world):
    headers = bearer(world.secrets["officer.shenzhen"])
    case = world.cases["shenzhen"]
    refused = client.post(
        f"/api/v1/cultivation/cases/{case.id}/transitions", json={"transition": "screen"}, headers=headers
    )
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    done = client.post(
        f"/api/v1/cultivation/cases/{case.id}/transitions",
        json={"transition": "terminate", "reason": "other", "reason_text": "The enterprise withdrew"},
        headers=headers,
    )
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert body["state"] == "terminated" and body["events"][-1]["transition"] == "terminate"
    assert body["allowed_transitions"] == []


def test_service_accounts_are_marked_in_the_account_list(client, db, world, demo):
    from lms.api import tokens

    account = tokens.create_service_account(demo.user("admin"), name="Futian HR link", unit=demo.unit("5301"))
    db.session.commit()
    items = client.get("/api/v1/users?q=svc-", headers=bearer(world.secrets["officer.shenzhen"])).get_json()[
        "items"
    ]
    assert [(u["id"], u["service_account"]) for u in items] == [(account.user_id, True)]
