"""Per-user time zones: dates and times on pages in the reader's zone, chosen on the profile page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lms.auth.models import User
from lms.i18n import format_clock, format_day, format_when


def test_the_profile_offers_zones_and_saves_the_choice(client, demo, db):
    client.login("trainee")
    page = client.get("/profile").get_data(as_text=True)
    assert "Time zone" in page and 'value="Europe/Berlin"' in page and "Asia/Shanghai" in page
    response = client.submit(
        "/profile", {"display_name": "Liu Yang", "preferred_language": "", "timezone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert demo.user("trainee").timezone == "Europe/Berlin"
    assert "Europe/Berlin" in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Etc/GMT+3", "../../etc/passwd"])
def test_an_unknown_zone_is_a_form_message(client, demo, db, zone):
    client.login("trainee")
    response = client.submit("/profile", {"display_name": "Liu Yang", "timezone": zone})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    db.session.expire_all()
    assert demo.user("trainee").timezone is None


MOMENT = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 March in Shanghai, 00:30 on 2 March in Berlin


@pytest.mark.parametrize(
    ("zone", "day", "clock"),
    [
        (None, "Mar 2, 2026", "7:30\u202fAM"),
        ("Europe/Berlin", "Mar 2, 2026", "12:30\u202fAM"),
        ("America/New_York", "Mar 1, 2026", "6:30\u202fPM"),
    ],
)
def test_dates_and_times_follow_the_readers_zone(app, demo, db, zone, day, clock):
    from flask_login import login_user

    user = demo.user("trainee")
    user.timezone = zone
    user.preferred_language = "en"
    db.session.commit()
    with app.test_request_context("/"):
        login_user(db.session.get(User, user.id))
        assert format_day(MOMENT) == day
        assert format_clock(MOMENT) == clock
        assert format_when(MOMENT) == f"{day}, {clock}"


def test_the_default_is_the_sites_zone(app, demo, db):
    with app.test_request_context("/"):
        assert format_clock(MOMENT).startswith("7:30")
    assert app.config["BABEL_DEFAULT_TIMEZONE"] == "Asia/Shanghai"


def test_a_page_shows_times_in_the_readers_zone(client, demo, db):
    user = demo.user("trainee")
    user.last_login_at = MOMENT
    user.timezone = "America/New_York"
    db.session.commit()
    client.login("trainee")  # signing in sets a new last login; put the known moment back
    user = demo.user("trainee")
    user.last_login_at = MOMENT
    db.session.commit()
    page = client.get("/profile").get_data(as_text=True)
    assert "Mar 1, 2026" in page and "America/New_York" in page


def test_times_typed_in_forms_are_read_on_the_readers_clock(app, demo, db):
    from flask_login import login_user

    from lms.sessions.services import form_to_utc, utc_to_form

    user = demo.user("officer.futian")
    user.timezone = "Europe/Berlin"
    db.session.commit()
    typed = datetime(2026, 3, 2, 10, 0)  # 10:00 in Berlin (UTC+1 in March before the change to summer time)
    with app.test_request_context("/"):
        login_user(db.session.get(User, user.id))
        assert form_to_utc(typed) == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        assert utc_to_form(datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) == typed
    with app.test_request_context("/"):  # nobody signed in: the site's zone
        from flask_babel import refresh
        from flask_login import logout_user

        logout_user()
        refresh()  # the zone is kept for the app context the test shares between its request contexts
        assert form_to_utc(typed) == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
