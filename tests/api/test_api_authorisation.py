"""The authorisation matrix: every operation × role, on someone else's records (Shanghai's, for people of
Shenzhen). Out of the caller's jurisdiction answers 404 as if it did not exist; a role that may not use the
operation at all answers 403; as on the pages."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer

ROLES = ("trainee", "expert.shenzhen", "officer.shenzhen", "admin")


def _targets(world, demo):
    """(method, url, json body) of each operation aimed at Shanghai's records."""
    shanghai_trainee = demo.user("trainee.shanghai")
    running = world.sessions["shanghai running"].id
    other = world.other_course  # a course the trainee is not enrolled in
    return {
        "unit list": ("GET", "/api/v1/customs-units", None),
        "unit": ("GET", f"/api/v1/customs-units/{demo.unit('2200').id}", None),
        "enterprise list": ("GET", "/api/v1/enterprises", None),
        "enterprise": ("GET", f"/api/v1/enterprises/{shanghai_trainee.enterprise_id}", None),
        "enrolment list": ("GET", "/api/v1/enrolments", None),
        "enrolment": ("GET", f"/api/v1/enrolments/{world.enrollments['trainee.shanghai'].id}", None),
        "enrol": (
            "POST",
            "/api/v1/enrolments",
            {"course_id": world.course.id, "trainee_ids": [demo.user("trainee.pudong").id]},
        ),
        "certificate list": ("GET", "/api/v1/certificates", None),
        "certificate": ("GET", f"/api/v1/certificates/{world.certificates['trainee.shanghai'].id}", None),
        "case list": ("GET", "/api/v1/cultivation/cases", None),
        "case": ("GET", f"/api/v1/cultivation/cases/{world.cases['shanghai'].id}", None),
        "outcome": (
            "POST",
            f"/api/v1/cultivation/cases/{world.cases['shanghai'].id}/outcome",
            {"outcome": "not_certified", "reason": "Internal control gaps"},
        ),
        "ledger status": ("GET", "/api/v1/ledger/status", None),
        "open case": (
            "POST",
            "/api/v1/cultivation/cases",
            {
                "enterprise_id": shanghai_trainee.enterprise_id,
                "training_type": "compliance",
                "category": "interested_party",
                "nominee_ids": [shanghai_trainee.id],
            },
        ),
        "transition": (
            "POST",
            f"/api/v1/cultivation/cases/{world.cases['shanghai'].id}/transitions",
            {"transition": "terminate", "reason": "other", "reason_text": "The enterprise gave up"},
        ),
        "key list list": ("GET", "/api/v1/cultivation/key-lists", None),
        "key list": ("GET", f"/api/v1/cultivation/key-lists/{world.cases['shanghai'].key_list_id}", None),
        "attempt list": ("GET", "/api/v1/quiz-attempts", None),
        "attempt": ("GET", f"/api/v1/quiz-attempts/{world.attempts['trainee.shanghai'].id}", None),
        "course list": ("GET", "/api/v1/courses", None),
        "course": ("GET", f"/api/v1/courses/{world.course.id}", None),
        "lesson": (
            "GET",
            f"/api/v1/courses/{other.id}/lessons/{other.published_version.lessons[0].id}",
            None,
        ),
        "user list": ("GET", "/api/v1/users", None),
        "user": ("GET", f"/api/v1/users/{shanghai_trainee.id}", None),
        "report figures": ("GET", f"/api/v1/reports/figures?unit={demo.unit('2200').id}", None),
        "session list": ("GET", "/api/v1/sessions", None),
        "session": ("GET", f"/api/v1/sessions/{world.sessions['shanghai'].id}", None),
        "registrations": ("GET", f"/api/v1/sessions/{running}/registrations", None),
        "register": (
            "POST",
            f"/api/v1/sessions/{world.sessions['shanghai'].id}/registrations",
            {"trainee_ids": [demo.user("trainee.pudong").id]},
        ),
        "attendance": ("GET", f"/api/v1/sessions/{running}/attendance", None),
        "mark attendance": (
            "POST",
            f"/api/v1/sessions/{running}/attendance",
            {"marks": [{"registration_id": world.registrations["shanghai"].id, "attendance": "present"}]},
        ),
    }


