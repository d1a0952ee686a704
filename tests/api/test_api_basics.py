"""Authentication, problem details, pagination and ETags of /api/v1."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.api import tokens
from lms.api.models import ApiToken
from lms.database import utcnow
from tests.api.conftest import bearer


def test_openapi_document_is_3_1_and_public(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert "/api/v1/enterprises" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_reference_page_uses_local_files_under_a_strict_policy(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "<script>" not in page and "https://" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy
    script = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert script.status_code == 200
    script.close()


def test_without_a_token_the_answer_is_401_problem(client, world):
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == 401 and body["title"] and body["instance"] == "/api/v1/enterprises"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_signed_in_browser_session_does_not_authenticate_the_api(client, world):
    client.login("admin")
    response = client.get("/api/v1/enterprises")
    assert response.status_code == 401
    # ...and a token works without any cookie or CSRF token, also for writes.
    case = world.cases["shenzhen"]
    fresh = client.application.test_client()
    response = fresh.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        json={"outcome": "not_certified", "reason": "Gaps in internal control"},
        headers=bearer(world.secrets["officer.shenzhen"]),
    )
    assert response.status_code == 200, response.get_json()
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("how", ["unknown", "expired", "revoked", "inactive"])
def test_unusable_tokens_are_refused(client, db, world, demo, how):
    secret = world.secrets["officer.shenzhen"]
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == tokens.digest(secret))
    ).scalar_one()
    if how == "unknown":
        secret = secret[:-2] + "xx"
    elif how == "expired":
        token.expires_at = utcnow() - timedelta(seconds=1)
    elif how == "revoked":
        tokens.revoke_token(demo.user("officer.shenzhen"), token)
    else:
        demo.user("officer.shenzhen").active = False
    db.session.commit()
    response = client.get("/api/v1/customs-units", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["detail"] == "The token is unknown, has expired or was revoked."


def test_a_read_token_cannot_write_and_nothing_changes(client, db, world):
    case = world.cases["shenzhen"]
    response = client.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        json={"outcome": "certified", "level": "certified"},
        headers=bearer(world.secrets["officer.shenzhen:read"]),
    )
    assert response.status_code == 403
    assert response.get_json()["detail"] == "This token may only read."
    db.session.refresh(case)
    assert case.state == "certification_applied"
    # It reads.
    assert (
        client.get(
            f"/api/v1/cultivation/cases/{case.id}", headers=bearer(world.secrets["officer.shenzhen:read"])
        ).status_code
        == 200
    )


def test_problem_details_for_404_and_405_in_the_accept_language(client, world):
    headers = bearer(world.secrets["admin"])
    response = client.get("/api/v1/enterprises/999999", headers=headers)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.get_json()["title"] == "Not found"
    response = client.get("/api/v1/enterprises/999999", headers={**headers, "Accept-Language": "zh-CN"})
    assert response.get_json()["title"] == "未找到"
    response = client.get("/api/v1/nowhere", headers=headers)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    response = client.delete("/api/v1/enterprises", headers=headers)
    assert response.status_code == 405 and response.mimetype == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    # An id no database column holds is simply not there.
    assert client.get(f"/api/v1/enterprises/{2**40}", headers=headers).status_code == 404


def test_cursor_pages_cover_everything_once_in_id_order(client, world):
    headers = bearer(world.secrets["admin"])
    seen = []
    url = "/api/v1/enterprises?limit=7"
    while True:
        body = client.get(url, headers=headers).get_json()
        seen += [e["id"] for e in body["items"]]
        if not body["next_cursor"]:
            break
        url = f"/api/v1/enterprises?limit=7&cursor={body['next_cursor']}"
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 25


def test_a_forged_cursor_is_a_problem_naming_the_field(client, world):
    response = client.get("/api/v1/enterprises?cursor=not-ours", headers=bearer(world.secrets["admin"]))
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "cursor"


def test_etag_and_if_none_match(client, world):
    headers = bearer(world.secrets["officer.shenzhen"])
    first = client.get("/api/v1/customs-units", headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/api/v1/customs-units", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_rate_limit_per_token_answers_429_problem(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    from lms.extensions import limiter

    limiter.reset()
    headers = bearer(world.secrets["trainee"])
    statuses = [client.get("/api/v1/enrolments", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    response = client.get("/api/v1/enrolments", headers=headers)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "Please wait a minute before trying again."
    # Another token has its own allowance.
    assert client.get("/api/v1/enrolments", headers=bearer(world.secrets["admin"])).status_code == 200
    limiter.reset()
