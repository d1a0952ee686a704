"""One-on-one coaching records and action items; the dashboard and course page panels."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.core.panels import course_page, dashboard
from lms.errors import InvalidInput
from lms.sessions import services
from lms.sessions.models import CoachingActionItem, CoachingRecord


@pytest.fixture
def coaching(demo, kit, db):
    course = kit.course()
    session = kit.session(
        course,
        demo.unit("5301"),
        mode="one_on_one",
        capacity=2,
        title="Coaching Pengcheng",
        enterprise_id=demo.enterprise("Pengcheng Precision").id,
    )
    kit.assign(session, demo.user("expert.shenzhen"))
    db.session.commit()
    return session


def test_expert_keeps_the_record_and_action_items(client, demo, coaching, db):
    client.login("expert.shenzhen")
    response = client.submit(
        f"/sessions/{coaching.id}/coaching", {"agenda": "1. Self-assessment", "notes": "Two **gaps** found."}
    )
    assert response.status_code == 302
    owner = demo.user("trainee.manager")
    response = client.submit(
        f"/sessions/{coaching.id}/coaching/actions",
        {"text": "Name a deputy manager", "owner_id": owner.id, "due_on": "2031-01-31"},
    )
    assert response.status_code == 302
    item = db.session.execute(sa.select(CoachingActionItem)).scalar_one()
    assert item.text == "Name a deputy manager" and item.due_on == date(2031, 1, 31) and not item.done
    record = db.session.execute(sa.select(CoachingRecord)).scalar_one()
    assert record.notes == "Two **gaps** found."
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    # The enterprise's trainees read it (Markdown rendered) but cannot edit it.
    client.login("trainee")
    html = client.get(f"/sessions/{coaching.id}/coaching").get_data(as_text=True)
    assert "<strong>gaps</strong>" in html and "Name a deputy manager" in html
    assert "Edit agenda and notes" not in html
    assert (
        client.submit(f"/sessions/{coaching.id}/coaching", {"agenda": "x", "notes": "y"}).status_code == 403
    )


def test_action_item_owner_must_belong_to_the_enterprise_or_be_an_assigned_expert(demo, coaching, db):
    expert = demo.user("expert.shenzhen")
    with pytest.raises(InvalidInput, match="owner"):
        services.add_action_item(
            expert, coaching, text="x", owner_id=demo.user("trainee.shanghai").id, due_on=None
        )
    assert services.add_action_item(expert, coaching, text="Review", owner_id=expert.id, due_on=None).id


def test_open_action_items_on_dashboards(demo, coaching, db):
    expert = demo.user("expert.shenzhen")
    today = services.local_date(services.now())
    open_item = services.add_action_item(
        expert,
        coaching,
        text="Seal log weekly",
        owner_id=demo.user("trainee").id,
        due_on=today - timedelta(days=1),
    )
    done = services.add_action_item(
        expert, coaching, text="Already done", owner_id=demo.user("trainee").id, due_on=None
    )
    services.set_action_item_done(expert, done, True)
    db.session.commit()
    provider = dashboard.panels["open_action_items"].provider
    for login in ("trainee", "trainee.finance", "officer.futian", "officer.shenzhen", "admin"):
        data = provider(demo.user(login))
        assert data is not None and [i.id for i in data["action_items"]] == [open_item.id], login
    assert provider(demo.user("officer.shanghai")) is None
    assert provider(demo.user("trainee.futian")) is None  # another enterprise


def test_dashboard_panels_render(client, demo, kit, coaching, db):
    expert = demo.user("expert.shenzhen")
    services.add_action_item(
        expert, coaching, text="Seal log weekly", owner_id=demo.user("trainee").id, due_on=None
    )
    course = kit.course()
    approval = kit.session(course, demo.unit("5300"), requires_approval=True, title="Needs approval")
    kit.assign(approval, expert)
    trainee = demo.user("trainee")
    services.register_trainee(trainee, approval, trainee)
    db.session.commit()
    from flask import render_template_string

    template = '{% from "_macros.html" import panels %}{{ panels(items) }}'
    with client.application.test_request_context("/"):
        from flask_login import login_user

        for login, expected in (
            ("trainee", ["My upcoming sessions", "Needs approval", "Seal log weekly"]),
            ("expert.shenzhen", ["My sessions", "Needs approval"]),
            ("officer.shenzhen", ["Pending registrations", "Needs approval", "Seal log weekly"]),
        ):
            user = demo.user(login)
            login_user(user)
            html = render_template_string(
                template,
                items=[
                    (p, d)
                    for p, d in dashboard.for_user(user)
                    if p.key
                    in (
                        "my_upcoming_sessions",
                        "expert_sessions",
                        "pending_registrations",
                        "open_action_items",
                    )
                ],
            )
            for text in expected:
                assert text in html, (login, text)


def test_course_page_lists_upcoming_sessions(client, demo, kit, db):
    course = kit.course()
    kit.session(course, demo.unit("5300"), title="Upcoming one")
    kit.session(course, demo.unit("5300"), title="Past one", starts_at=services.now() - timedelta(days=3))
    kit.session(course, demo.unit("5300"), title="Planned one", status="planned")
    db.session.commit()
    provider = course_page.panels["upcoming_sessions"].provider
    titles = [s.title for s in provider(demo.user("trainee"), course=course, version=None)["sessions"]]
    assert titles == ["Upcoming one"]
    staff = [
        s.title for s in provider(demo.user("officer.shenzhen"), course=course, version=None)["sessions"]
    ]
    assert sorted(staff) == ["Planned one", "Upcoming one"]
