"""Bad input to the API's writes: a problem-details answer naming the field, and nothing written."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.cultivation.models import CaseEvent
from lms.evidence.models import LedgerEntry
from tests.api.conftest import bearer


def _counts(db):
    return (
        db.session.execute(sa.select(sa.func.count()).select_from(CaseEvent)).scalar_one(),
        db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one(),
    )


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"outcome": "certified", "level": "certified", "colour": "blue"}, 422, "colour"),
        ({"outcome": 7}, 422, "outcome"),
        ({"outcome": "maybe"}, 422, "outcome"),
        ({"level": "certified"}, 422, "outcome"),
        ({"outcome": "certified", "level": "certified", "decided_on": "yesterday"}, 422, "decided_on"),
        ({"outcome": "certified", "level": "certified", "notes": "x" * 5000}, 422, "notes"),
        ({"outcome": "not_certified", "reason": ""}, 400, "reason"),
        (
            {"outcome": "certified", "level": "advanced_certified", "decided_on": "2010-01-01"},
            400,
            "decided_on",
        ),
    ],
)
def test_outcome_refusals_name_the_field(client, db, world, body, status, field):
    case = world.cases["shenzhen"]
    before = _counts(db)
    response = client.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        json=body,
        headers=bearer(world.secrets["officer.shenzhen"]),
    )
    assert response.status_code == status, response.get_json()
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert field in [e["field"] for e in problem["errors"]]
    assert _counts(db) == before
    db.session.refresh(case)
    assert case.state == "certification_applied"


def test_malformed_json_is_a_bad_request(client, db, world):
    case = world.cases["shenzhen"]
    response = client.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        data='{"outcome": "certified",',
        content_type="application/json",
        headers=bearer(world.secrets["officer.shenzhen"]),
    )
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["detail"] == "The body is not valid JSON."


def test_a_body_that_is_not_an_object(client, db, world):
    response = client.post(
        "/api/v1/enrolments", json=[1, 2, 3], headers=bearer(world.secrets["officer.shenzhen"])
    )
    assert response.status_code == 422 and response.mimetype == "application/problem+json"


def test_oversized_bodies_are_refused_before_reading(client, db, world):
    case = world.cases["shenzhen"]
    before = _counts(db)
    response = client.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        json={"outcome": "not_certified", "reason": "x" * 100_000},
        headers=bearer(world.secrets["officer.shenzhen"]),
    )
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert _counts(db) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"course_id": 2**40, "trainee_ids": [1]}, "course_id"),
        ({"course_id": 1, "trainee_ids": [2**63]}, "trainee_ids.0"),
        ({"course_id": 1, "trainee_ids": []}, "trainee_ids"),
        ({"course_id": "one", "trainee_ids": [1]}, "course_id"),
        ({"course_id": 1}, "trainee_ids"),
    ],
)
def test_enrol_ids_beyond_any_column_or_of_the_wrong_type(client, db, world, body, field):
    from lms.courses.models import Enrollment

    before = db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one()
    response = client.post("/api/v1/enrolments", json=body, headers=bearer(world.secrets["admin"]))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert db.session.execute(sa.select(sa.func.count()).select_from(Enrollment)).scalar_one() == before


def test_query_filters_of_the_wrong_type_name_the_parameter(client, world):
    response = client.get(
        "/api/v1/enterprises?unit=abc&level=platinum", headers=bearer(world.secrets["admin"])
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.get_json()["errors"]} == {"unit", "level"}


def test_field_messages_follow_accept_language(client, world):
    case = world.cases["shenzhen"]
    response = client.post(
        f"/api/v1/cultivation/cases/{case.id}/outcome",
        json={"outcome": "not_certified", "reason": "  "},
        headers={**bearer(world.secrets["officer.shenzhen"]), "Accept-Language": "zh-CN,zh;q=0.9"},
    )
    assert response.status_code == 400
    english = "Rule: a refusal of certification states its reason."
    assert response.get_json()["detail"] != english and response.get_json()["errors"][0]["field"] == "reason"


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/enterprises?q=a%00b", None, "q"),
        ("/api/v1/certificates?q=%00", None, "q"),
        (None, {"outcome": "not_certified", "reason": "gaps\x00"}, "reason"),
    ],
)
def test_text_no_column_can_hold_names_the_field(client, db, world, url, body, field):
    headers = bearer(world.secrets["admin"])
    if body is None:
        response = client.get(url, headers=headers)
    else:
        before = _counts(db)
        response = client.post(
            f"/api/v1/cultivation/cases/{world.cases['shenzhen'].id}/outcome", json=body, headers=headers
        )
        assert _counts(db) == before
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == field
