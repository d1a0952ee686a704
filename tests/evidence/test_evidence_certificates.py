"""Certificates: issued on completion (once per trainee and version, also in parallel), revoked with a reason,
rendered as a PDF with a QR code, backfilled for older completions."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.courses.completion import course_completed, evaluate_completion
from lms.courses.models import Enrollment
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence import services
from lms.evidence.models import Certificate, LedgerEntry
from lms.evidence.verify import verify_ledger
from lms.notifications.models import Notification
from lms.sessions.models import Registration, SessionExpert, TrainingSession
from tests.support.race import race


@pytest.fixture
def people(db, factory):
    units = factory.tree()
    enterprise = factory.enterprise(
        units["north_a"], name_en="Pengcheng Test Electronics", name_zh="鹏城测试电子"
    )
    return {
        "units": units,
        "enterprise": enterprise,
        "trainee": _named(factory, "trainee", "张伟", enterprise=enterprise),
        "owner": _named(factory, "expert", "Owner Expert", unit=units["north"]),
        "officer": factory.user("officer", unit=units["north"]),
        "outsider": factory.user("officer", unit=units["south"]),
        "admin": factory.user("admin", unit=units["gacc"]),
    }


def _named(factory, role, name, **where):
    user = factory.user(role, **where)
    user.display_name = name
    return user


def _certificates(db):
    return db.session.execute(sa.select(Certificate)).scalars().all()


def _entries(db, kind=None):
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.seq)
    if kind:
        stmt = stmt.where(LedgerEntry.kind == kind)
    return db.session.execute(stmt).scalars().all()


def _session(course, unit, lead, *, days_ago=3):
    start = utcnow() - timedelta(days=days_ago)
    return TrainingSession(
        course_id=course.id,
        mode="in_class",
        unit_id=unit.id,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=20,
        status="completed",
        experts=[SessionExpert(expert_id=lead.id, role="lead")],
    )


def test_certificate_issued_when_a_course_is_completed(db, courses, people):
    course = courses.course(people["owner"], title="AEO certification basics", hours="6.5")
    enrollment = courses.enroll(people["trainee"], course)
    assert evaluate_completion(enrollment, people["trainee"]) is True
    db.session.commit()

    [certificate] = _certificates(db)
    assert certificate.user_id == people["trainee"].id
    assert certificate.enterprise_id == people["enterprise"].id
    assert certificate.course_version_id == course.published_version_id
    assert certificate.enrollment_id == enrollment.id
    assert certificate.trainee_name == "张伟"
    assert certificate.enterprise_name_zh == "鹏城测试电子"
    assert certificate.course_title == "AEO certification basics"
    assert str(certificate.hours) == "6.5"
    assert certificate.completed_at == enrollment.completed_at
    assert certificate.experts == [{"id": people["owner"].id, "name": "Owner Expert"}]
    assert len(certificate.code) == 10 and set(certificate.code) <= set(services.CODE_ALPHABET)
    assert certificate.issued_at is not None and not certificate.is_revoked

    [entry] = _entries(db, "certificate_issued")
    assert (entry.subject_type, entry.subject_id, entry.actor_id) == (
        "certificate",
        certificate.id,
        people["trainee"].id,
    )
    assert json.loads(entry.payload)["code"] == certificate.code
    assert verify_ledger().ok


def test_experts_are_the_owner_and_the_leads_of_attended_sessions(db, courses, people, factory):
    units = people["units"]
    course = courses.course(people["owner"])
    lead = _named(factory, "expert", "Lead Expert", unit=units["north"])
    assistant = _named(factory, "expert", "Assistant Expert", unit=units["north"])
    other_lead = _named(factory, "expert", "Lead Of Missed Session", unit=units["north"])
    attended = _session(course, units["north_a"], lead)
    attended.experts.append(SessionExpert(expert_id=assistant.id, role="assistant"))
    missed = _session(course, units["north_a"], other_lead, days_ago=5)
    owner_led = _session(course, units["north_a"], people["owner"], days_ago=7)
    db.session.add_all([attended, missed, owner_led])
    db.session.flush()
    trainee = people["trainee"]
    db.session.add_all(
        [
            Registration(
                session_id=attended.id, user_id=trainee.id, status="confirmed", attendance="present"
            ),
            Registration(session_id=missed.id, user_id=trainee.id, status="confirmed", attendance="absent"),
            Registration(session_id=owner_led.id, user_id=trainee.id, status="confirmed", attendance="late"),
        ]
    )
    enrollment = courses.enroll(trainee, course)
    evaluate_completion(enrollment, trainee)
    db.session.commit()
    [certificate] = _certificates(db)
    assert certificate.expert_names == ["Owner Expert", "Lead Expert"]


def test_one_certificate_per_trainee_and_version(db, courses, people):
    course = courses.course(people["owner"])
    enrollment = courses.enroll(people["trainee"], course)
    evaluate_completion(enrollment, people["trainee"])
    db.session.commit()
    # The signal again (a second receiver run, a replayed completion): nothing new, no failure.
    course_completed.send(enrollment, actor=None, version=course.published_version)
    assert services.issue_certificate(enrollment, course.published_version) is _certificates(db)[0]
    db.session.commit()
    assert len(_certificates(db)) == 1
    assert len(_entries(db, "certificate_issued")) == 1


def test_unique_constraint_refuses_a_second_row(db, courses, people):
    course = courses.course(people["owner"])
    enrollment = courses.enroll(people["trainee"], course)
    evaluate_completion(enrollment, people["trainee"])
    db.session.commit()
    first = _certificates(db)[0]
    db.session.add(
        Certificate(
            code="2345678923",
            user_id=first.user_id,
            course_id=first.course_id,
            course_version_id=first.course_version_id,
            trainee_name="x",
            course_title="x",
            hours=1,
            completed_at=utcnow(),
            issued_at=utcnow(),
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.slow
def test_parallel_completion_issues_one_certificate(app, db, courses, people):
    course = courses.course(people["owner"])
    enrollment_id = courses.enroll(people["trainee"], course).id
    trainee_id = people["trainee"].id
    db.session.commit()
    workers = 6

    def complete() -> None:
        enrollment = db.session.get(Enrollment, enrollment_id)
        # Every worker completes the course, as requests that all read the enrolment while it was
        # still active would; each sends course_completed.
        enrollment.status = "active"
        evaluate_completion(enrollment, None)

    assert not race(app, complete, [() for _ in range(workers)]).errors
    db.session.expire_all()
    certificates = _certificates(db)
    assert len(certificates) == 1 and certificates[0].user_id == trainee_id
    assert len(_entries(db, "certificate_issued")) == 1
    result = verify_ledger()
    assert result.ok, [p.describe() for p in result.problems]


def test_revocation_by_an_officer(db, courses, people):
    course = courses.course(people["owner"], title="Trade security")
    enrollment = courses.enroll(people["trainee"], course)
    evaluate_completion(enrollment, people["trainee"])
    db.session.commit()
    certificate = _certificates(db)[0]

    services.revoke_certificate(people["officer"], certificate, "  Completed by someone else.  ")
    db.session.commit()
    assert certificate.is_revoked and certificate.revoked_by_id == people["officer"].id
    assert certificate.revoke_reason == "Completed by someone else."
    [entry] = _entries(db, "certificate_revoked")
    assert entry.subject_id == certificate.id and entry.actor_id == people["officer"].id
    assert json.loads(entry.payload)["revoke_reason"] == "Completed by someone else."
    [notice] = (
        db.session.execute(sa.select(Notification).where(Notification.user_id == people["trainee"].id))
        .scalars()
        .all()
    )
    assert "Trade security" in notice.title and "Completed by someone else." in notice.body
    assert notice.link == f"/evidence/certificates/{certificate.id}"
    # Issue and revocation form one group: the latest (revocation) matches the record.
    assert verify_ledger().ok

    with pytest.raises(RuleViolation):
        services.revoke_certificate(people["admin"], certificate, "again")
    db.session.rollback()
    assert len(_entries(db, "certificate_revoked")) == 1


def test_revocation_rules(db, courses, people):
    course = courses.course(people["owner"])
    enrollment = courses.enroll(people["trainee"], course)
    evaluate_completion(enrollment, people["trainee"])
    db.session.commit()
    certificate = _certificates(db)[0]
    with pytest.raises(NotPermitted):
        services.revoke_certificate(people["outsider"], certificate, "reason")
    with pytest.raises(NotPermitted):
        services.revoke_certificate(people["trainee"], certificate, "reason")
    with pytest.raises(NotPermitted):
        services.revoke_certificate(people["owner"], certificate, "reason")
    with pytest.raises(InvalidInput) as error:
        services.revoke_certificate(people["officer"], certificate, "   ")
    assert error.value.field == "reason"
    db.session.rollback()
    assert not db.session.get(Certificate, certificate.id).is_revoked
    services.revoke_certificate(people["admin"], certificate, "Issued in error")
    db.session.commit()
    assert certificate.is_revoked


def test_certificate_altered_in_its_table_fails_verification(db, courses, people):
    course = courses.course(people["owner"])
    evaluate_completion(courses.enroll(people["trainee"], course), people["trainee"])
    db.session.commit()
    db.session.execute(sa.text("UPDATE certificate SET hours = 40"))
    db.session.commit()
    result = verify_ledger()
    assert not result.ok
    assert result.first_problem.kind == "certificate_issued"
    assert "hours (entry: 2.5, record: 40)" in result.first_problem.message


def test_backfill_issues_missing_certificates_once(db, courses, people, cli):
    course = courses.course(people["owner"])
    enrollment = courses.enroll(people["trainee"], course)
    # A completion recorded without the signal (older data).
    enrollment.status = "completed"
    enrollment.completed_at = utcnow() - timedelta(days=30)
    enrollment.completed_version_id = course.published_version_id
    active = courses.enroll(people["trainee"], courses.course(people["owner"]))
    db.session.commit()

    result = cli.invoke(args=["evidence", "backfill-certificates"])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) issued." in result.output
    [certificate] = _certificates(db)
    assert certificate.completed_at == enrollment.completed_at
    assert active.status == "active"
    again = cli.invoke(args=["evidence", "backfill-certificates"])
    assert "0 certificate(s) issued." in again.output
    assert len(_certificates(db)) == 1


def test_demo_loader_backfills_and_is_idempotent(db, courses, people):
    from lms.evidence import demo

    course = courses.course(people["owner"])
    enrollment = courses.enroll(people["trainee"], course)
    enrollment.status, enrollment.completed_at = "completed", utcnow()
    enrollment.completed_version_id = course.published_version_id
    db.session.commit()
    assert "1 certificate" in demo.load()
    db.session.commit()
    assert demo.load() == ""
    assert len(_certificates(db)) == 1


def test_verification_codes_and_normalisation():
    codes = {services.new_code() for _ in range(500)}
    assert len(codes) == 500
    code = next(iter(codes))
    assert services.normalise_code(code.lower()) == code
    assert services.normalise_code(f" {code[:5]}-{code[5:]} ") == code
    assert services.display_code(code) == f"{code[:5]}-{code[5:]}"
    for bad in ("", None, "ABC", "O" * 10, "1234567890", code + "2", "' OR 1=1 --"):
        assert services.normalise_code(bad) is None


# -- PDF -----------------------------------------------------------------------------------------------------


@pytest.fixture
def issued(db, courses, people):
    course = courses.course(people["owner"], title="AEO certification basics", hours="6")
    evaluate_completion(courses.enroll(people["trainee"], course), people["trainee"])
    db.session.commit()
    return _certificates(db)[0]


def _tool(name: str, *args: str, data: bytes | None = None) -> str:
    """Run a poppler or zbar command on our own files; skip the test when it is not installed."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed")
    done = subprocess.run([path, *args], input=data, capture_output=True, check=False)  # noqa: S603 - our files
    return done.stdout.decode()


