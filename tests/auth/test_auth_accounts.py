"""Officers and admins create, deactivate and reset accounts within their jurisdiction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User


def _new(demo, **overrides):
    data = {
        "login_name": "new.trainee",
        "email": "new.trainee@example.com",
        "display_name": "New Trainee",
        "role": "trainee",
        "enterprise_id": demo.enterprise("Pengcheng").id,
        "unit_id": "0",
        "position": "department_staff",
        "expert_level": "",
        "preferred_language": "zh_CN",
        "password": "initial-pass-1",
    }
    data.update(overrides)
    return data


def _users(db):
    return db.session.execute(sa.select(sa.func.count()).select_from(User)).scalar_one()


def test_officer_creates_a_trainee(client, demo, db):
    client.login("officer.futian")
    response = client.submit("/users/new", _new(demo))
    assert response.status_code == 302
    user = demo.user("new.trainee")
    assert user.enterprise.name_en.startswith("Pengcheng")
    assert user.check_password("initial-pass-1")
    assert user.preferred_language == "zh_CN"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"login_name": "trainee"}, "This login name is already taken."),
        ({"login_name": "TRAINEE"}, "This login name is already taken."),
        ({"email": "trainee@demo.aeo-lms.cn"}, "This email address is already registered."),
        ({"email": "not-an-email"}, "Invalid email address."),
        ({"login_name": "bad name!"}, "Use letters, digits"),
        ({"login_name": "x" * 65}, "between 3 and 64 characters"),
        ({"password": "short"}, "at least 8 characters"),
        ({"position": ""}, "Choose the trainee&#39;s position."),
        ({"enterprise_id": "0"}, "A trainee belongs to an enterprise."),
    ],
)
def test_bad_account_input(client, demo, db, overrides, message):
    client.login("officer.shenzhen")
    before = _users(db)
    response = client.submit("/users/new", _new(demo, **overrides))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _users(db) == before


def test_officer_cannot_create_outside_jurisdiction_or_admins(client, demo, db):
    client.login("officer.shanghai")
    before = _users(db)
    response = client.submit("/users/new", _new(demo))  # a Shenzhen enterprise
    assert "outside your jurisdiction" in response.get_data(as_text=True)
    response = client.submit(
        "/users/new",
        _new(
            demo,
            role="admin",
            unit_id=demo.unit("2200").id,
            login_name="x.admin",
            email="x.admin@example.com",
        ),
    )
    assert response.status_code == 200
    assert _users(db) == before


def test_admin_creates_an_expert(client, demo):
    client.login("admin")
    response = client.submit(
        "/users/new",
        _new(
            demo,
            role="expert",
            unit_id=demo.unit("5100").id,
            enterprise_id="0",
            expert_level="regional",
            login_name="expert.gz",
            email="expert.gz@example.com",
        ),
    )
    assert response.status_code == 302
    assert demo.user("expert.gz").expert_level == "regional"


def test_deactivate_and_reactivate(client, demo):
    client.login("officer.shenzhen")
    trainee = demo.user("trainee.customs")
    client.submit(f"/users/{trainee.id}/active", {"active": "0"})
    assert demo.user("trainee.customs").active is False
    client.submit(f"/users/{trainee.id}/active", {"active": "1"})
    assert demo.user("trainee.customs").active is True


def test_reset_password_unlocks(app, client, demo, db):
    from lms.auth import throttle

    trainee = demo.user("trainee.customs")
    with app.test_request_context("/"):
        for _ in range(app.config["LOGIN_MAX_FAILURES"]):
            throttle.record_failure(trainee, "127.0.0.1")
        assert throttle.locked_for(trainee, "127.0.0.1")
    db.session.commit()
    client.login("officer.futian")
    client.submit(f"/users/{trainee.id}/password", {"password": "fresh-pass-9"})
    trainee = demo.user("trainee.customs")
    with app.test_request_context("/"):
        assert not throttle.locked_for(trainee, "127.0.0.1")
    assert trainee.check_password("fresh-pass-9")


@pytest.mark.parametrize("path", ["/users/{id}/active", "/users/{id}/password"])
def test_officer_cannot_manage_outside_jurisdiction(client, demo, path):
    client.login("officer.shanghai")
    trainee = demo.user("trainee.customs")
    response = client.submit(path.format(id=trainee.id), {"active": "0", "password": "fresh-pass-9"})
    assert response.status_code == 404
    assert demo.user("trainee.customs").active is True


def test_officer_cannot_manage_admin_or_self(client, demo):
    client.login("officer.shenzhen")
    me = demo.user("officer.shenzhen")
    response = client.submit(f"/users/{me.id}/active", {"active": "0"})
    assert response.status_code == 403
    assert demo.user("officer.shenzhen").active is True
