"""The demo reads naturally in both languages: people, session titles and venues are written in Chinese with
their English form, each page shows the one of its language, and the demo logins are unchanged."""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from lms.auth.models import User
from lms.demo.org import ACCOUNTS
from lms.sessions.models import TrainingSession


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def full_demo(db, demo):
    from lms.demo import load_demo

    load_demo(echo=lambda *_: None)
    db.session.commit()
    return demo


def _prefer(db, demo, login, language):
    demo.user(login).preferred_language = language
    db.session.commit()


@pytest.mark.slow
def test_demo_people_sessions_and_venues_in_each_language(db, full_demo, app):
    logins = set(db.session.execute(sa.select(User.login_name)).scalars())
    assert {login for login, *_ in ACCOUNTS} <= logins  # the documented accounts keep their names

    session = db.session.scalar(
        sa.select(TrainingSession).where(
            TrainingSession.title_en == "Credit management briefing at the Shenzhen base"
        )
    )
    assert session.own_title == "信用管理专题宣讲（深圳培训基地）"
    venue = session.venue
    assert venue.own_address == "广东省深圳市龙岗区" and venue.address_en.startswith("Longgang District")

    pages = {}
    for login, language in (("trainee", "zh_CN"), ("trainee.manager", "en")):
        _prefer(db, full_demo, login, language)
        client = app.test_client()
        client.login(login)
        pages[language] = (_text(client.get(f"/sessions/{session.id}")), _text(client.get("/profile")))
    chinese, english = pages["zh_CN"], pages["en"]
    assert "信用管理专题宣讲（深圳培训基地）" in chinese[0] and "广东省深圳市龙岗区" in chinese[0]
    assert "Credit management briefing at the Shenzhen base" not in chinese[0]
    assert "Longgang District" not in chinese[0]
    assert (
        "Credit management briefing at the Shenzhen base" in english[0] and "Longgang District" in english[0]
    )
    assert "信用管理专题宣讲" not in english[0]
    assert "刘洋" in chinese[1] and "Liu Yang" not in chinese[1]
    assert "Zhang Min" in english[1] and "张敏" not in english[1]

    # A second load changes nothing (and does not duplicate the sessions it finds by their English titles).
    count = db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession))
    from lms.demo import load_demo

    load_demo(echo=lambda *_: None)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TrainingSession)) == count


def test_a_name_saved_unchanged_keeps_both_forms_and_a_new_name_replaces_them(db, demo, client):
    user = demo.user("trainee")
    assert (user.own_name, user.name_en) == ("刘洋", "Liu Yang")
    client.login("trainee")  # English pages: the profile form shows "Liu Yang"
    form = client.get("/profile").get_data(as_text=True)
    assert 'value="Liu Yang"' in form
    assert (
        client.submit(
            "/profile", {"display_name": "Liu Yang", "preferred_language": "", "timezone": ""}
        ).status_code
        == 302
    )
    user = db.session.get(User, user.id)
    db.session.refresh(user)
    assert (user.own_name, user.name_en) == ("刘洋", "Liu Yang")
    assert (
        client.submit(
            "/profile", {"display_name": "刘阳", "preferred_language": "", "timezone": ""}
        ).status_code
        == 302
    )
    db.session.refresh(user)
    assert (user.own_name, user.name_en) == ("刘阳", "")
    assert user.display_name == "刘阳"


def test_queries_read_the_name_of_the_page_language(db, demo, app):
    from flask_babel import refresh

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()  # the test's app context is shared: forget the locale of an earlier request
        chinese = db.session.scalar(sa.select(User.display_name).where(User.login_name == "trainee"))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        english = db.session.scalar(sa.select(User.display_name).where(User.login_name == "trainee"))
    assert (chinese, english) == ("刘洋", "Liu Yang")
