"""Certificate pages, the public verification page and the admin ledger pages, per role."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.courses.completion import evaluate_completion
from lms.evidence import services
from lms.evidence.ledger import entries_for, record_evidence
from lms.evidence.models import Certificate, LedgerEntry
from lms.extensions import limiter

TEST_KIND = "test_enterprise_scored"  # registered in conftest.py


@pytest.fixture
def certificate(db, demo, courses):
    """The demo trainee (Pengcheng Precision Electronics, under Futian and Shenzhen) completed a course."""
    owner = demo.user("expert.shenzhen")
    course = courses.course(owner, title="Customs credit management basics", hours="4")
    evaluate_completion(courses.enroll(demo.user("trainee"), course), demo.user("trainee"))
    db.session.commit()
    return db.session.execute(sa.select(Certificate)).scalar_one()


def _html(response) -> str:
    return response.get_data(as_text=True)


# -- who sees what -------------------------------------------------------------------------------------------

SEES_CERTIFICATE = {
    "trainee": True,  # their own
    "trainee.manager": False,  # a colleague
    "trainee.shanghai": False,
    "expert.shenzhen": False,  # even the course owner
    "officer.shenzhen": True,
    "officer.futian": True,
    "officer.guangzhou": False,
    "officer.shanghai": False,
    "admin": True,
}


@pytest.mark.parametrize("login", sorted(SEES_CERTIFICATE))
def test_certificate_detail_and_pdf_by_role(client, certificate, login):
    client.login(login)
    detail = client.get(f"/evidence/certificates/{certificate.id}")
    pdf = client.get(f"/evidence/certificates/{certificate.id}/certificate.pdf")
    if SEES_CERTIFICATE[login]:
        assert detail.status_code == 200
        assert certificate.trainee_name in _html(detail)
        assert services.display_code(certificate.code) in _html(detail)
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert pdf.data.startswith(b"%PDF")
        assert certificate.code in pdf.headers["Content-Disposition"]
    else:
        assert detail.status_code == 404
        assert pdf.status_code == 404
        assert certificate.trainee_name not in _html(detail)


def test_unknown_certificate_id_is_404(client, certificate):
    client.login("admin")
    assert client.get(f"/evidence/certificates/{certificate.id + 1000}").status_code == 404
    assert client.get(f"/evidence/certificates/{certificate.id + 1000}/certificate.pdf").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, certificate):
    for url in (
        f"/evidence/certificates/{certificate.id}",
        "/evidence/certificates",
        "/evidence/certificates/mine",
        "/evidence/ledger",
        "/evidence/verify",
        f"/evidence/certificates/{certificate.id}/certificate.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize(
    "login, status",
    [
        ("trainee", 403),
        ("expert.shenzhen", 403),
        ("officer.shanghai", 404),
        ("officer.guangzhou", 404),
        ("officer.futian", 302),
        ("officer.shenzhen", 302),
        ("admin", 302),
    ],
)
def test_revoke_by_role(client, db, certificate, login, status):
    client.login(login)
    response = client.submit(
        f"/evidence/certificates/{certificate.id}/revoke",
        {"confirmed": "1", "reason": "Attendance was forged."},
    )
    assert response.status_code == status
    db.session.expire_all()
    revoked = db.session.get(Certificate, certificate.id)
    assert revoked.is_revoked == (status == 302)


def test_revoke_form_on_the_detail_page(app, client, db, certificate, demo):
    client.login("officer.futian")
    page = _html(client.get(f"/evidence/certificates/{certificate.id}"))
    assert "Revoke certificate" in page
    empty = client.submit(
        f"/evidence/certificates/{certificate.id}/revoke", {"confirmed": "1", "reason": "  "}
    )
    assert empty.status_code == 400
    assert not db.session.get(Certificate, certificate.id).is_revoked
    no_token = client.post(f"/evidence/certificates/{certificate.id}/revoke", data={"reason": "x"})
    assert no_token.status_code == 400
    done = client.submit(
        f"/evidence/certificates/{certificate.id}/revoke",
        {"confirmed": "1", "reason": "Attendance was forged."},
        follow_redirects=True,
    )
    assert done.status_code == 200
    html = _html(done)
    assert "Revoked" in html and "Attendance was forged." in html and "Revoke certificate" not in html
    again = client.submit(
        f"/evidence/certificates/{certificate.id}/revoke", {"confirmed": "1", "reason": "Twice"}
    )
    assert again.status_code == 409
    # The trainee sees the revocation and was told; their view does not say which officer did it.
    trainee = app.test_client()
    trainee.login("trainee")
    own = _html(trainee.get(f"/evidence/certificates/{certificate.id}"))
    assert "Attendance was forged." in own
    assert demo.user("officer.futian").display_name not in own
    assert "has been revoked" in _html(trainee.get("/notifications/"))


# -- lists ---------------------------------------------------------------------------------------------------


def test_my_certificates_and_dashboard_panel(app, client, certificate):
    client.login("trainee")
    mine = client.get("/evidence/certificates/mine")
    assert mine.status_code == 200
    assert "Customs credit management basics" in _html(mine)
    dashboard = _html(client.get("/"))
    assert "My certificates" in dashboard and "Customs credit management basics" in dashboard
    colleague = app.test_client()
    colleague.login("trainee.manager")
    assert "Customs credit management basics" not in _html(colleague.get("/evidence/certificates/mine"))
    assert "panel-my_certificates" not in _html(colleague.get("/"))


@pytest.mark.parametrize(
    "login, status, listed",
    [
        ("officer.shenzhen", 200, True),
        ("officer.futian", 200, True),
        ("officer.shanghai", 200, False),
        ("admin", 200, True),
        ("trainee", 403, False),
        ("expert.shenzhen", 403, False),
    ],
)
def test_certificate_list_by_role(client, certificate, login, status, listed):
    client.login(login)
    response = client.get("/evidence/certificates")
    assert response.status_code == status
    if status == 200:
        assert (certificate.trainee_name in _html(response)) == listed


def test_certificate_list_filters(client, certificate):
    client.login("officer.shenzhen")
    assert certificate.trainee_name in _html(client.get("/evidence/certificates?status=valid"))
    assert certificate.trainee_name not in _html(client.get("/evidence/certificates?status=revoked"))
    assert certificate.trainee_name in _html(
        client.get(f"/evidence/certificates?q={certificate.code.lower()}")
    )
    assert certificate.trainee_name in _html(
        client.get(f"/evidence/certificates?course={certificate.course_id}")
    )
    assert certificate.trainee_name not in _html(
        client.get(f"/evidence/certificates?course={certificate.course_id + 99}")
    )
    assert client.get("/evidence/certificates?course=abc").status_code == 400


def test_trainee_cannot_open_the_officer_list(client, certificate):
    client.login("officer.futian")
    assert client.get("/evidence/certificates/mine").status_code == 403


def _more_certificates(db, demo, courses, count):
    trainees = [
        demo.user(name)
        for name in ("trainee.manager", "trainee.customs", "trainee.finance", "trainee.futian")
    ]
    owner = demo.user("expert.shenzhen")
    for n in range(count):
        course = courses.course(owner, title=f"Course {n}")
        for trainee in trainees:
            evaluate_completion(courses.enroll(trainee, course), trainee)
    db.session.commit()


@pytest.mark.parametrize(
    "login, url",
    [
        ("officer.shenzhen", "/evidence/certificates"),
        ("trainee.manager", "/evidence/certificates/mine"),
        ("admin", "/evidence/ledger"),
        ("trainee.manager", "/"),
    ],
)
def test_list_queries_do_not_grow_with_rows(
    client, db, demo, courses, certificate, count_queries, login, url
):
    client.login(login)
    _more_certificates(db, demo, courses, 1)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    _more_certificates(db, demo, courses, 5)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count


# -- public verification -------------------------------------------------------------------------------------


def test_public_page_shows_only_name_course_and_date(client, certificate):
    response = client.get(f"/verify/{certificate.code}")
    assert response.status_code == 200
    html = _html(response)
    assert "Valid certificate" in html
    assert certificate.trainee_name in html and "Customs credit management basics" in html
    for secret in (
        "Pengcheng",
        "鹏城",
        "4 hours",
        certificate.experts[0]["name"],
        "Download PDF",
        "/evidence/",
    ):
        assert secret not in html
    assert 'name="robots" content="noindex"' in html


def test_public_page_accepts_the_code_as_typed(client, certificate):
    typed = f"{certificate.code[:5].lower()}-{certificate.code[5:]}"
    response = client.get(f"/verify?code={typed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/verify/{certificate.code}"
    )
    assert client.get(f"/verify/{typed}").status_code == 200
    assert client.get("/verify").status_code == 200
    assert client.get("/verify?code=").status_code == 200  # the form again, with its message


def test_public_page_for_a_revoked_certificate(client, db, certificate, demo):
    services.revoke_certificate(demo.user("officer.futian"), certificate, "A reason the public must not see")
    db.session.commit()
    html = _html(client.get(f"/verify/{certificate.code}"))
    assert "This certificate has been revoked" in html and "Revoked on" in html
    assert "Valid certificate" not in html
    assert "A reason the public must not see" not in html


def test_public_page_is_kept_per_language_until_the_certificate_changes(client, db, certificate, demo):
    path = f"/verify/{certificate.code}"
    first = client.get(path)
    assert first.headers["X-LMS-Page"] == "stored" and "Set-Cookie" not in first.headers
    again = client.get(path)
    assert again.headers["X-LMS-Page"] == "kept" and again.data == first.data
    chinese = client.get(path, headers={"Accept-Language": "zh-CN"})
    assert chinese.headers["X-LMS-Page"] == "stored" and 'lang="zh-CN"' in _html(chinese)
    assert 'lang="en"' in _html(client.get(path))  # each language its own copy
    services.revoke_certificate(demo.user("officer.futian"), certificate, "Issued in error")
    db.session.commit()
    revoked = client.get(path)
    assert revoked.headers["X-LMS-Page"] == "stored"  # the row changed: rendered afresh
    assert "This certificate has been revoked" in _html(revoked) and "Valid certificate" not in _html(revoked)
    assert "已被撤销" in _html(client.get(path, headers={"Accept-Language": "zh-CN"}))


def test_public_page_is_rendered_for_a_signed_in_reader(client, certificate):
    client.login("officer.futian")
    for _ in range(2):
        response = client.get(f"/verify/{certificate.code}")
        assert response.status_code == 200 and "X-LMS-Page" not in response.headers
        assert "Valid certificate" in _html(response)


@pytest.mark.parametrize("code", ["ZZZZZZZZZZ", "not-a-code", "2345678923", "%27%20OR%201%3D1"])
def test_unknown_code_is_not_found_without_details(client, certificate, code):
    response = client.get(f"/verify/{code}")
    assert response.status_code == 404
    html = _html(response)
    assert "Not found" in html
    assert certificate.trainee_name not in html and "Customs credit" not in html


def test_public_verification_is_rate_limited(app, client, certificate, monkeypatch):
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "3 per minute")
    limiter.reset()
    try:
        statuses = [client.get(f"/verify/{certificate.code}").status_code for _ in range(4)]
        unknown = client.get("/verify/ZZZZZZZZZZ").status_code
        form = client.get("/verify").status_code
    finally:
        limiter.reset()
    assert statuses == [200, 200, 200, 429]  # the 2nd and 3rd were kept pages: the limit still counts them
    assert unknown == 429  # guessing codes counts against the same allowance
    assert form == 200  # the form has its own allowance


# -- ledger pages (admins) -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "login, status",
    [
        ("admin", 200),
        ("officer.shenzhen", 403),
        ("expert.national", 403),
        ("trainee", 403),
    ],
)
def test_ledger_pages_are_for_admins(client, certificate, login, status):
    client.login(login)
    assert client.get("/evidence/ledger").status_code == status
    assert client.get("/evidence/ledger/1").status_code == status
    assert client.get("/evidence/verify").status_code == status
    assert client.submit("/evidence/verify").status_code == status


def test_ledger_browser_filters(client, db, certificate, demo):
    record_evidence(TEST_KIND, demo.enterprise("Futian Cross-Border"))
    db.session.commit()
    client.login("admin")
    html = _html(client.get("/evidence/ledger"))
    assert "Certificate issued" in html and TEST_KIND in html
    only = _html(client.get(f"/evidence/ledger?kind={TEST_KIND}"))
    assert TEST_KIND in only and "Certificate issued</td>" not in only
    subject = _html(client.get(f"/evidence/ledger?subject_type=certificate&subject_id={certificate.id}"))
    assert "Certificate issued</td>" in subject
    assert client.get("/evidence/ledger?subject_id=x").status_code == 400
    [issued] = entries_for("certificate", certificate.id)
    entry = _html(client.get(f"/evidence/ledger/{issued.seq}"))
    # The kind by its label: the raw code (certificate_issued) is not shown.
    assert "Certificate issued" in entry and "certificate_issued" not in entry and certificate.code in entry
    assert "the record still matches it" in entry
    assert client.get("/evidence/ledger/999").status_code == 404


def test_admin_verify_page_passes_then_names_the_altered_entry(client, db, certificate):
    client.login("admin")
    page = _html(client.get("/evidence/verify"))
    assert "Verify the ledger now" in page
    passed = _html(client.submit("/evidence/verify"))
    total = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
    assert "The ledger checks out" in passed and f"{total} entries checked." in passed
    [issued] = entries_for("certificate", certificate.id)
    db.session.execute(sa.text("UPDATE certificate SET trainee_name = 'Someone Else'"))
    db.session.commit()
    failed = _html(client.submit("/evidence/verify"))
    assert "The ledger does not check out" in failed
    assert (
        f"First entry that does not match: #{issued.seq} Certificate issued (certificate #{certificate.id})"
        in failed
    )
    assert "trainee_name" in failed


def test_enterprise_page_lists_its_certificates(client, demo, certificate):
    client.login("officer.futian")
    enterprise = demo.enterprise("Pengcheng Precision")
    html = _html(client.get(f"/enterprises/{enterprise.id}"))
    assert "panel-certificates" in html and certificate.course_title in html
    assert f"/evidence/certificates?enterprise={enterprise.id}" in html
    other = demo.enterprise("Futian Cross-Border")
    assert certificate.course_title not in _html(client.get(f"/enterprises/{other.id}"))


def test_account_page_lists_the_trainees_certificates(client, demo, certificate):
    client.login("officer.shenzhen")
    html = _html(client.get(f"/users/{demo.user('trainee').id}"))
    assert "panel-certificates" in html and certificate.course_title in html
    colleague = _html(client.get(f"/users/{demo.user('trainee.manager').id}"))
    assert "No certificates yet." in colleague and certificate.course_title not in colleague
    assert "panel-certificates" not in _html(client.get(f"/users/{demo.user('officer.futian').id}"))
