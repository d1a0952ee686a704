"""Registration: seats, waitlist in order, approval, promotion with notices, cancellation cut-off."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.errors import NotPermitted, RuleViolation
from lms.notifications.models import Notification
from lms.sessions import services
from lms.sessions.models import Registration, TrainingSession


def _kinds(db, user) -> list[str]:
    return list(
        db.session.execute(
            sa.select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id)
        ).scalars()
    )


@pytest.fixture
def trainees(demo):
    return [
        demo.user(login) for login in ("trainee", "trainee.manager", "trainee.customs", "trainee.finance")
    ]


def test_trainee_registers_from_the_session_page(client, demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=2)
    db.session.commit()
    client.login("trainee")
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Seats are available." in page
    response = client.submit(f"/sessions/{session.id}/register")
    assert response.status_code == 302
    registration = db.session.execute(sa.select(Registration)).scalar_one()
    assert registration.status == "confirmed"
    assert kit.reload(TrainingSession, session.id).seats_taken == 1
    assert _kinds(db, demo.user("trainee")) == ["session_confirmed"]
    # One seat per trainee and session.
    client.submit(f"/sessions/{session.id}/register")
    assert db.session.execute(sa.select(sa.func.count(Registration.id))).scalar_one() == 1
    page = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Cancel my registration" in page


def test_full_session_waitlists_in_order_and_promotes_the_first(demo, kit, db, trainees):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=2)
    regs = [services.register_trainee(t, session, t) for t in trainees]
    db.session.commit()
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert session.status == "full" and session.seats_taken == 2
    assert [services.waitlist_position(r) for r in regs[2:]] == [1, 2]
    assert _kinds(db, trainees[2]) == ["session_waitlisted"]

    services.cancel_registration(trainees[0], regs[0])
    db.session.commit()
    db.session.expire_all()
    assert [r.status for r in regs] == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    assert _kinds(db, trainees[2]) == ["session_waitlisted", "session_promoted"]
    assert services.waitlist_position(regs[3]) == 1
    assert session.seats_taken == 2 and session.status == "full"
    # Nobody waiting: a freed seat reopens the session.
    services.cancel_registration(trainees[3], regs[3])
    services.cancel_registration(trainees[1], regs[1])
    db.session.commit()
    db.session.expire_all()
    assert session.seats_taken == 1 and session.status == "open"


def test_cancellation_cut_off(client, demo, kit, db, clock, monkeypatch):
    session = kit.session(kit.course(), demo.unit("5300"))
    trainee = demo.user("trainee")
    registration = services.register_trainee(trainee, session, trainee)
    db.session.commit()
    clock.set(session.starts_at - timedelta(hours=23))
    with pytest.raises(RuleViolation, match="until 24 hours before the session starts"):
        services.cancel_registration(trainee, registration)
    db.session.rollback()
    # Through the page: refused with the reason, nothing changed.
    client.login("trainee")
    response = client.submit(
        f"/sessions/registrations/{registration.id}/cancel", {"confirmed": "1"}, follow_redirects=True
    )
    assert "until 24 hours before the session starts" in response.get_data(as_text=True)
    assert kit.reload(Registration, registration.id).status == "confirmed"
    # The setting moves the cut-off.
    monkeypatch.setitem(client.application.config, "SESSION_CANCEL_CUTOFF_HOURS", 12)
    services.cancel_registration(trainee, kit.reload(Registration, registration.id))
    db.session.commit()
    assert kit.reload(Registration, registration.id).status == "cancelled"


def test_officer_may_cancel_after_the_cut_off(demo, kit, db, clock):
    session = kit.session(kit.course(), demo.unit("5300"))
    trainee = demo.user("trainee")
    registration = services.register_trainee(trainee, session, trainee)
    clock.set(session.starts_at - timedelta(hours=1))
    services.cancel_registration(demo.user("officer.futian"), registration)
    assert registration.status == "cancelled"


def test_approval_flow(client, demo, kit, db, trainees):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=1, requires_approval=True)
    first, second = trainees[0], trainees[1]
    r1 = services.register_trainee(first, session, first)
    r2 = services.register_trainee(second, session, second)
    db.session.commit()
    assert (r1.status, r2.status) == ("pending", "pending")
    assert session.seats_taken == 0
    client.login("officer.shenzhen")
    page = client.get(f"/sessions/{session.id}/registrations").get_data(as_text=True)
    assert "Approve" in page
    assert client.submit(f"/sessions/registrations/{r1.id}/approve").status_code == 302
    assert client.submit(f"/sessions/registrations/{r2.id}/approve").status_code == 302
    db.session.expire_all()
    assert (r1.status, r2.status) == ("confirmed", "waitlisted")
    assert _kinds(db, first) == ["session_approved"]
    # Rejecting the confirmed seat frees it; the waitlisted trainee gets it and is told.
    assert (
        client.submit(
            f"/sessions/registrations/{r1.id}/reject", {"confirmed": "1", "note": "Not in the target group"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert r1.status == "rejected" and r1.decision_note == "Not in the target group"
    assert r2.status == "confirmed"
    assert _kinds(db, first) == ["session_approved", "session_rejected"]
    assert _kinds(db, second) == ["session_approved", "session_promoted"]
    # A rejected trainee cannot simply register again.
    with pytest.raises(RuleViolation, match="rejected"):
        services.register_trainee(first, session, first)


def test_officer_registers_trainees_of_the_jurisdiction(client, demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=2, requires_approval=True)
    db.session.commit()
    ids = [demo.user(login).id for login in ("trainee", "trainee.manager", "trainee.shekou")]
    client.login("officer.shenzhen")
    response = client.submit(f"/sessions/{session.id}/registrations", {"trainees": ids})
    assert response.status_code == 302
    statuses = dict(db.session.execute(sa.select(Registration.user_id, Registration.status)).all())
    # Registered by an officer: no approval step; past capacity to the waitlist.
    assert sorted(statuses.values()) == ["confirmed", "confirmed", "waitlisted"]
    assert statuses[ids[2]] == "waitlisted"


def test_officer_cannot_register_trainees_outside_the_jurisdiction(client, demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"))
    db.session.commit()
    shanghai = demo.user("trainee.shanghai")
    client.login("officer.futian")
    response = client.submit(
        f"/sessions/{session.id}/registrations", {"trainees": [demo.user("trainee").id, shanghai.id]}
    )
    assert response.status_code == 200
    assert "Choose trainees of your jurisdiction." in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count(Registration.id))).scalar_one() == 0
    with pytest.raises(NotPermitted):
        services.register_trainee(demo.user("officer.futian"), session, shanghai)


def test_batch_registration_is_all_or_nothing(client, demo, kit, db):
    session = kit.session(kit.course(), demo.unit("5300"))
    trainee = demo.user("trainee")
    services.register_trainee(trainee, session, trainee)
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.submit(
        f"/sessions/{session.id}/registrations", {"trainees": [demo.user("trainee.manager").id, trainee.id]}
    ).get_data(as_text=True)
    assert "is already registered for this session" in html
    assert db.session.execute(sa.select(sa.func.count(Registration.id))).scalar_one() == 1


@pytest.mark.parametrize(
    "change, message",
    [
        ({"registration_opens_at": timedelta(days=2)}, "Registration opens on"),
        ({"registration_closes_at": -timedelta(days=1)}, "Registration closed on"),
    ],
)
def test_registration_window(demo, kit, db, change, message):
    from lms.database import utcnow

    key, delta = next(iter(change.items()))
    session = kit.session(kit.course(), demo.unit("5300"), **{key: utcnow() + delta})
    trainee = demo.user("trainee")
    with pytest.raises(RuleViolation, match=message):
        services.register_trainee(trainee, session, trainee)
    # Officers may still register a trainee outside the window.
    assert services.register_trainee(demo.user("officer.shenzhen"), session, trainee).status == "confirmed"


def test_no_registration_once_started_or_for_another_enterprises_coaching(demo, kit, db, clock):
    course = kit.course()
    pengcheng = demo.enterprise("Pengcheng Precision")
    coaching = kit.session(
        course, demo.unit("5301"), mode="one_on_one", enterprise_id=pengcheng.id, capacity=2
    )
    other = demo.user("trainee.futian")
    with pytest.raises(RuleViolation, match="reserved for"):
        services.register_trainee(demo.user("officer.shenzhen"), coaching, other)
    trainee = demo.user("trainee")
    clock.set(coaching.starts_at + timedelta(minutes=1))
    with pytest.raises(RuleViolation, match="already started"):
        services.register_trainee(trainee, coaching, trainee)


def test_unpublished_course_blocks_registration(demo, kit, db):
    course = kit.course()
    session = kit.session(course, demo.unit("5300"))
    course.archived = True
    trainee = demo.user("trainee")
    with pytest.raises(RuleViolation, match="not published"):
        services.register_trainee(demo.user("officer.shenzhen"), session, trainee)


def test_capacity_increase_promotes_the_waitlist(demo, kit, db, trainees):
    session = kit.session(kit.course(), demo.unit("5300"), capacity=1)
    regs = [services.register_trainee(t, session, t) for t in trainees[:3]]
    db.session.commit()
    officer = demo.user("officer.shenzhen")
    values = {
        "course_id": session.course_id,
        "title": session.title,
        "mode": "in_class",
        "unit_id": session.unit_id,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "capacity": 2,
        "venue_id": session.venue_id,
    }
    services.update_session(officer, session, values)
    db.session.commit()
    db.session.expire_all()
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted"]
    assert session.status == "full"
