"""Each demo account logs in and sees its own dashboard, in English and in Chinese."""

from __future__ import annotations

import pytest

DEMO_ACCOUNTS = {
    "admin": "My jurisdiction",
    "officer.shenzhen": "My jurisdiction",
    "officer.shanghai": "My jurisdiction",
    "officer.futian": "My jurisdiction",
    "expert.national": "My expert profile",
    "expert.shenzhen": "My expert profile",
    "trainee": "My enterprise",
}


@pytest.mark.parametrize("login_name", sorted(DEMO_ACCOUNTS))
def test_demo_account_sees_its_dashboard(client, demo, login_name):
    client.login(login_name)
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert DEMO_ACCOUNTS[login_name] in html
    assert demo.user(login_name).display_name in html


@pytest.mark.parametrize("login_name", sorted(DEMO_ACCOUNTS))
def test_demo_account_dashboard_in_chinese(client, demo, login_name):
    client.login(login_name)
    client.submit("/language", {"language": "zh_CN", "next": "/"})
    html = client.get("/").get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "仪表板" in html
    assert DEMO_ACCOUNTS[login_name] not in html


def test_landing_page_for_visitors(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Log in" in page.get_data(as_text=True)
