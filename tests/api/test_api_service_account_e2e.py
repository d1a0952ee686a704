"""The done condition of issue 14: an administrator makes a service account for Shenzhen Customs and a token
for it on the pages; the customs system then lists its enterprises' completions and certificates and records
a certification outcome through the API alone, as docs/api.md describes."""

from __future__ import annotations

import re

import sqlalchemy as sa

from lms.api.models import ApiToken, ServiceAccount
from lms.evidence.models import LedgerEntry
from lms.org.models import CreditStatusRecord


def test_shenzhen_customs_system_through_the_api(app, client, db, world, demo):
    shenzhen = demo.unit("5300")
    client.login("admin")
    response = client.submit(
        "/admin/service-accounts",
        {"name": "Shenzhen Customs H2018", "unit_id": shenzhen.id, "description": "Declaration system"},
    )
    assert response.status_code == 302
    account = db.session.execute(sa.select(ServiceAccount)).scalar_one()
    assert account.user.unit_id == shenzhen.id and account.user.role == "officer"
    page = client.submit(
        f"/admin/service-accounts/{account.id}",
        {"name": "production", "scope": "write", "expires_in_days": "90"},
    )
    assert page.status_code == 200
    secret = re.search(r"data-token>(lms_[A-Za-z0-9_\-]+)<", page.get_data(as_text=True)).group(1)
    stored = db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == account.user_id)).scalar_one()
    assert stored.token_hash != secret and secret not in stored.token_hash and stored.prefix == secret[:10]
    # The secret is shown once: the page does not show it again.
    assert secret not in client.get(f"/admin/service-accounts/{account.id}").get_data(as_text=True)
    # The service account cannot sign in to the site.
    assert (
        client.application.test_client()
        .submit("/login", {"identifier": account.user.login_name, "password": "!service-account"})
        .status_code
        == 200
    )

    system = app.test_client()  # no cookies: only the token
    headers = {"Authorization": f"Bearer {secret}"}

    completions = system.get("/api/v1/enrolments?status=completed", headers=headers).get_json()["items"]
    assert completions and {e["trainee_name"] for e in completions} >= {demo.user("trainee").display_name}
    assert demo.user("trainee.shanghai").id not in {e["user_id"] for e in completions}
    certificates = system.get("/api/v1/certificates", headers=headers).get_json()["items"]
    assert [c["trainee_name"] for c in certificates] == [demo.user("trainee").display_name]
    verification = system.get(f"/api/v1/verify/{certificates[0]['code']}").get_json()
    assert verification["status"] == "valid"

    cases = system.get("/api/v1/cultivation/cases?state=certification_applied", headers=headers).get_json()[
        "items"
    ]
    assert [c["id"] for c in cases] == [world.cases["shenzhen"].id]
    response = system.post(
        f"/api/v1/cultivation/cases/{cases[0]['id']}/outcome",
        json={"outcome": "certified", "level": "certified"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["state"] == "certified" and body["outcome_level"] == "certified"
    assert body["events"][-1]["actor_name"] == "Shenzhen Customs H2018"
    # The same rules and evidence as the page: a credit decision and a ledger entry, by the service account.
    record = db.session.execute(
        sa.select(CreditStatusRecord).where(CreditStatusRecord.source == "certification")
    ).scalar_one()
    assert record.level == "certified" and record.recorded_by_id == account.user_id
    kinds = set(
        db.session.execute(
            sa.select(LedgerEntry.kind).where(LedgerEntry.actor_id == account.user_id)
        ).scalars()
    )
    assert "certification_outcome" in kinds
    # Shanghai's case is not there for it.
    other = world.cases["shanghai"].id
    assert system.get(f"/api/v1/cultivation/cases/{other}", headers=headers).status_code == 404
