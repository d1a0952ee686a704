"""Attendance sheet, rotating check-in code (expiry, replay, window), ledger entries and course completion."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.courses.models import Enrollment
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.models import LedgerEntry
from lms.sessions import services
from lms.sessions.models import Registration


@pytest.fixture
def running(demo, kit, db):
    """A session with an assigned expert and two confirmed trainees."""
    course = kit.course(require_attendance=True)
    session = kit.session(course, demo.unit("5300"), capacity=5)
    kit.assign(session, demo.user("expert.shenzhen"))
    regs = {}
    for login in ("trainee", "trainee.manager"):
        user = demo.user(login)
        regs[login] = services.register_trainee(user, session, user)
    db.session.commit()
    return session, regs


def _entries(db, registration) -> list[dict]:
    rows = (
        db.session.execute(
            sa.select(LedgerEntry)
            .where(LedgerEntry.kind == "attendance_marked", LedgerEntry.subject_id == registration.id)
            .order_by(LedgerEntry.seq)
        )
        .scalars()
        .all()
    )
    return [json.loads(r.payload) for r in rows]


def test_expert_marks_the_whole_sheet_and_each_change_is_a_ledger_entry(client, demo, running, db, clock):
    session, regs = running
    clock.set(session.starts_at + timedelta(minutes=10))
    client.login("expert.shenzhen")
    page = client.get(f"/sessions/{session.id}/attendance").get_data(as_text=True)
    assert demo.user("trainee").display_name in page
    data = {
        f"attendance-{regs['trainee'].id}": "present",
        f"attendance-{regs['trainee.manager'].id}": "absent",
    }
    response = client.submit(f"/sessions/{session.id}/attendance", data)
    assert response.status_code == 302
    db.session.expire_all()
    assert (regs["trainee"].attendance, regs["trainee.manager"].attendance) == ("present", "absent")
    payload = _entries(db, regs["trainee"])
    assert payload == [
        {
            "registration_id": regs["trainee"].id,
            "session_id": session.id,
            "user_id": demo.user("trainee").id,
            "attendance": "present",
            "checked_in_at": None,
        }
    ]
    # Unchanged values make no new entry; a correction makes a new one.
    client.submit(f"/sessions/{session.id}/attendance", data)
    assert len(_entries(db, regs["trainee"])) == 1
    data[f"attendance-{regs['trainee'].id}"] = "late"
    client.submit(f"/sessions/{session.id}/attendance", data)
    assert [e["attendance"] for e in _entries(db, regs["trainee"])] == ["present", "late"]


def test_officer_of_the_organising_unit_marks_attendance(demo, running, db, clock):
    session, regs = running
    clock.set(session.starts_at)
    assert services.mark_attendance(demo.user("officer.shenzhen"), regs["trainee"], "excused")
    with pytest.raises(NotPermitted):
        services.mark_attendance(demo.user("officer.shanghai"), regs["trainee"], "present")
    with pytest.raises(NotPermitted):
        services.mark_attendance(demo.user("expert.national"), regs["trainee"], "present")  # not assigned
    with pytest.raises(InvalidInput):
        services.mark_attendance(demo.user("officer.shenzhen"), regs["trainee"], "asleep")


def test_attendance_not_before_the_session(demo, running, db, clock):
    session, regs = running
    clock.set(session.starts_at - timedelta(hours=2))
    with pytest.raises(RuleViolation, match="Attendance can be marked from"):
        services.mark_attendance(demo.user("expert.shenzhen"), regs["trainee"], "present")


def test_attendance_completes_the_course_when_required(demo, running, db, clock):
    session, regs = running
    trainee = demo.user("trainee")
    # Registering for the session enrolled the trainee in its course.
    enrollment = db.session.execute(
        sa.select(Enrollment).where(
            Enrollment.user_id == trainee.id, Enrollment.course_id == session.course_id
        )
    ).scalar_one()
    assert enrollment.status == "active"
    clock.set(session.starts_at + timedelta(minutes=5))
    services.mark_attendance(demo.user("expert.shenzhen"), regs["trainee"], "absent")
    assert enrollment.status == "active"
    services.mark_attendance(demo.user("expert.shenzhen"), regs["trainee"], "late")
    db.session.commit()
    db.session.expire_all()
    assert enrollment.status == "completed" and enrollment.completed_at is not None


def test_attendance_requirement_status(demo, running, db, clock):
    from lms.courses.completion import requirement_statuses

    session, regs = running
    trainee = demo.user("trainee")
    enrollment = db.session.execute(
        sa.select(Enrollment).where(
            Enrollment.user_id == trainee.id, Enrollment.course_id == session.course_id
        )
    ).scalar_one()
    status = [s for s in requirement_statuses(enrollment) if s.key == "attendance"][0]
    assert not status.met
    clock.set(session.starts_at)
    services.mark_attendance(demo.user("expert.shenzhen"), regs["trainee"], "present")
    status = [s for s in requirement_statuses(enrollment) if s.key == "attendance"][0]
    assert status.met


# -- check-in ----------------------------------------------------------------------------------------------


def _code_at(session, moment) -> str:
    return services.checkin_code(session.id, services.minute_counter(moment))


def test_check_in_with_the_current_code(client, demo, running, db, clock):
    session, regs = running
    clock.set(session.starts_at - timedelta(minutes=5))
    client.login("expert.shenzhen")
    page = client.get(f"/sessions/{session.id}/checkin-code").get_data(as_text=True)
    code = _code_at(session, clock.now())
    assert code in page
    assert client.get(f"/sessions/{session.id}/checkin-code.json").get_json()["code"] == code
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    client.login("trainee")
    assert "Check in" in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    response = client.submit(f"/sessions/{session.id}/checkin", {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    registration = db.session.get(Registration, regs["trainee"].id)
    db.session.refresh(registration)
    assert registration.attendance == "present" and registration.checked_in_at == clock.now()
    assert _entries(db, registration)[-1]["checked_in_at"] is not None
    # The same trainee again, even with a fresh code: already checked in.
    clock.advance(minutes=3)
    html = client.submit(
        f"/sessions/{session.id}/checkin", {"code": _code_at(session, clock.now())}
    ).get_data(as_text=True)
    assert "already checked in" in html
    assert len(_entries(db, registration)) == 1


def test_previous_minute_accepted_older_expired_wrong_refused(demo, running, db, clock):
    session, regs = running
    trainee, manager = demo.user("trainee"), demo.user("trainee.manager")
    clock.set(session.starts_at + timedelta(minutes=2, seconds=10))
    old = _code_at(session, clock.now() - timedelta(minutes=2))
    with pytest.raises(RuleViolation, match="expired"):
        services.check_in(trainee, session, old)
    with pytest.raises(RuleViolation, match="Wrong check-in code"):
        wrong = f"{(int(_code_at(session, clock.now())) + 1) % 1_000_000:06d}"
        services.check_in(trainee, session, wrong)
    with pytest.raises(InvalidInput, match="6 digits"):
        services.check_in(trainee, session, "12ab")
    previous = _code_at(session, clock.now() - timedelta(minutes=1))
    assert services.check_in(trainee, session, previous).attendance == "present"
    # Another trainee may use the code on screen too; late after 15 minutes.
    clock.set(session.starts_at + timedelta(minutes=16))
    assert services.check_in(manager, session, _code_at(session, clock.now())).attendance == "late"


def test_check_in_outside_the_window_is_refused_and_nothing_saved(client, demo, running, db, clock):
    session, regs = running
    client.login("trainee")
    clock.set(session.starts_at - timedelta(minutes=31))
    html = client.submit(
        f"/sessions/{session.id}/checkin", {"code": _code_at(session, clock.now())}
    ).get_data(as_text=True)
    assert "Check-in opens at" in html and "30 minutes before the session starts" in html
    clock.set(session.ends_at + timedelta(minutes=1))
    html = client.submit(
        f"/sessions/{session.id}/checkin", {"code": _code_at(session, clock.now())}
    ).get_data(as_text=True)
    assert "Check-in closed when the session ended" in html
    db.session.expire_all()
    assert regs["trainee"].checked_in_at is None and regs["trainee"].attendance is None
    assert _entries(db, regs["trainee"]) == []


def test_a_code_from_before_the_window_is_refused(demo, running, db, clock):
    session, regs = running
    opens = session.starts_at - timedelta(minutes=30)
    clock.set(opens + timedelta(seconds=20))
    before = _code_at(session, opens - timedelta(minutes=1))
    with pytest.raises(RuleViolation, match="before check-in opened"):
        services.check_in(demo.user("trainee"), session, before)


def test_only_confirmed_trainees_check_in(demo, kit, running, db, clock):
    session, regs = running
    services.cancel_registration(demo.user("trainee"), regs["trainee"])
    clock.set(session.starts_at)
    with pytest.raises(RuleViolation, match="confirmed seat"):
        services.check_in(demo.user("trainee"), session, _code_at(session, clock.now()))
    with pytest.raises(RuleViolation, match="confirmed seat"):
        services.check_in(demo.user("trainee.customs"), session, _code_at(session, clock.now()))


def test_code_page_outside_the_window_shows_no_code(client, demo, running, db, clock):
    session, regs = running
    clock.set(session.starts_at - timedelta(hours=3))
    client.login("expert.shenzhen")
    html = client.get(f"/sessions/{session.id}/checkin-code").get_data(as_text=True)
    assert "Check-in opens at" in html
    assert client.get(f"/sessions/{session.id}/checkin-code.json").get_json()["code"] is None


def test_codes_differ_per_session_and_minute(demo, kit, db):
    course = kit.course()
    one, two = kit.session(course, demo.unit("5300")), kit.session(course, demo.unit("5300"))
    assert services.checkin_code(one.id, 1000) != services.checkin_code(two.id, 1000)
    assert services.checkin_code(one.id, 1000) != services.checkin_code(one.id, 1001)
    assert len(services.checkin_code(one.id, 5)) == 6