def test_pdf_has_the_facts_and_renders(app, issued, tmp_path):
    from lms.evidence.pdf import render_certificate_pdf

    with app.test_request_context():
        data = render_certificate_pdf(issued)
    assert data.startswith(b"%PDF")
    assert b"STSong-Light" in data  # the CJK font is embedded by reference, so Chinese names render
    text = _tool("pdftotext", "-layout", "-", "-", data=data)
    for expected in (
        services.display_code(issued.code),
        "AEO certification basics",
        "Pengcheng Test Electronics",
        "Owner Expert",
        "6 hours",
        "Certificate of completion",
        "http://lms.test/verify/",
    ):
        assert expected in text
    assert "张伟" in text


def test_pdf_qr_code_points_to_the_verification_page(app, issued, tmp_path):
    from lms.evidence.pdf import render_certificate_pdf

    with app.test_request_context():
        (tmp_path / "c.pdf").write_bytes(render_certificate_pdf(issued))
    _tool("pdftoppm", "-png", "-r", "110", "-singlefile", str(tmp_path / "c.pdf"), str(tmp_path / "page"))
    [image] = list(tmp_path.glob("page*.png"))
    decoded = _tool("zbarimg", "--quiet", "--raw", str(image))
    assert decoded.strip() == f"http://lms.test/verify/{issued.code}"


def test_revoked_pdf_says_so(app, db, issued, people):
    from lms.evidence.pdf import render_certificate_pdf

    services.revoke_certificate(people["admin"], issued, "Issued in error")
    db.session.commit()
    with app.test_request_context():
        data = render_certificate_pdf(issued)
    assert "REVOKED" in _tool("pdftotext", "-raw", "-", "-", data=data)
