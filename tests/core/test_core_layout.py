"""Issue 12: one layout (Bootstrap served by the app), a few menus per role, dates in one short and one long
form per language, labels instead of codes, names and punctuation that suit the reader's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from lms.i18n import format_day, format_when, locale_for

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _top_level(html: str) -> list[str]:
    menu = html.split('class="main-nav')[1].split("</ul>\n        <ul")[0]
    return re.findall(r'<li class="nav-item[^"]*">', menu)


@pytest.mark.parametrize(
    "login, most",
    [("trainee", 6), ("expert.national", 6), ("officer.shenzhen", 7), ("officer.futian", 7), ("admin", 7)],
)
def test_navigation_is_a_few_menus_per_role(client, demo, login, most):
    client.login(login)
    html = client.get("/").get_data(as_text=True)
    entries = _top_level(html)
    assert 2 <= len(entries) <= most, len(entries)
    # Every link of the role is still there, inside a menu.
    assert html.count('class="dropdown-item') >= 3


def test_pages_load_bootstrap_from_the_app_itself(client, demo):
    client.login("officer.shenzhen")
    html = client.get("/").get_data(as_text=True)
    assert "/bootstrap/static/css/bootstrap.min.css" in html
    assert not re.search(r'(src|href)="(https?:)?//', html.split("<main")[0])
    css = client.get("/bootstrap/static/css/bootstrap.min.css")
    assert css.status_code == 200 and b"Bootstrap" in css.get_data()[:200]
    css.close()
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_one_short_and_one_long_form_per_language(app):
    moment = datetime(2026, 12, 4, 12, 35, 23, tzinfo=UTC)  # 20:35 in Shanghai
    with app.test_request_context():
        with force_locale("en"):
            assert format_when(moment) == "Dec 4, 2026, 8:35\u202fPM"
            assert format_when(moment, "long") == "Friday, December 4, 2026, 8:35\u202fPM"
            assert format_day(date(2026, 12, 7)) == "Dec 7, 2026"
        with force_locale(locale_for("zh_CN")):
            assert format_when(moment) == "2026年12月4日 20:35"
            assert format_when(moment, "long") == "2026年12月4日星期五 20:35"
            assert format_day(moment) == "2026年12月4日"


def test_templates_use_only_the_two_date_forms():
    """No template formats a date its own way ("yyyy-MM-dd HH:mm", isoformat shown as text)."""
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\|local(?:time|date)\(([^)]*)\)", text):
            if match.group(1) not in ("'short'", "'long'"):
                offenders.append(f"{path.name}: {match.group(0)}")
        for line in text.splitlines():
            for match in re.finditer(r"[\w.\]\)]+\.(isoformat|strftime)\(", line):
                before = line[: match.start()]
                if not re.search(r'(datetime="|url_for\(|value="|\*\*\{|[\w-]+=)\{?\{?[^"]*$', before):
                    offenders.append(f"{path.name}: {line.strip()[:80]}")
    assert not offenders, offenders


def test_demo_names_carry_no_english_suffix(db):
    from lms.auth.models import User
    from lms.demo import load_demo

    load_demo(echo=lambda *_: None)
    db.session.commit()
    names = db.session.execute(sa.select(User.display_name)).scalars().all()
    assert names and not [n for n in names if "(" in n]


def test_templates_join_label_and_value_with_the_readers_colon(app):
    """A half-width ": " between two template values shows in Chinese pages beside full-width ones."""
    offenders = [
        f"{path.name}: {line.strip()[:80]}"
        for path in TEMPLATES.rglob("*.html")
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.search(r"\}\}: |\}\}:<", line)
    ]
    assert not offenders, offenders
    with app.test_request_context():
        with force_locale(locale_for("zh_CN")):
            from flask_babel import gettext

            assert gettext(": ") == "："