# Expected status per operation for trainee, expert, officer (Shenzhen), admin.
EXPECTED = {
    "unit list": (200, 200, 200, 200),
    "unit": (404, 404, 404, 200),
    "enterprise list": (403, 403, 200, 200),
    "enterprise": (403, 403, 404, 200),
    "enrolment list": (200, 403, 200, 200),
    "enrolment": (404, 403, 404, 200),
    "enrol": (403, 403, 404, 201),
    "certificate list": (200, 403, 200, 200),
    "certificate": (404, 404, 404, 200),
    "case list": (200, 403, 200, 200),
    "case": (404, 404, 404, 200),
    "outcome": (403, 403, 404, 200),
    "ledger status": (403, 403, 403, 200),
    "open case": (403, 403, 404, 201),
    "transition": (403, 403, 404, 200),
    "key list list": (403, 403, 200, 200),
    "key list": (403, 403, 404, 200),
    "attempt list": (200, 200, 200, 200),
    "attempt": (404, 404, 404, 200),
    "course list": (200, 200, 200, 200),
    "course": (200, 200, 200, 200),
    "lesson": (403, 200, 200, 200),
    "user list": (403, 403, 200, 200),
    "user": (403, 403, 404, 200),
    "report figures": (403, 403, 404, 200),
    "session list": (200, 200, 200, 200),
    "session": (200, 404, 404, 200),
    "registrations": (403, 404, 404, 200),
    "register": (403, 404, 404, 201),
    "attendance": (403, 404, 404, 200),
    "mark attendance": (403, 404, 404, 200),
}


def test_every_operation_is_in_the_matrix(client, world, demo):
    documented = {
        (method.upper(), path)
        for path, item in client.get("/api/v1/openapi.json").get_json()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    # The public verification needs no token; everything else is in the matrix below.
    documented.discard(("GET", "/api/v1/verify/{code}"))
    covered = set()
    for method, url, _body in _targets(world, demo).values():
        template = "/".join("{}" if part.isdigit() else part for part in url.split("?")[0].split("/"))
        covered.add((method, template))
    normalised = {
        (m, "/".join("{}" if p.startswith("{") else p for p in path.split("/"))) for m, path in documented
    }
    assert normalised == covered


@pytest.mark.parametrize("operation", sorted(EXPECTED))
def test_matrix(client, db, world, demo, operation):
    method, url, body = _targets(world, demo)[operation]
    got = []
    for role in ROLES:  # the admin last: its write succeeds
        response = client.open(url, method=method, json=body, headers=bearer(world.secrets[role]))
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"
        got.append(response.status_code)
    assert tuple(got) == EXPECTED[operation]


def test_lists_hold_only_the_callers_jurisdiction(client, world, demo):
    headers = bearer(world.secrets["officer.shenzhen"])
    shenzhen = demo.unit("5300")
    units = client.get("/api/v1/customs-units", headers=headers).get_json()["items"]
    assert {u["code"] for u in units} == {"5300", "5301", "5302"}
    enterprises = client.get("/api/v1/enterprises?limit=200", headers=headers).get_json()["items"]
    from lms.extensions import db
    from lms.org.models import CustomsUnit

    assert enterprises and all(
        db.session.get(CustomsUnit, e["unit_id"]).path.startswith(shenzhen.path) for e in enterprises
    )
    certificates = client.get("/api/v1/certificates", headers=headers).get_json()["items"]
    assert [c["trainee_name"] for c in certificates] == [demo.user("trainee").display_name]
    cases = client.get("/api/v1/cultivation/cases", headers=headers).get_json()["items"]
    assert [c["id"] for c in cases] == [world.cases["shenzhen"].id]
    mine = client.get("/api/v1/enrolments", headers=bearer(world.secrets["trainee"])).get_json()["items"]
    assert mine and {e["user_id"] for e in mine} == {demo.user("trainee").id}
