"""The token pages: personal access tokens on the account pages; service accounts for administrators."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from lms.api import tokens
from lms.api.models import ApiToken, ServiceAccount


def _secret(page: str) -> str:
    return re.search(r"data-token>(lms_[A-Za-z0-9_\-]+)<", page).group(1)


@pytest.mark.parametrize("login", ["trainee", "expert.shenzhen", "officer.futian", "admin"])
def test_make_use_and_revoke_a_personal_token(client, db, demo, login):
    client.login(login)
    assert "API tokens" in client.get("/profile").get_data(as_text=True)
    page = client.submit("/account/tokens", {"name": "HR sync", "scope": "read", "expires_in_days": "30"})
    assert page.status_code == 200
    secret = _secret(page.get_data(as_text=True))
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == demo.user(login).id)
    ).scalar_one()
    assert token.token_hash == tokens.digest(secret) and token.scope == "read"
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "HR sync" in listing and token.prefix in listing and secret not in listing
    api = client.application.test_client()
    assert api.get("/api/v1/customs-units", headers={"Authorization": f"Bearer {secret}"}).status_code == 200

    # Revoking asks first, then refuses the token from then on.
    ask = client.submit(f"/account/tokens/{token.id}/revoke")
    assert ask.status_code == 200 and "Revoke the token" in ask.get_data(as_text=True)
    assert db.session.get(ApiToken, token.id).revoked_at is None
    done = client.submit(f"/account/tokens/{token.id}/revoke", {"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert api.get("/api/v1/customs-units", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_token_form_refuses_bad_input_and_writes_nothing(client, db, demo):
    client.login("trainee")
    page = client.submit("/account/tokens", {"name": "", "scope": "admin", "expires_in_days": "9999"})
    assert page.status_code == 400
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0


def test_someone_elses_token_is_not_there(client, db, demo):
    owner = demo.user("trainee.shanghai")
    token, _secret_value = tokens.create_token(owner, owner, name="theirs", scope="write", days=7)
    db.session.commit()
    client.login("trainee")
    assert client.submit(f"/account/tokens/{token.id}/revoke", {"confirmed": "1"}).status_code == 404
    client.login("admin")
    assert client.submit(f"/account/tokens/{token.id}/revoke", {"confirmed": "1"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


@pytest.mark.parametrize("login", ["trainee", "expert.shenzhen", "officer.shenzhen"])
def test_only_administrators_manage_service_accounts(client, db, demo, login):
    client.login(login)
    assert client.get("/admin/service-accounts").status_code == 403
    response = client.submit("/admin/service-accounts", {"name": "x", "unit_id": demo.unit("5300").id})
    assert response.status_code == 403
    assert db.session.execute(sa.select(sa.func.count()).select_from(ServiceAccount)).scalar_one() == 0


def test_service_account_pages(client, db, demo):
    client.login("admin")
    assert (
        client.submit("/admin/service-accounts", {"name": "", "unit_id": demo.unit("5300").id}).status_code
        == 400
    )
    response = client.submit(
        "/admin/service-accounts", {"name": "Guangzhou HR link", "unit_id": demo.unit("5300").id}
    )
    assert response.status_code == 302
    account = db.session.execute(sa.select(ServiceAccount)).scalar_one()
    listing = client.get("/admin/service-accounts").get_data(as_text=True)
    assert "Guangzhou HR link" in listing and "Shenzhen Customs" in listing
    # The same name again is refused (its login name would clash).
    again = client.submit(
        "/admin/service-accounts", {"name": "Guangzhou HR link", "unit_id": demo.unit("5300").id}
    )
    assert again.status_code == 400
    page = client.submit(
        f"/admin/service-accounts/{account.id}", {"name": "t", "scope": "write", "expires_in_days": "7"}
    )
    secret = _secret(page.get_data(as_text=True))
    token = db.session.execute(sa.select(ApiToken).where(ApiToken.user_id == account.user_id)).scalar_one()
    done = client.submit(f"/admin/service-accounts/{account.id}/tokens/{token.id}/revoke", {"confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert tokens.authenticate(secret) is None
    assert client.get("/admin/service-accounts/99999").status_code == 404


def test_chinese_pages(client, db, demo):
    client.login("trainee")
    demo.user("trainee").preferred_language = "zh_CN"
    db.session.commit()
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "API 令牌" in page
