"""Accounts hardened to OWASP ASVS level 2: password strength, throttling that a stranger cannot turn against
a trainee, two-factor authentication with recovery codes, the security event log."""

from __future__ import annotations

import re

import pyotp
import pytest

from lms.extensions import limiter

GENERIC = "Invalid login name, email or password."
STRANGER = {"REMOTE_ADDR": "10.0.0.9"}


def _fail(client, login, address="10.0.0.9"):
    return client.submit(
        "/login", {"identifier": login, "password": "wrong-guess"}, environ_base={"REMOTE_ADDR": address}
    )


# -- passwords ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("weak", ["password123", "qwertyuiop", "trainee2026", "abc12345"])
def test_common_and_guessable_passwords_are_refused(client, demo, weak):
    client.login("trainee")
    response = client.submit(
        "/account/password", {"current_password": "demo-2026", "password": weak, "confirm": weak}
    )
    assert response.status_code == 200
    assert "This password is too easy to guess" in response.get_data(as_text=True)
    assert demo.user("trainee").check_password("demo-2026")


def test_no_composition_rules_a_long_passphrase_is_fine(client, demo):
    client.login("trainee")
    phrase = "harbour lantern quietly folds"
    response = client.submit(
        "/account/password", {"current_password": "demo-2026", "password": phrase, "confirm": phrase}
    )
    assert response.status_code == 302
    assert demo.user("trainee").check_password(phrase)


def test_an_officer_cannot_give_a_weak_initial_password(client, demo):
    client.login("officer.futian")
    trainee = demo.user("trainee.customs")
    client.submit(f"/users/{trainee.id}/password", {"password": "12345678"})
    assert demo.user("trainee.customs").check_password("demo-2026")


def test_the_demo_password_still_signs_in(client, demo):
    response = client.login("trainee")  # demo-2026, loaded by the demo loader, not checked there
    assert response.headers["Location"] == "/"


# -- throttling ---------------------------------------------------------------------------------------------


