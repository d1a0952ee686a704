"""Login with name or email, lock-out after repeated failures, safe next, logout, password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.auth import services
from lms.database import utcnow


def test_login_with_login_name(client, demo):
    response = client.submit("/login", {"identifier": "officer.shenzhen", "password": "demo-2026"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Chen Wei" in client.get("/").get_data(as_text=True)


def test_login_with_email_any_case(client, demo):
    response = client.submit("/login", {"identifier": "Trainee@Demo.AEO-LMS.cn", "password": "demo-2026"})
    assert response.status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, demo):
    response = client.submit("/login", {"identifier": "trainee", "password": "nope"})
    assert response.status_code == 200
    assert "Invalid login name, email or password." in response.get_data(as_text=True)
    unknown = client.submit("/login", {"identifier": "nobody", "password": "nope"})
    assert "Invalid login name, email or password." in unknown.get_data(as_text=True)


def _throttle_row(db, user):
    from lms.auth.throttle import LoginThrottle

    return db.session.execute(sa.select(LoginThrottle).where(LoginThrottle.user_id == user.id)).scalar_one()


def test_lockout_after_five_failures_for_fifteen_minutes(client, demo, db):
    for _ in range(5):
        client.submit("/login", {"identifier": "trainee", "password": "wrong"})
    row = _throttle_row(db, demo.user("trainee"))
    assert row.address == "127.0.0.1"
    minutes = (row.locked_until - utcnow()).total_seconds() / 60
    assert 14 < minutes <= 15
    # The right password is refused while locked, with the wrong-password message (no enumeration).
    response = client.submit("/login", {"identifier": "trainee", "password": "demo-2026"})
    assert response.status_code == 200
    assert "Invalid login name, email or password." in response.get_data(as_text=True)
    assert "locked" not in response.get_data(as_text=True)
    # After the lock-out it works again.
    row.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.submit("/login", {"identifier": "trainee", "password": "demo-2026"}).status_code == 302
    assert demo.user("trainee").failed_logins == 0


def test_lockout_settings_are_configurable(app, client, demo, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 2)
    monkeypatch.setitem(app.config, "LOGIN_LOCKOUT_MINUTES", 1)
    for _ in range(2):
        client.submit("/login", {"identifier": "trainee", "password": "wrong"})
    row = _throttle_row(db, demo.user("trainee"))
    assert row.locked_until is not None
    assert (row.locked_until - utcnow()).total_seconds() <= 60


def test_deactivated_account_cannot_log_in(client, demo, db):
    demo.user("trainee").active = False
    db.session.commit()
    response = client.submit("/login", {"identifier": "trainee", "password": "demo-2026"})
    assert "deactivated" in response.get_data(as_text=True)


def test_deactivation_ends_an_open_session(client, demo, db):
    client.login("trainee")
    demo.user("trainee").active = False
    db.session.commit()
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/path",
        "/\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        "\\\\evil.example",
        "/\r\nSet-Cookie:x=1",
    ],
)
def test_unsafe_next_is_ignored(client, demo, target):
    response = client.submit("/login", {"identifier": "trainee", "password": "demo-2026", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_safe_next_is_followed(client, demo):
    response = client.submit("/login", {"identifier": "trainee", "password": "demo-2026", "next": "/profile"})
    assert response.headers["Location"] == "/profile"


def test_login_page_redirects_anonymous_with_next(client, demo):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login?next=%2Fprofile" in response.headers["Location"]


def test_logout_needs_post_and_ends_session(client, demo):
    client.login("trainee")
    assert client.get("/logout").status_code == 405
    client.submit("/logout")
    assert client.get("/profile").status_code == 302


def test_change_password(client, demo):
    client.login("trainee")
    bad = client.submit(
        "/account/password",
        {"current_password": "wrong", "password": "new-password-1", "confirm": "new-password-1"},
    )
    assert "The current password is wrong." in bad.get_data(as_text=True)
    short = client.submit(
        "/account/password", {"current_password": "demo-2026", "password": "short", "confirm": "short"}
    )
    assert "at least 8 characters" in short.get_data(as_text=True)
    good = client.submit(
        "/account/password",
        {"current_password": "demo-2026", "password": "new-password-1", "confirm": "new-password-1"},
    )
    assert good.status_code == 302
    client.submit("/logout")
    assert client.submit("/login", {"identifier": "trainee", "password": "new-password-1"}).status_code == 302


def test_passwords_are_hashed(demo):
    user = demo.user("trainee")
    assert "demo-2026" not in user.password_hash
    assert user.check_password("demo-2026")


def test_authenticate_service_counts_failures(demo, db):
    result = services.authenticate("trainee", "bad")
    assert result.user is None
    assert demo.user("trainee").failed_logins == 1


def test_login_rate_limit(app, client, demo, monkeypatch):
    from lms.extensions import limiter

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    codes = [client.submit("/login", {"identifier": "nobody", "password": "x"}).status_code for _ in range(4)]
    limiter.reset()
    assert codes[:3] == [200, 200, 200]
    assert codes[3] == 429
