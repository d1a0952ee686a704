"""Role checks on every page of the foundation: parametrised over roles and URLs."""

from __future__ import annotations

import pytest

ROLE_LOGINS = {
    "trainee": "trainee",
    "expert": "expert.shenzhen",
    "officer": "officer.shenzhen",
    "admin": "admin",
}

# url (may use {enterprise} and {user}), roles allowed
PAGES = [
    ("/", ("trainee", "expert", "officer", "admin")),
    ("/profile", ("trainee", "expert", "officer", "admin")),
    ("/account/password", ("trainee", "expert", "officer", "admin")),
    ("/notifications/", ("trainee", "expert", "officer", "admin")),
    ("/enterprises/", ("officer", "admin")),
    ("/enterprises/new", ("officer", "admin")),
    ("/enterprises/{enterprise}", ("officer", "admin")),
    ("/enterprises/{enterprise}/edit", ("officer", "admin")),
    ("/users/", ("officer", "admin")),
    ("/users/new", ("officer", "admin")),
    ("/users/{user}", ("officer", "admin")),
]


def _url(template, demo):
    return template.format(enterprise=demo.enterprise("Pengcheng").id, user=demo.user("trainee.customs").id)


@pytest.mark.parametrize("role", sorted(ROLE_LOGINS))
@pytest.mark.parametrize(("template", "allowed"), PAGES)
def test_role_access(client, demo, role, template, allowed):
    client.login(ROLE_LOGINS[role])
    response = client.get(_url(template, demo))
    assert response.status_code == (200 if role in allowed else 403), template


@pytest.mark.parametrize(("template", "allowed"), PAGES)
def test_anonymous_is_sent_to_login(client, demo, template, allowed):
    if template == "/":
        assert client.get("/").status_code == 200  # the public landing page
        return
    response = client.get(_url(template, demo))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["trainee", "expert"])
def test_forbidden_posts_change_nothing(client, demo, role):
    client.login(ROLE_LOGINS[role])
    enterprise = demo.enterprise("Pengcheng")
    response = client.submit(
        f"/enterprises/{enterprise.id}/credit", {"level": "regular", "decided_on": "2026-10-01"}
    )
    assert response.status_code == 403
    response = client.submit(
        "/users/new",
        {
            "login_name": "x1",
            "email": "x1@example.com",
            "display_name": "X",
            "role": "admin",
            "unit_id": demo.unit("0000").id,
            "password": "password1",
        },
    )
    assert response.status_code == 403
    assert demo.enterprise("Pengcheng").credit_level == "advanced_certified"
