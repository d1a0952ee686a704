"""Language: preference, then cookie, then Accept-Language; the zh_CN catalog is complete."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def test_accept_language_chinese(client):
    html = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录" in html


def test_accept_language_english_default(client):
    html = client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)
    assert 'lang="en"' in html


def test_cookie_beats_accept_language(client):
    client.submit("/language", {"language": "en", "next": "/"})
    html = client.get("/", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en"' in html


def test_user_preference_beats_cookie(client, demo, db):
    user = demo.user("trainee")
    user.preferred_language = "zh_CN"
    db.session.commit()
    client.submit("/language", {"language": "en", "next": "/"})  # visitor's cookie: English
    client.login("trainee")  # logging in does not change the stored preference
    demo.user("trainee").preferred_language = "zh_CN"
    db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html


def test_switching_saves_the_preference(client, demo):
    client.login("officer.shenzhen")
    response = client.submit("/language", {"language": "zh_CN", "next": "/enterprises/"})
    assert response.headers["Location"] == "/enterprises/"
    assert demo.user("officer.shenzhen").preferred_language == "zh_CN"
    assert "企业" in client.get("/enterprises/").get_data(as_text=True)


def test_a_visitor_switches_without_a_token_and_public_pages_set_no_cookie(client):
    page = client.get("/verify")
    assert "Set-Cookie" not in page.headers  # the language form carries no token, so no session is written
    assert 'name="csrf_token"' not in page.get_data(as_text=True).split('class="language-switch"')[1][:600]
    response = client.post("/language", data={"language": "zh_CN", "next": "/verify"})
    assert response.status_code == 302 and response.headers["Location"] == "/verify"
    assert "lang=zh_CN" in response.headers["Set-Cookie"]
    assert 'lang="zh-CN"' in client.get("/verify").get_data(as_text=True)


def test_a_signed_in_switch_without_its_token_changes_nothing(client, demo):
    client.login("officer.shenzhen")
    form = client.get("/enterprises/").get_data(as_text=True).split('class="language-switch"')[1][:600]
    assert 'name="csrf_token"' in form  # a signed-in reader's switch changes the account: it carries a token
    response = client.post("/language", data={"language": "zh_CN", "next": "/enterprises/"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert demo.user("officer.shenzhen").preferred_language != "zh_CN"
    assert 'lang="en"' in client.get("/enterprises/").get_data(as_text=True)


def test_switch_refuses_offsite_next_and_unknown_language(client):
    response = client.submit("/language", {"language": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_dates_show_in_shanghai_time(app):
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    with app.test_request_context("/"):
        text = format_datetime(datetime(2026, 5, 1, 1, 30, tzinfo=UTC), "HH:mm")
    assert text == "09:30"


def _extracted_messages() -> set[str]:
    method_map = [("lms/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
        "lazy_ngettext": (1, 2),
    }
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map=method_map,
        keywords=keywords,
        options_map={
            "templates/**.html": {"extensions": "jinja2.ext.do"},
            "templates/**.txt": {"extensions": "jinja2.ext.do"},
        },
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_zh_cn_catalog_is_complete():
    with (ROOT / "lms" / "translations" / "zh_CN" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    translated = {
        m.id if isinstance(m.id, str) else m.id[0]
        for m in catalog
        if m.id and m.string and (all(m.string) if isinstance(m.string, tuple) else True) and not m.fuzzy
    }
    missing = sorted(_extracted_messages() - translated)
    assert not missing, f"{len(missing)} strings have no Chinese translation, e.g. {missing[:15]}"
