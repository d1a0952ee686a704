"""Jurisdiction of every cultivation page and action, per role; other people's ids answer 404."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from lms.cultivation import keylists
from lms.cultivation.models import CaseEvent, CaseNominee, CultivationCase

# A Pengcheng (Futian, Shenzhen) case. Who sees it: status of the case page.
VIEWERS = {
    "officer.futian": 200,
    "officer.shenzhen": 200,
    "admin": 200,
    "trainee": 200,  # same enterprise
    "trainee.customs": 200,  # same enterprise
    "officer.shanghai": 404,
    "officer.guangzhou": 404,
    "trainee.futian": 404,  # another enterprise
    "trainee.shanghai": 404,
    "expert.shenzhen": 404,
}
ACTIONS = {
    "screen": {"screen-decided_on": "{today}"},
    "reject": {"reject-decided_on": "{today}", "reject-reason": "No"},
    "suspend": {"suspend-reason": "audit", "suspend-suspended_on": "{today}"},
    "resume": {"resume-resumed_on": "{today}"},
    "terminate": {
        "terminate-reason": "other",
        "terminate-reason_text": "x",
        "terminate-terminated_on": "{today}",
    },
    "complete": {},
    "certification": {"apply-applied_on": "{today}"},
    "outcome": {"outcome-outcome": "not_certified", "outcome-reason": "x", "outcome-decided_on": "{today}"},
    "plan": {"plan-course_id": "1"},
    "plan/enroll": {},
}
# Who may act: status of a refused action (officers outside: 404; other roles: 403).
OUTSIDERS = {
    "officer.shanghai": 404,
    "officer.guangzhou": 404,
    "trainee": 403,
    "trainee.futian": 403,
    "expert.shenzhen": 403,
}


@pytest.mark.parametrize("login", sorted(VIEWERS))
def test_case_page_per_role(client, flow, login):
    case = flow.open()
    client.login(login)
    response = client.get(f"/cultivation/cases/{case.id}")
    assert response.status_code == VIEWERS[login]
    if response.status_code == 200:
        html = response.get_data(as_text=True)
        assert case.reference in html
        # Decision forms only for those who may decide.
        assert ("action-screen" in html) == login.startswith(("officer", "admin"))


def test_case_page_needs_login(client, flow):
    case = flow.open()
    response = client.get(f"/cultivation/cases/{case.id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("login", sorted(OUTSIDERS))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_actions_refused_outside_jurisdiction(client, db, flow, login, action):
    case = flow.open()
    client.login(login)
    data = {k: v.format(today=flow.today.isoformat()) for k, v in ACTIONS[action].items()}
    data["confirmed"] = "1"
    response = client.submit(f"/cultivation/cases/{case.id}/{action}", data)
    assert response.status_code == OUTSIDERS[login]
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "submitted"
    assert db.session.execute(sa.select(sa.func.count()).select_from(CaseEvent)).scalar_one() == 1


@pytest.mark.parametrize("login", ["officer.futian", "officer.shenzhen", "admin"])
def test_actions_allowed_in_jurisdiction(client, db, flow, login):
    case = flow.open()
    client.login(login)
    response = client.submit(
        f"/cultivation/cases/{case.id}/screen", {"screen-decided_on": flow.today.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "screened"


def test_unknown_case_is_404(client, flow):
    client.login("admin")
    assert client.get("/cultivation/cases/999999").status_code == 404
    assert client.submit("/cultivation/cases/999999/screen", {}).status_code == 404


LIST_VIEWERS = {
    "officer.shenzhen": 200,
    "admin": 200,
    "officer.futian": 404,
    "officer.shanghai": 404,
    "trainee": 403,
    "expert.shenzhen": 403,
}


@pytest.mark.parametrize("login", sorted(LIST_VIEWERS))
@pytest.mark.parametrize("suffix", ["", "/export.csv", "/export.xlsx"])
def test_key_list_pages_per_role(client, db, flow, login, suffix):
    shenzhen = flow.demo.unit("5300")
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), shenzhen, "2026-H2")
    db.session.commit()
    client.login(login)
    assert client.get(f"/cultivation/key-lists/{key_list.id}{suffix}").status_code == LIST_VIEWERS[login]


@pytest.mark.parametrize("login", sorted(LIST_VIEWERS))
def test_key_list_confirm_per_role(client, db, flow, login):
    case = flow.to_state(flow.open(), "screened")
    shenzhen = flow.demo.unit("5300")
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), shenzhen, "2026-H2")
    db.session.commit()
    client.login(login)
    response = client.submit(f"/cultivation/key-lists/{key_list.id}/confirm")
    expected = 302 if LIST_VIEWERS[login] == 200 else LIST_VIEWERS[login]
    assert response.status_code == expected
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == (
        "in_training" if expected == 302 else "screened"
    )


def test_officer_cannot_build_a_list_for_another_region(client, db, flow):
    client.login("officer.shanghai")
    futian = flow.demo.unit("5301")
    response = client.submit("/cultivation/key-lists", {"unit_id": str(futian.id), "period": "2026-H2"})
    assert response.status_code == 403
    assert "outside your jurisdiction" in response.get_data(as_text=True)


PAGES = {
    "/cultivation/cases": {"officer.futian": 200, "admin": 200, "trainee": 403, "expert.shenzhen": 403},
    "/cultivation/key-lists": {"officer.futian": 200, "admin": 200, "trainee": 403, "expert.shenzhen": 403},
    "/cultivation/my": {"trainee": 200, "trainee.customs": 200, "officer.futian": 403},
    "/cultivation/apply": {
        "trainee": 200,
        "trainee.manager": 200,
        "trainee.customs": 403,
        "officer.futian": 403,
    },
    "/cultivation/nominate": {"officer.futian": 200, "trainee": 403, "expert.shenzhen": 403},
}


@pytest.mark.parametrize(("url", "login"), [(u, login) for u, roles in PAGES.items() for login in roles])
def test_pages_per_role(client, demo, url, login):
    client.login(login)
    assert client.get(url).status_code == PAGES[url][login]


@pytest.mark.parametrize(
    ("login", "status"),
    [("officer.futian", 200), ("officer.shenzhen", 200), ("officer.shanghai", 404), ("trainee", 403)],
)
def test_enterprise_cultivation_page(client, demo, login, status):
    client.login(login)
    pengcheng = demo.enterprise("Pengcheng")
    assert client.get(f"/cultivation/enterprises/{pengcheng.id}").status_code == status
    assert client.get(f"/cultivation/nominate?enterprise={pengcheng.id}").status_code == (
        status if status != 200 else 200
    )


def test_case_list_only_shows_own_jurisdiction(client, db, flow):
    pengcheng = flow.open()
    shanghai = flow.open(enterprise="Pudong", nominees=("trainee.shanghai",), nominated_by="officer.shanghai")
    client.login("officer.shenzhen")
    html = client.get("/cultivation/cases").get_data(as_text=True)
    assert pengcheng.reference in html and shanghai.reference not in html
    client.submit("/logout")
    client.login("officer.shanghai")
    html = client.get("/cultivation/cases").get_data(as_text=True)
    assert shanghai.reference in html and pengcheng.reference not in html


def test_case_list_filters(client, db, flow):
    case = flow.open()
    client.login("officer.shenzhen")
    assert case.reference in client.get("/cultivation/cases?state=submitted&type=aeo_certification").get_data(
        as_text=True
    )
    assert case.reference not in client.get("/cultivation/cases?state=screened").get_data(as_text=True)
    assert case.reference not in client.get("/cultivation/cases?type=compliance").get_data(as_text=True)
    shekou = flow.demo.unit("5302")
    assert case.reference not in client.get(f"/cultivation/cases?unit={shekou.id}").get_data(as_text=True)
    assert client.get("/cultivation/cases?unit=abc").status_code == 400


def test_case_list_statement_count_does_not_grow(client, db, flow, factory, count_queries):
    demo = flow.demo
    enterprises = [
        demo.enterprise(n)
        for n in ("Pengcheng", "Futian Cross", "Lianhua", "Shekou", "Nanshan", "Dapeng", "Qianhai")
    ]
    trainee = demo.user("trainee")

    def add_cases(items):
        for enterprise in items:
            case = CultivationCase(
                enterprise=enterprise,
                training_type="compliance",
                category="interested_party",
                origin="nomination",
                state="submitted",
                opened_on=date(2026, 11, 1),
            )
            case.nominees.append(CaseNominee(user=trainee, position="legal_representative"))
            db.session.add(case)
        db.session.commit()

    client.login("officer.shenzhen")
    add_cases(enterprises[:2])
    with count_queries() as few:
        assert client.get("/cultivation/cases").status_code == 200
    add_cases(enterprises[2:])
    with count_queries() as many:
        html = client.get("/cultivation/cases").get_data(as_text=True)
    assert html.count('href="/cultivation/cases/') == 7
    assert many.count == few.count


@pytest.mark.parametrize(
    ("login", "status"),
    [("officer.futian", 404), ("officer.shanghai", 404), ("trainee", 403), ("expert.shenzhen", 403)],
)
def test_key_list_adjustments_outside_jurisdiction(client, db, flow, login, status):
    flow.to_state(flow.open(), "screened")
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), flow.demo.unit("5300"), "2026-H2")
    db.session.commit()
    entry_id = key_list.entries[0].id
    client.login(login)
    base = f"/cultivation/key-lists/{key_list.id}"
    for url in (f"{base}/entries/{entry_id}/exclude", f"{base}/entries/{entry_id}/down", f"{base}/refresh"):
        assert client.submit(url, {"confirmed": "1", "reason": "x"}).status_code == status
    db.session.expire_all()
    assert db.session.get(type(key_list), key_list.id).entries[0].included


@pytest.mark.parametrize(("login", "status"), [("officer.shanghai", 404), ("trainee", 403)])
def test_bars_and_plan_items_outside_jurisdiction(client, db, flow, login, status):
    from lms.cultivation import plans
    from lms.cultivation.models import BarEvent, PlanItem

    case = flow.to_state(flow.open(), "in_training")
    item = plans.add_plan_item(flow.officer(), case, course=flow.course())
    db.session.commit()
    client.login(login)
    response = client.submit(
        f"/cultivation/enterprises/{case.enterprise_id}/bars",
        {"kind": "gave_up_aeo", "occurred_on": "2026-10-01", "notes": "x"},
    )
    assert response.status_code == status
    assert (
        client.submit(f"/cultivation/cases/{case.id}/plan/{item.id}/remove", {"confirmed": "1"}).status_code
        == status
    )
    assert client.submit(f"/cultivation/cases/{case.id}/start", {}).status_code == status
    assert db.session.execute(sa.select(sa.func.count()).select_from(BarEvent)).scalar_one() == 0
    assert db.session.execute(sa.select(sa.func.count()).select_from(PlanItem)).scalar_one() == 1


def test_key_list_page_statement_count_does_not_grow(client, db, flow, count_queries):
    from lms.cultivation.models import KeyListEntry

    flow.to_state(flow.open(), "screened")
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), flow.demo.unit("5300"), "2026")
    db.session.commit()
    client.login("officer.shenzhen")
    with count_queries() as few:
        assert client.get(f"/cultivation/key-lists/{key_list.id}").status_code == 200
    for name in ("Shekou", "Nanshan"):
        case = flow.to_state(_nominated(flow, name), "screened", officer="officer.shenzhen")
        db.session.add(
            KeyListEntry(
                key_list=key_list,
                case=case,
                position=len(key_list.entries) + 1,
                score_rank=len(key_list.entries) + 1,
                score=0,
                breakdown={},
            )
        )
    db.session.commit()
    with count_queries() as many:
        html = client.get(f"/cultivation/key-lists/{key_list.id}").get_data(as_text=True)
    assert html.count("data-case=") == 3
    assert many.count == few.count


def _nominated(flow, name):
    login = {"Shekou": "trainee.shekou", "Nanshan": "trainee.nanshan"}[name]
    return flow.open(enterprise=name, nominees=(login,), nominated_by="officer.shenzhen")
