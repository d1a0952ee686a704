"""Jurisdiction: every list and detail is filtered by the actor's customs units; outside is 404."""

from __future__ import annotations

import pytest


def _ids(demo, *names):
    return [demo.enterprise(n).id for n in names]


def test_regional_officer_sees_local_units_enterprises(client, demo):
    client.login("officer.shenzhen")
    html = client.get("/enterprises/?q=").get_data(as_text=True)
    assert "Pengcheng Precision Electronics" in html  # Futian, under Shenzhen
    assert "Shekou Harbour Logistics" in html  # Shekou, under Shenzhen
    assert "Pudong Semiconductor" not in html  # Shanghai
    assert "Nansha Auto Parts" not in html  # Guangzhou


def test_local_officer_sees_only_own_unit(client, demo):
    client.login("officer.futian")
    html = client.get("/enterprises/").get_data(as_text=True)
    assert "Pengcheng Precision Electronics" in html
    assert "Shekou Harbour Logistics" not in html


def test_admin_sees_everything(client, demo):
    client.login("admin")
    html = client.get("/enterprises/?unit=").get_data(as_text=True)
    assert "25 results" in html


@pytest.mark.parametrize("path", ["/enterprises/{id}", "/enterprises/{id}/edit"])
def test_shanghai_officer_cannot_open_a_shenzhen_enterprise(client, demo, path):
    client.login("officer.shanghai")
    enterprise = demo.enterprise("Pengcheng")
    assert client.get(path.format(id=enterprise.id)).status_code == 404


def test_shanghai_officer_cannot_post_to_a_shenzhen_enterprise(client, demo):
    client.login("officer.shanghai")
    enterprise = demo.enterprise("Pengcheng")
    response = client.submit(
        f"/enterprises/{enterprise.id}/credit", {"level": "regular", "decided_on": "2026-10-01"}
    )
    assert response.status_code == 404
    assert demo.enterprise("Pengcheng").credit_level == "advanced_certified"


def test_shanghai_officer_cannot_see_a_shenzhen_trainee(client, demo):
    client.login("officer.shanghai")
    trainee = demo.user("trainee")
    assert client.get(f"/users/{trainee.id}").status_code == 404
    listing = client.get("/users/?q=trainee").get_data(as_text=True)
    assert "Liu Yang" not in listing
    assert "Qian Rui" in listing  # trainee.shanghai


def test_searching_by_code_outside_jurisdiction_finds_nothing(client, demo):
    client.login("officer.shanghai")
    enterprise = demo.enterprise("Pengcheng")
    html = client.get(f"/enterprises/?q={enterprise.uscc}").get_data(as_text=True)
    assert "0 results" in html


def test_futian_officer_cannot_see_shekou_trainee(client, demo):
    client.login("officer.futian")
    assert client.get(f"/users/{demo.user('trainee.shekou').id}").status_code == 404
    assert client.get(f"/users/{demo.user('trainee').id}").status_code == 200


@pytest.mark.parametrize("bad", ["abc", "-1", "999999", "1.5"])
def test_malformed_or_unknown_ids_are_404(client, demo, bad):
    client.login("admin")
    assert client.get(f"/enterprises/{bad}").status_code == 404
    assert client.get(f"/users/{bad}").status_code == 404


def test_scope_helpers_directly(demo, db):
    from lms.auth.scopes import enterprise_in_scope, unit_in_scope, user_in_scope

    shenzhen, futian = demo.user("officer.shenzhen"), demo.user("officer.futian")
    pengcheng, shekou = demo.enterprise("Pengcheng"), demo.enterprise("Shekou Harbour")
    assert enterprise_in_scope(shenzhen, pengcheng) and enterprise_in_scope(shenzhen, shekou)
    assert enterprise_in_scope(futian, pengcheng) and not enterprise_in_scope(futian, shekou)
    assert unit_in_scope(shenzhen, demo.unit("5301")) and not unit_in_scope(futian, demo.unit("5300"))
    trainee = demo.user("trainee")
    assert enterprise_in_scope(trainee, pengcheng) and not enterprise_in_scope(trainee, shekou)
    assert user_in_scope(trainee, trainee) and not user_in_scope(trainee, demo.user("trainee.manager"))
    assert not enterprise_in_scope(demo.user("expert.shenzhen"), pengcheng)
