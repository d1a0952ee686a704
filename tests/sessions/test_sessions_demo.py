"""The sessions demo: every mode, past and upcoming, waitlist, attendance, feedback, coaching; idempotent."""

from __future__ import annotations

import sqlalchemy as sa

from lms.sessions import demo as sessions_demo
from lms.sessions.models import (
    CoachingActionItem,
    Registration,
    SessionExpert,
    SessionFeedback,
    TrainingSession,
    Venue,
)

SLUGS = (
    "credit-management",
    "aeo-standard",
    "certification-procedure",
    "trade-security-onsite",
    "mutual-recognition",
)


def _courses(kit, db):
    from lms.courses.models import Course

    for slug in SLUGS:
        course = kit.course(require_attendance=slug == "trade-security-onsite")
        course.slug = slug
    db.session.commit()
    return Course


def test_demo_skips_without_published_courses(demo, db):
    assert "skipped" in sessions_demo.load()
    assert db.session.execute(sa.select(sa.func.count(TrainingSession.id))).scalar_one() == 0


def test_demo_loads_every_mode_and_is_idempotent(demo, kit, db):
    _courses(kit, db)
    summary = sessions_demo.load()
    db.session.commit()
    assert "new sessions" in summary
    sessions = db.session.execute(sa.select(TrainingSession)).scalars().all()
    assert {s.mode for s in sessions} == {"in_class", "onsite", "one_on_one", "live_online"}
    assert any(s.status == "completed" for s in sessions)
    assert any(s.status in ("open", "full") for s in sessions)
    base = db.session.execute(
        sa.select(Venue).where(Venue.name_en == "China Customs AEO Training Base (Shenzhen)")
    ).scalar_one()
    assert "Longgang" in base.address
    assert (
        db.session.execute(
            sa.select(sa.func.count()).select_from(Registration).where(Registration.status == "waitlisted")
        ).scalar_one()
        >= 2
    )
    assert db.session.execute(sa.select(sa.func.count(SessionFeedback.id))).scalar_one() > 0
    open_items = db.session.execute(
        sa.select(CoachingActionItem).where(CoachingActionItem.done.is_(False))
    ).scalars()
    assert {i.owner.enterprise.name_en for i in open_items} == {"Pengcheng Precision Electronics Co., Ltd."}
    # Shenzhen sessions are led by the Shenzhen expert, national ones by the national expert.
    leads = dict(
        db.session.execute(
            sa.select(TrainingSession.title, SessionExpert.expert_id).join(SessionExpert)
        ).all()
    )
    assert leads["AEO standard workshop at the Shenzhen base"] == demo.user("expert.shenzhen").id
    assert leads["Live online: mutual recognition explained"] == demo.user("expert.national").id
    for session in sessions:  # the seat counter matches the confirmed seats
        confirmed = sum(1 for r in session.registrations if r.status == "confirmed")
        assert session.seats_taken == confirmed

    counts = [
        db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (TrainingSession, Registration, Venue, SessionFeedback, CoachingActionItem)
    ]
    sessions_demo.load()
    db.session.commit()
    again = [
        db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (TrainingSession, Registration, Venue, SessionFeedback, CoachingActionItem)
    ]
    assert again == counts


def test_demo_pages_render(client, demo, kit, db):
    _courses(kit, db)
    sessions_demo.load()
    db.session.commit()
    for login in ("officer.shenzhen", "expert.shenzhen", "trainee", "admin"):
        client.login(login)
        assert client.get("/sessions/").status_code == 200
        assert client.get("/sessions/?when=past").status_code == 200
        for (sid,) in db.session.execute(sa.select(TrainingSession.id)).all():
            assert client.get(f"/sessions/{sid}").status_code in (200, 404)
        client.post("/logout", data={"csrf_token": client.csrf_token()})
