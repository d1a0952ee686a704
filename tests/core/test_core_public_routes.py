"""Login is the default: only the routes listed here open to an anonymous visitor; every other one, whatever
its method and decorators, sends the visitor to the login page before its view runs."""

from __future__ import annotations

import re

import pytest

from lms.core.access import public_endpoints

# Reviewed: each of these is meant for visitors who are not logged in (or authenticates its own way).
PUBLIC = [
    "auth.login",
    "auth.logout",
    "bootstrap.static",
    "core.index",  # the landing page, or the dashboard once logged in
    "core.set_language",
    "courses.catalog",
    "courses.course_page",
    "courses.lesson_page",  # checks itself: an unknown lesson answers 404, a real one asks for login
    "credentials.credential_badge",
    "credentials.credential_json",
    "credentials.credential_jwt",
    "credentials.did_json",
    "credentials.jwks_json",
    "credentials.shared_credential",
    "credentials.status_list",
    "credentials.verify_credential",
    "evidence.public_verify",
    "evidence.public_verify_form",
    "ops.healthz",
    "ops.readyz",
    "privacy.notice",  # the privacy notice: read by anyone, accepted by a signed-in person
    "security.two_factor_login",  # the second step of a login in progress
    "sessions.calendar_feed",  # the feed's secret token is its credential
    "static",
] + [
    # The JSON API (/api/v1) authenticates by bearer token, never by the login session (tests/api); its
    # document, reference page and the certificate verification are public.
    "accounts.UserDetail",
    "accounts.UserList",
    "api-docs.openapi_json",
    "api_reference.reference_page",
    "certificates.CertificateDetail",
    "certificates.CertificateList",
    "course-catalog.CourseDetail",
    "course-catalog.CourseList",
    "course-catalog.LessonDetail",
    "cultivation-cases.CaseDetail",
    "cultivation-cases.CaseList",
    "cultivation-cases.CaseOutcome",
    "cultivation-workflow.CaseTransition",
    "cultivation-workflow.KeyListDetail",
    "cultivation-workflow.KeyListList",
    "customs-units.UnitDetail",
    "customs-units.UnitList",
    "enrolments.EnrollmentDetail",
    "enrolments.EnrollmentList",
    "enterprises.EnterpriseDetail",
    "enterprises.EnterpriseList",
    "ledger.LedgerStatus",
    "quiz-attempts.AttemptDetail",
    "quiz-attempts.AttemptList",
    "report-figures.Figures",
    "training-sessions.SessionAttendance",
    "training-sessions.SessionDetail",
    "training-sessions.SessionList",
    "training-sessions.SessionRegistrations",
    "verification.Verification",
]


def test_the_public_routes_are_exactly_the_reviewed_list(app):
    assert public_endpoints(app) == sorted(PUBLIC)


def _example_url(rule) -> str:
    url = re.sub(r"<int[^>]*:[^>]+>", "1", rule.rule)
    return re.sub(r"<[^>]+>", "x", url)


def test_every_other_route_sends_an_anonymous_visitor_to_login(app, client):
    public = set(PUBLIC)
    token = client.csrf_token()  # forms are checked for their token first, as they always were
    checked = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in public:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method != "GET" else None
            response = client.open(_example_url(rule), method=method, data=data)
            checked.append(rule.endpoint)
            assert response.status_code == 302, (method, rule.rule, response.status_code)
            assert response.headers["Location"].startswith("/login"), (method, rule.rule)
    assert len(set(checked)) > 100


@pytest.mark.parametrize("path", ["/login", "/verify", "/courses/", "/healthz"])
def test_public_pages_open_without_login(client, path):
    assert client.get(path).status_code == 200
