"""Bad input is refused with the rule named and nothing saved; never a 500."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.cultivation import services
from lms.cultivation.models import BarEvent, CaseEvent, CultivationCase


def _count(db, model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _apply_data(*users, training_type="aeo_certification", category="applicant"):
    return {"training_type": training_type, "category": category, "nominees": [str(u.id) for u in users]}


def test_nominee_from_another_enterprise_is_refused(client, db, demo):
    client.login("trainee")
    response = client.submit(
        "/cultivation/apply", _apply_data(demo.user("trainee.manager"), demo.user("trainee.futian"))
    )
    assert response.status_code == 409
    assert "a trainee of another enterprise cannot be nominated" in response.get_data(as_text=True)
    assert _count(db, CultivationCase) == 0 and _count(db, CaseEvent) == 0


def test_officer_nomination_with_foreign_nominee_is_refused(client, db, demo):
    client.login("officer.futian")
    pengcheng = demo.enterprise("Pengcheng")
    data = dict(_apply_data(demo.user("trainee.shanghai")), enterprise_id=str(pengcheng.id))
    response = client.submit(f"/cultivation/nominate?enterprise={pengcheng.id}", data)
    assert response.status_code == 409
    assert _count(db, CultivationCase) == 0


def test_officer_nomination(client, db, demo):
    client.login("officer.futian")
    pengcheng = demo.enterprise("Pengcheng")
    data = dict(_apply_data(demo.user("trainee.finance")), enterprise_id=str(pengcheng.id))
    response = client.submit(f"/cultivation/nominate?enterprise={pengcheng.id}", data)
    assert response.status_code == 302
    case = db.session.execute(sa.select(CultivationCase)).scalar_one()
    assert (case.origin, case.opened_by.login_name) == ("nomination", "officer.futian")


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"nominees": []}, 400, "name at least one trainee"),
        ({"category": "interested_party"}, 409, "AEO certification training is for"),
        ({"training_type": "bogus"}, 400, "Not a valid choice"),
        ({"nominees": ["x"]}, 400, ""),
    ],
)
def test_application_form_errors(client, db, demo, data, status, message):
    client.login("trainee")
    payload = dict(_apply_data(demo.user("trainee")), **data)
    response = client.submit("/cultivation/apply", payload)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert _count(db, CultivationCase) == 0


def test_one_open_case_per_type(client, db, flow):
    flow.open()
    client.login("trainee")
    response = client.submit("/cultivation/apply", _apply_data(flow.demo.user("trainee")))
    assert response.status_code == 409
    assert "one open case per enterprise and training type" in response.get_data(as_text=True)
    assert _count(db, CultivationCase) == 1
    # Another training type is a separate case.
    response = client.submit(
        "/cultivation/apply",
        _apply_data(flow.demo.user("trainee"), training_type="compliance", category="interested_party"),
    )
    assert response.status_code == 302


def test_staff_member_cannot_apply(client, demo):
    client.login("trainee.customs")
    assert client.submit("/cultivation/apply", _apply_data(demo.user("trainee.customs"))).status_code == 403


def test_application_while_a_bar_holds(client, db, flow):
    client.login("officer.futian")
    pengcheng = flow.demo.enterprise("Pengcheng")
    response = client.submit(
        f"/cultivation/enterprises/{pengcheng.id}/bars",
        {
            "kind": "gave_up_aeo",
            "occurred_on": (flow.today - timedelta(days=30)).isoformat(),
            "notes": "Letter of 2026-10-28",
        },
    )
    assert response.status_code == 302
    assert _count(db, BarEvent) == 1
    client.submit("/logout")
    client.login("trainee")
    response = client.submit("/cultivation/apply", _apply_data(flow.demo.user("trainee")))
    assert response.status_code == 409
    assert "Rule: one-year bar" in response.get_data(as_text=True)
    assert _count(db, CultivationCase) == 0


def test_bar_needs_kind_and_reference(client, db, demo):
    client.login("officer.futian")
    pengcheng = demo.enterprise("Pengcheng")
    response = client.submit(
        f"/cultivation/enterprises/{pengcheng.id}/bars", {"kind": "gave_up_aeo", "occurred_on": "2026-10-01"}
    )
    assert response.status_code == 400 and "states its reference or reason" in response.get_data(as_text=True)
    response = client.submit(
        f"/cultivation/enterprises/{pengcheng.id}/bars",
        {"kind": "", "notes": "x", "occurred_on": "2026-10-01"},
    )
    assert response.status_code == 400
    assert _count(db, BarEvent) == 0


@pytest.fixture
def training_case(db, flow):
    return flow.to_state(flow.open(), "in_training")


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({}, 400, "a suspension needs a reason"),
        ({"suspend-reason": "sometimes"}, 400, "a suspension needs a reason"),
        ({"suspend-reason": "other"}, 400, "describe the other circumstances"),
        ({"suspend-reason": "audit", "suspend-suspended_on": "2999-01-01"}, 400, "cannot be in the future"),
        ({"suspend-reason": "audit", "suspend-suspended_on": "31/12/2026"}, 400, "Not a valid date value"),
        ({"suspend-reason": "audit", "suspend-suspended_on": "2020-01-01"}, 400, "cannot be before"),
    ],
)
def test_suspension_without_reason_or_good_date(client, db, flow, training_case, data, status, message):
    client.login("officer.futian")
    response = client.submit(f"/cultivation/cases/{training_case.id}/suspend", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CultivationCase, training_case.id).state == "in_training"


@pytest.mark.parametrize(
    ("url", "data", "message"),
    [
        ("resume", {"resume-resumed_on": "{today}"}, "Only a suspended case can be resumed"),
        ("screen", {"screen-decided_on": "{today}"}, "Only a submitted case can be screened"),
        ("certification", {"apply-applied_on": "{today}"}, "after the training is completed"),
        (
            "outcome",
            {"outcome-outcome": "certified", "outcome-level": "certified", "outcome-decided_on": "{today}"},
            "after the certification application",
        ),
    ],
)
def test_illegal_transitions_through_the_pages(client, db, flow, training_case, url, data, message):
    client.login("officer.futian")
    events = len(flow.events(training_case))
    response = client.submit(
        f"/cultivation/cases/{training_case.id}/{url}",
        {"confirmed": "1", **{k: v.format(today=flow.today.isoformat()) for k, v in data.items()}},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert message in html and "This case is In training" in html
    db.session.expire_all()
    assert db.session.get(CultivationCase, training_case.id).state == "in_training"
    assert len(flow.events(training_case)) == events


def test_termination_needs_reason(client, db, flow, training_case):
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/cases/{training_case.id}/terminate",
        {"confirmed": "1", "terminate-terminated_on": flow.today.isoformat()},
    )
    assert response.status_code == 400 and "a termination needs a reason" in response.get_data(as_text=True)
    response = client.submit(
        f"/cultivation/cases/{training_case.id}/terminate",
        {
            "confirmed": "1",
            "terminate-reason": "audit_no_conclusion",
            "terminate-terminated_on": flow.today.isoformat(),
        },
    )
    assert response.status_code == 409 and "applies to a case suspended for an audit" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(CultivationCase, training_case.id).state == "in_training"


def test_rejection_needs_reason(client, db, flow):
    case = flow.open()
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/cases/{case.id}/reject",
        {"confirmed": "1", "reject-decided_on": flow.today.isoformat()},
    )
    assert response.status_code == 400 and "a rejection states its reason" in response.get_data(as_text=True)


def test_not_certified_needs_reason(client, db, flow):
    case = flow.to_state(flow.open(), "certification_applied")
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/cases/{case.id}/outcome",
        {"outcome-outcome": "not_certified", "outcome-decided_on": flow.today.isoformat()},
    )
    assert response.status_code == 400 and "states its reason" in response.get_data(as_text=True)


def test_completion_refused_while_plan_open(client, db, flow, training_case):
    course = flow.course()
    client.login("officer.futian")
    assert (
        client.submit(
            f"/cultivation/cases/{training_case.id}/plan", {"plan-course_id": str(course.id)}
        ).status_code
        == 302
    )
    assert (
        client.submit(
            f"/cultivation/cases/{training_case.id}/plan", {"plan-course_id": str(course.id)}
        ).status_code
        == 409
    )  # already in the plan
    response = client.submit(f"/cultivation/cases/{training_case.id}/complete", follow_redirects=True)
    assert "The plan is not complete yet: 3 of 3 items are open." in response.get_data(as_text=True)
    with pytest.raises(Exception, match="every nominee has completed every item"):
        services.complete_case(flow.officer(), training_case)
    db.session.rollback()
    assert (
        client.submit(f"/cultivation/cases/{training_case.id}/plan", {"plan-course_id": "abc"}).status_code
        == 400
    )
    assert (
        client.submit(f"/cultivation/cases/{training_case.id}/plan", {"plan-course_id": "999999"}).status_code
        == 404
    )
    assert client.submit(f"/cultivation/cases/{training_case.id}/plan", {}).status_code == 400


def test_unpublished_course_not_in_plan(client, db, flow, training_case):
    course = flow.course(published=False)
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/cases/{training_case.id}/plan", {"plan-course_id": str(course.id)}
    )
    assert response.status_code == 409 and "only a published course" in response.get_data(as_text=True)


def test_dates_before_opening_refused(db, flow):
    case = flow.open()
    with pytest.raises(Exception, match="cannot be before"):
        services.screen_case(flow.officer(), case, decided_on=date(2020, 1, 1))
    db.session.rollback()
