"""The privacy notice: shown at first login and after a new version, accepted once, recorded."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from lms.privacy import notice as notices
from lms.privacy.models import PrivacyAcceptance


def _new_trainee(factory, demo, **values):
    return factory.user(
        "trainee",
        enterprise=demo.enterprise("Pengcheng"),
        login_name="newcomer",
        accepted_notice=False,
        **values,
    )


def test_demo_accounts_and_test_users_have_accepted_the_current_notice(client, demo, factory):
    client.login("trainee")
    assert client.get("/").status_code == 200
    user = factory.user("trainee", enterprise=demo.enterprise("Pengcheng"))
    assert user.privacy_version == notices.current_version() == 1


def test_first_login_leads_to_the_notice_until_accepted(client, demo, factory, db):
    user = _new_trainee(factory, demo)
    client.login("newcomer")
    for path in ("/", "/courses/my", "/profile", "/privacy/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/privacy/notice?next=")
    page = client.get("/privacy/notice?next=/courses/my")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Privacy notice" in html and "What we hold" in html
    # A form posted before accepting changes nothing.
    assert client.submit("/profile", {"display_name": "Changed"}).status_code == 403
    assert db.session.get(type(user), user.id).display_name != "Changed"
    # Not ticking the box accepts nothing.
    refused = client.submit("/privacy/notice?next=/courses/my", {"version": "1", "next": "/courses/my"})
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    mine = sa.select(PrivacyAcceptance).where(PrivacyAcceptance.user_id == user.id)
    assert db.session.execute(mine).first() is None
    accepted = client.submit(
        "/privacy/notice?next=/courses/my", {"version": "1", "next": "/courses/my", "agree": "y"}
    )
    assert accepted.status_code == 302 and accepted.headers["Location"] == "/courses/my"
    row = db.session.execute(mine).scalar_one()
    assert (row.user_id, row.version, row.accepted_at is not None) == (user.id, 1, True)
    assert client.get("/courses/my").status_code == 200
    assert "Version 1 accepted" in client.get("/privacy/").get_data(as_text=True)


def test_logout_and_the_language_switch_stay_open(client, demo, factory):
    _new_trainee(factory, demo)
    client.login("newcomer")
    switched = client.submit("/language", {"language": "zh_CN", "next": "/privacy/notice"})
    assert switched.status_code == 302
    html = client.get("/privacy/notice").get_data(as_text=True)
    assert "隐私声明" in html and "我们保存的信息" in html
    response = client.submit("/logout")
    assert response.status_code == 302
    assert client.get("/courses/my").status_code == 302  # signed out: the login page, not the notice
    assert "/login" in client.get("/courses/my").headers["Location"]


def test_an_account_made_by_an_officer_is_shown_the_notice(client, demo, db):
    client.login("officer.futian")
    created = client.submit(
        "/users/new",
        {
            "login_name": "made.by.officer",
            "email": "made@example.com",
            "display_name": "Made By Officer",
            "role": "trainee",
            "enterprise_id": demo.enterprise("Pengcheng").id,
            "unit_id": 0,
            "position": "department_staff",
            "preferred_language": "",
            "password": "correct horse battery 93",
        },
    )
    assert created.status_code == 302
    client.submit("/logout")
    client.login("made.by.officer", "correct horse battery 93")
    assert client.get("/").headers["Location"].startswith("/privacy/notice")


def test_a_new_version_is_shown_again_and_both_acceptances_are_kept(app, client, demo, db, tmp_path):
    folder = tmp_path / "notices"
    shutil.copytree(notices.PACKAGE_NOTICES, folder)
    (folder / "2.en.md").write_text("# Privacy notice\n\nVersion 2: retention changed.\n", encoding="utf-8")
    (folder / "2.zh_CN.md").write_text("# 隐私声明\n\n第 2 版：保存期限有变化。\n", encoding="utf-8")
    client.login("trainee")
    app.config["PRIVACY_NOTICE_DIR"] = str(folder)
    try:
        response = client.get("/courses/my")
        assert response.headers["Location"].startswith("/privacy/notice")
        html = client.get("/privacy/notice").get_data(as_text=True)
        assert "Version 2: retention changed." in html and "The privacy notice has changed" in html
        # A form opened for version 1 does not accept version 2.
        stale = client.submit("/privacy/notice", {"version": "1", "agree": "y"})
        assert stale.status_code == 302 and stale.headers["Location"].startswith("/privacy/notice")
        assert client.submit("/privacy/notice", {"version": "2", "agree": "y"}).status_code == 302
        assert client.get("/courses/my").status_code == 200
        versions = (
            db.session.execute(
                sa.select(PrivacyAcceptance.version).where(
                    PrivacyAcceptance.user_id == demo.user("trainee").id
                )
            )
            .scalars()
            .all()
        )
        assert sorted(versions) == [1, 2]
    finally:
        app.config["PRIVACY_NOTICE_DIR"] = ""


@pytest.mark.parametrize("version", ["99", "0"])
def test_an_unknown_version_is_not_found(client, demo, version):
    assert client.get(f"/privacy/notice?version={version}").status_code == 404
