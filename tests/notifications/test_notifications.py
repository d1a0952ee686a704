"""Notifications: in-app rows in the recipient's language, email only after commit, the inbox."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from lms.notifications.models import Notification
from lms.notifications.services import notify, unread_count


def _rows(db, user):
    return db.session.execute(sa.select(Notification).where(Notification.user_id == user.id)).scalars().all()


def test_notice_is_rendered_in_the_recipients_language(app, demo, db):
    user = demo.user("trainee")
    user.preferred_language = "zh_CN"
    with app.test_request_context("/"):
        notify(user, "test", _l("Log in"))
    db.session.commit()
    assert [n.title for n in _rows(db, user)] == ["登录"]


def test_email_is_sent_after_commit_and_not_after_rollback(app, demo, db, caplog):
    user = demo.user("trainee.manager")
    caplog.set_level(logging.INFO)
    with app.test_request_context("/"):
        notify(user, "test", _l("Dashboard"), link="/")
        assert "email to trainee.manager" not in caplog.text
        db.session.commit()
        assert "email to trainee.manager@demo.aeo-lms.cn: Dashboard" in caplog.text
        caplog.clear()
        notify(user, "test", _l("Dashboard"))
        db.session.rollback()
        db.session.commit()
    assert "email to" not in caplog.text
    assert len(_rows(db, user)) == 1
    assert _rows(db, user)[0].email_queued_at is not None


def test_inbox_open_and_read_all(client, app, demo, db):
    user = demo.user("trainee")
    with app.test_request_context("/"):
        first = notify(user, "test", _l("Dashboard"), link="/profile")
        notify(user, "test", _l("Notifications"), link="https://evil.example/")
    db.session.commit()
    client.login("trainee")
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Dashboard" in page and "Notifications" in page
    assert unread_count(demo.user("trainee")) == 2
    response = client.submit(f"/notifications/{first.id}/open")
    assert response.headers["Location"] == "/profile"
    assert unread_count(demo.user("trainee")) == 1
    client.submit("/notifications/read-all")
    assert unread_count(demo.user("trainee")) == 0


def test_offsite_links_are_not_followed(client, app, demo, db):
    user = demo.user("trainee")
    with app.test_request_context("/"):
        notice = notify(user, "test", _l("Dashboard"), link="https://evil.example/")
    db.session.commit()
    client.login("trainee")
    assert client.submit(f"/notifications/{notice.id}/open").headers["Location"] == "/notifications/"


def test_someone_elses_notification_is_404(client, app, demo, db):
    with app.test_request_context("/"):
        notice = notify(demo.user("trainee.manager"), "test", _l("Key enterprises"))
    db.session.commit()
    client.login("trainee")
    assert client.submit(f"/notifications/{notice.id}/open").status_code == 404
    assert "Key enterprises" not in client.get("/notifications/").get_data(as_text=True)


def test_the_inbox_shows_each_notice_in_the_readers_language_now(client, app, demo, db):
    from datetime import UTC, datetime

    from lms.notifications.messages import Bilingual

    user = demo.user("trainee")
    user.preferred_language = "en"
    with app.test_request_context("/"):
        notify(
            user,
            "test",
            _l("Cultivation of %(enterprise)s resumed"),
            _l("Case %(ref)s is back in training from %(day)s."),
            enterprise=Bilingual("Pengcheng Precision", "鹏城精密"),
            ref="C-1",
            day=datetime(2026, 12, 7, 11, 0, tzinfo=UTC).date(),
        )
    db.session.commit()
    [row] = _rows(db, user)
    assert row.title_key == "Cultivation of %(enterprise)s resumed"
    assert row.params["enterprise"] == {"en": "Pengcheng Precision", "zh_CN": "鹏城精密"}
    client.login("trainee")
    english = client.get("/notifications/").get_data(as_text=True)
    assert "Cultivation of Pengcheng Precision resumed" in english and "Dec 7, 2026" in english
    client.submit("/language", {"language": "zh_CN", "next": "/notifications/"})
    chinese = client.get("/notifications/").get_data(as_text=True)
    assert "鹏城精密" in chinese and "Pengcheng Precision" not in chinese
    assert "2026年12月7日" in chinese
    assert "Cultivation of" not in chinese


def test_an_email_is_written_in_the_recipients_language_when_it_is_sent(app, demo, db, caplog):
    user = demo.user("trainee.finance")
    user.preferred_language = "en"
    caplog.set_level(logging.INFO)
    with app.test_request_context("/"):
        notify(user, "test", _l("Log in"))
        user.preferred_language = "zh_CN"  # changed before the email goes out
        db.session.commit()
    assert "email to trainee.finance@demo.aeo-lms.cn: 登录" in caplog.text


def test_notices_written_before_keys_keep_their_text(client, app, demo, db):
    from lms.notifications.models import Notification

    db.session.add(
        Notification(user=demo.user("trainee"), kind="old", title="Written long ago", body="As it was")
    )
    db.session.commit()
    client.login("trainee")
    client.submit("/language", {"language": "zh_CN", "next": "/notifications/"})
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Written long ago" in page and "As it was" in page
