"""Issue 12 on the cultivation pages: a link a local officer can follow, notes in the reader's language,
confirmations before a destructive decision."""

from __future__ import annotations

import re

from lms.cultivation import keylists, services


def _listed_case(flow, demo):
    """A Futian enterprise's case, screened and on the key training list of Shenzhen (the regional unit)."""
    case = flow.open()
    shenzhen = demo.user("officer.shenzhen")
    services.screen_case(shenzhen, case, decided_on=flow.today)
    key_list = keylists.build_key_list(shenzhen, demo.unit("5300"), "2027")
    entry = next(e for e in key_list.entries if e.case_id == case.id)
    keylists.set_included(shenzhen, key_list, entry.id, False, "Waiting for the audit report")
    keylists.set_included(shenzhen, key_list, entry.id, True, "The audit report came in")
    keylists.confirm_key_list(shenzhen, key_list, start=False)
    flow.db.session.commit()
    return case, key_list


def test_local_officer_gets_no_link_to_a_list_outside_their_jurisdiction(client, db, flow, demo):
    case, key_list = _listed_case(flow, demo)
    client.login("officer.futian")
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert "Shenzhen Customs · 2027" in html
    assert f'href="/cultivation/key-lists/{key_list.id}"' not in html
    # Every link on the page leads somewhere for this officer.
    for target in set(re.findall(r'href="(/cultivation/[^"?]+)"', html)):
        assert client.get(target).status_code == 200, target
    client.submit("/logout")
    client.login("officer.shenzhen")
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cultivation/key-lists/{key_list.id}"' in html


def test_key_list_adjustment_notes_are_in_the_readers_language(client, db, flow, demo):
    _case, key_list = _listed_case(flow, demo)
    client.login("officer.shenzhen")
    english = client.get(f"/cultivation/key-lists/{key_list.id}").get_data(as_text=True)
    assert "Chen Wei: excluded. Reason: Waiting for the audit report" in english
    assert "Chen Wei: included. Reason: The audit report came in" in english
    client.submit("/language", {"language": "zh_CN"})
    chinese = client.get(f"/cultivation/key-lists/{key_list.id}").get_data(as_text=True)
    assert "Chen Wei：已移出。理由：Waiting for the audit report" in chinese
    assert "excluded." not in chinese
    csv = client.get(f"/cultivation/key-lists/{key_list.id}/export.csv").get_data(as_text=True)
    assert "理由：Waiting for the audit report" in csv


def test_rejection_asks_for_confirmation_first(client, db, flow):
    case = flow.open()
    client.login("officer.futian")
    data = {"reject-decided_on": flow.today.isoformat(), "reject-reason": "Not eligible this year"}
    page = client.submit(f"/cultivation/cases/{case.id}/reject", data)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Reject the application of" in html
    assert "Not eligible this year" in html  # the reason carried onto the confirmation
    db.session.expire_all()
    assert case.state == "submitted"
    done = client.submit(f"/cultivation/cases/{case.id}/reject", {**data, "confirmed": "1"})
    assert done.status_code == 302
    db.session.expire_all()
    assert case.state == "rejected"


def test_chinese_case_page_uses_full_width_colons(client, db, flow):
    case = flow.open()
    client.login("officer.futian")
    client.submit("/language", {"language": "zh_CN"})
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert "：" in heading and ": " not in heading
