"""Who sees what: roles against other people's enterprises, assessments and cases (outside the scope: 404)."""

from __future__ import annotations

import pytest

from lms.cultivation import services as cultivation
from lms.org.models import CustomsUnit

URLS = {
    "enterprise": "/readiness/enterprises/{enterprise}",
    "assessment": "/readiness/assessments/{assessment}",
    "review": "/readiness/assessments/{assessment}/review",
    "map": "/readiness/map",
    "map_unit": "/readiness/map?unit={unit}",
    "map_csv": "/readiness/map?format=csv",
    "effect": "/readiness/effect",
}

# (login, page, status) for Pengcheng Precision Electronics (Futian, under Shenzhen) and its submitted assessment.
CASES = [
    ("trainee", "enterprise", 200),
    ("trainee", "assessment", 200),
    ("trainee", "review", 403),
    ("trainee", "map", 403),
    ("trainee", "effect", 403),
    ("trainee.futian", "enterprise", 404),
    ("trainee.futian", "assessment", 404),
    ("trainee.futian", "review", 404),
    ("expert.shanghai", "enterprise", 404),
    ("expert.shanghai", "assessment", 404),
    ("expert.shanghai", "map", 403),
    ("officer.shanghai", "enterprise", 404),
    ("officer.shanghai", "assessment", 404),
    ("officer.shanghai", "review", 404),
    ("officer.shanghai", "map_unit", 404),
    ("officer.shanghai", "map", 200),
    ("officer.futian", "enterprise", 200),
    ("officer.futian", "assessment", 200),
    ("officer.futian", "review", 200),
    ("officer.futian", "map_unit", 200),
    ("officer.futian", "map_csv", 200),
    ("officer.shenzhen", "review", 200),
    ("admin", "assessment", 200),
    ("admin", "map", 200),
    ("admin", "effect", 200),
]


@pytest.mark.parametrize("login,page,status", CASES)
def test_pages_by_role(client, db, demo, rd, login, page, status):
    assessment = rd.assessment()
    unit = db.session.execute(
        db.select(CustomsUnit).where(CustomsUnit.id == assessment.enterprise.unit_id)
    ).scalar_one()
    url = URLS[page].format(enterprise=assessment.enterprise_id, assessment=assessment.id, unit=unit.id)
    client.login(login)
    response = client.get(url)
    assert response.status_code == status
    if page == "map" and status == 200:
        shown = assessment.enterprise.name_en in response.get_data(as_text=True)
        assert shown == (login != "officer.shanghai")


@pytest.mark.parametrize(
    "login,status", [("officer.shanghai", 404), ("trainee", 403), ("expert.shenzhen", 403)]
)
def test_adopting_another_jurisdictions_path_is_refused(client, db, demo, rd, login, status):
    rd.assessment(review_by="officer.futian", gaps={"TS-03": "does_not_meet"})
    case = cultivation.apply_for_cultivation(
        demo.user("trainee"),
        training_type="aeo_certification",
        category="applicant",
        nominee_ids=[demo.user("trainee").id],
    )
    db.session.commit()
    client.login(login)
    assert client.submit(f"/readiness/cases/{case.id}/adopt").status_code == status
    assert case.plan_items == []


@pytest.mark.parametrize("login", ["trainee.futian", "officer.shanghai", "expert.shenzhen"])
def test_others_cannot_change_a_draft(client, db, demo, standards, login):
    from lms.readiness import services

    draft = services.start_assessment(demo.user("trainee"), demo.enterprise("Pengcheng"))
    db.session.commit()
    client.login(login)
    response = client.submit(
        f"/readiness/assessments/{draft.id}", {"judgement-IC-01": "meets", "action": "save"}
    )
    assert response.status_code in (403, 404)
    db.session.expire_all()
    assert draft.answer("IC-01").judgement is None