def test_a_stranger_cannot_lock_the_trainee_out(app, client, demo):
    for _ in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        response = _fail(client, "trainee")
        assert GENERIC in response.get_data(as_text=True)
    # The stranger's address is locked: even the right password gets the same answer as a wrong one.
    locked = client.submit(
        "/login", {"identifier": "trainee", "password": "demo-2026"}, environ_base=STRANGER
    )
    assert locked.status_code == 200 and GENERIC in locked.get_data(as_text=True)
    # The trainee, from their own address, signs in on exam day.
    own = client.submit(
        "/login",
        {"identifier": "trainee", "password": "demo-2026"},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert own.status_code == 302


def test_unknown_locked_and_wrong_look_the_same(app, client, demo):
    unknown = client.submit("/login", {"identifier": "nobody.here", "password": "x"}).get_data(as_text=True)
    wrong = _fail(client, "trainee").get_data(as_text=True)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        _fail(client, "trainee")
    locked = _fail(client, "trainee").get_data(as_text=True)
    for page in (unknown, wrong, locked):
        assert GENERIC in page
        assert "locked" not in page.lower()


def test_account_wide_limit_spares_a_browser_that_signed_in_before(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per hour")
    limiter.reset()
    try:
        client.login("trainee")  # attempt 1: this browser is now known to the account
        client.submit("/logout")
        _fail(client.application.test_client(), "trainee", "10.0.0.1")  # attempts 2 and 3, elsewhere
        _fail(client.application.test_client(), "trainee", "10.0.0.2")
        stranger = client.application.test_client()
        refused = stranger.submit(
            "/login",
            {"identifier": "trainee", "password": "demo-2026"},
            environ_base={"REMOTE_ADDR": "10.0.0.3"},
        )
        assert refused.status_code == 200 and GENERIC in refused.get_data(as_text=True)
        assert client.submit("/login", {"identifier": "trainee", "password": "demo-2026"}).status_code == 302
    finally:
        limiter.reset()


# -- two-factor authentication ------------------------------------------------------------------------------


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/security/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    done = client.submit("/security/two-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def test_an_officer_enrols_and_then_needs_the_code(client, demo):
    client.login("officer.shenzhen")
    client.get("/security/two-factor")
    wrong = client.submit("/security/two-factor", {"code": "000000"})
    assert wrong.status_code == 400 and "The code does not match" in wrong.get_data(as_text=True)
    secret, codes = _enrol(client)
    assert demo.user("officer.shenzhen").two_factor_enabled
    client.submit("/logout")

    first = client.submit("/login", {"identifier": "officer.shenzhen", "password": "demo-2026"})
    assert first.headers["Location"] == "/security/two-factor/login"
    assert client.get("/reports/").status_code == 302  # not signed in before the second factor
    bad = client.submit("/security/two-factor/login", {"code": "123456"})
    assert "This code is not valid." in bad.get_data(as_text=True)
    good = client.submit("/security/two-factor/login", {"code": pyotp.TOTP(secret).now()})
    assert good.status_code == 302
    assert client.get("/reports/").status_code == 200

    # A recovery code works once.
    client.submit("/logout")
    client.submit("/login", {"identifier": "officer.shenzhen", "password": "demo-2026"})
    assert client.submit("/security/two-factor/login", {"code": codes[0].upper()}).status_code == 302
    client.submit("/logout")
    client.submit("/login", {"identifier": "officer.shenzhen", "password": "demo-2026"})
    again = client.submit("/security/two-factor/login", {"code": codes[0]})
    assert again.status_code == 200 and "This code is not valid." in again.get_data(as_text=True)
    assert len(demo.user("officer.shenzhen").recovery_codes) == 9


def test_two_factor_page_is_for_officers_and_admins(client, demo):
    client.login("trainee")
    assert client.get("/security/two-factor").status_code == 404


def test_enforcement_sends_officers_to_enrol_first(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    client.login("officer.futian")
    response = client.get("/reports/")
    assert response.status_code == 302 and response.headers["Location"] == "/security/two-factor"
    _enrol(client)
    assert client.get("/reports/").status_code == 200
    assert client.submit("/security/two-factor/disable").status_code == 302
    assert demo.user("officer.futian").two_factor_enabled  # required: it stays on


def test_enforcement_is_off_by_default_and_leaves_trainees_alone(app, client, demo, monkeypatch):
    client.login("officer.futian")
    assert client.get("/reports/").status_code == 200
    client.submit("/logout")
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)
    client.login("trainee")
    assert client.get("/courses/my").status_code == 200


# -- security event log -------------------------------------------------------------------------------------


def test_security_events_are_recorded_and_filtered(client, demo):
    _fail(client, "trainee.finance")
    client.submit("/login", {"identifier": "ghost", "password": "x"})
    client.login("officer.futian")
    client.submit(f"/users/{demo.user('trainee.customs').id}/password", {"password": "fresh-pass-9"})
    client.submit("/logout")
    client.login("admin")
    everything = client.get("/security/events").get_data(as_text=True)
    for kind in ("login_failed", "login", "password_reset", "logout"):
        assert f'class="event-{kind}"' in everything
    failed = client.get("/security/events?kind=login_failed").get_data(as_text=True)
    assert "trainee.finance" in failed and "ghost" in failed and 'class="event-logout"' not in failed
    by_account = client.get("/security/events?account=trainee.customs").get_data(as_text=True)
    assert 'class="event-password_reset"' in by_account and "ghost" not in by_account
    by_address = client.get("/security/events?kind=login_failed&address=10.0.0.9").get_data(as_text=True)
    assert "trainee.finance" in by_address and "ghost" not in by_address
    assert client.get("/security/events?since=yesterday").status_code == 400


@pytest.mark.parametrize("login", ["trainee", "expert.shenzhen", "officer.shenzhen"])
def test_only_admins_read_the_security_log(client, demo, login):
    client.login(login)
    assert client.get("/security/events").status_code == 403


def test_search_boxes_take_percent_and_underscore_literally(client, demo):
    client.login("admin")
    everyone = client.get("/users/").get_data(as_text=True)
    assert "trainee.manager" in everyone
    for wildcard in ("%", "_", "trainee_manager"):
        page = client.get("/users/", query_string={"q": wildcard}).get_data(as_text=True)
        assert "trainee.manager" not in page
    assert "0 results" in client.get("/enterprises/", query_string={"q": "%"}).get_data(as_text=True)


def test_wrong_two_factor_codes_lock_that_address_and_the_password_step_expires(
    app, client, demo, monkeypatch
):
    client.login("admin")
    secret, _codes = _enrol(client)
    client.submit("/logout")
    client.submit("/login", {"identifier": "admin", "password": "demo-2026"})
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.submit("/security/two-factor/login", {"code": "000000"})
    locked = client.submit("/security/two-factor/login", {"code": pyotp.TOTP(secret).now()})
    assert locked.status_code == 200 and "This code is not valid." in locked.get_data(as_text=True)
    monkeypatch.setattr("lms.auth.security_views.PENDING_SECONDS", -1)
    assert client.get("/security/two-factor/login").headers["Location"] == "/login"
