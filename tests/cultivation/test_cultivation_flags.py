"""Flags and reminders with a controlled clock; the one-click termination from the dashboard."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from lms import create_app
from lms.config import SETTINGS, StartupRefused
from lms.cultivation import flags, services
from lms.cultivation.models import CultivationCase
from lms.notifications.models import Notification
from lms.org.services import record_credit_decision


@pytest.fixture
def suspended_case(db, flow, clock):
    """A Pengcheng case in training since 2026-05-10, suspended for an audit on 2026-06-10."""
    clock.set(date(2026, 5, 10))
    case = flow.to_state(flow.open(opened_on=date(2026, 5, 1)), "in_training")
    clock.set(date(2026, 6, 10))
    services.suspend_case(flow.officer(), case, reason="audit", suspended_on=date(2026, 6, 10))
    db.session.commit()
    return case


@pytest.mark.parametrize(
    ("months", "day", "flagged"),
    [
        (3, date(2026, 9, 9), False),
        (3, date(2026, 9, 10), True),
        (1, date(2026, 7, 9), False),
        (1, date(2026, 7, 10), True),
    ],
)
def test_audit_without_conclusion(app, db, flow, clock, suspended_case, months, day, flagged):
    app.config["AUDIT_CONCLUSION_MONTHS"] = months
    try:
        clock.set(day)
        found = flags.flags_for(flow.officer())
    finally:
        app.config["AUDIT_CONCLUSION_MONTHS"] = SETTINGS["AUDIT_CONCLUSION_MONTHS"].default
    assert [(f.kind, f.case.id, f.proposed_reason) for f in found] == (
        [("audit_overdue", suspended_case.id, "audit_no_conclusion")] if flagged else []
    )


def test_flags_respect_jurisdiction(db, flow, clock, suspended_case):
    clock.set(date(2026, 10, 1))
    assert len(flags.flags_for(flow.officer("officer.shenzhen"))) == 1
    assert flags.flags_for(flow.officer("officer.shanghai")) == []


def test_audit_setting_is_bounded(tmp_path):
    # Outside 1–3 the application refuses to start, naming the setting.
    with pytest.raises(StartupRefused, match="LMS_AUDIT_CONCLUSION_MONTHS must be between 1 and 3"):
        create_app(
            {
                "LMS_ENV": "testing",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                "LMS_AUDIT_CONCLUSION_MONTHS": 12,
            }
        )


def test_termination_for_audit_only_after_the_limit(db, flow, clock, suspended_case):
    clock.set(date(2026, 9, 9))
    with pytest.raises(Exception, match=r"3 months after it started \(Jun 10, 2026\), on Sep 10, 2026"):
        services.terminate_case(
            flow.officer(), suspended_case, reason="audit_no_conclusion", terminated_on=date(2026, 9, 9)
        )
    db.session.rollback()


@pytest.mark.parametrize("level", ["discredited", "seriously_discredited"])
def test_discredited_enterprise_with_open_case(db, flow, clock, level):
    clock.set(date(2026, 8, 1))
    case = flow.to_state(flow.open(opened_on=date(2026, 7, 20)), "screened")
    record_credit_decision(None, case.enterprise, level=level, decided_on=date(2026, 8, 20))
    db.session.commit()
    clock.set(date(2026, 8, 19))
    assert flags.flags_for(flow.officer()) == []
    clock.set(date(2026, 8, 20))
    (flag,) = flags.flags_for(flow.officer())
    assert (flag.kind, flag.case.id, flag.since, flag.proposed_reason) == (
        "discredited",
        case.id,
        date(2026, 8, 20),
        level,
    )


def test_termination_from_the_dashboard_flag_is_confirmed_with_a_reason(
    client, db, flow, clock, suspended_case
):
    clock.set(date(2026, 9, 15))
    client.login("officer.futian")
    html = client.get("/").get_data(as_text=True)
    assert "Cultivation flags" in html
    assert "no conclusion by Sep 10, 2026" in html
    # No form on the dashboard ends the case: the flag leads to the termination's confirmation page.
    assert f'action="/cultivation/cases/{suspended_case.id}/terminate"' not in html
    link = f"/cultivation/cases/{suspended_case.id}/terminate?terminate-reason=audit_no_conclusion"
    assert link in html.replace("&amp;", "&")
    page = client.get(link + "&terminate-terminated_on=2026-09-15&next=/")
    confirm = page.get_data(as_text=True)
    assert page.status_code == 200 and "cannot be undone" in confirm
    assert '<option selected value="audit_no_conclusion">' in confirm
    assert 'name="confirmed" value="1"' in confirm
    db.session.expire_all()
    assert db.session.get(CultivationCase, suspended_case.id).state == "suspended"
    # A post that was not confirmed (the old one-click form) only shows that page again.
    unconfirmed = client.submit(
        f"/cultivation/cases/{suspended_case.id}/terminate",
        {"terminate-reason": "audit_no_conclusion", "terminate-terminated_on": "2026-09-15", "next": "/"},
    )
    assert unconfirmed.status_code == 200 and "cannot be undone" in unconfirmed.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CultivationCase, suspended_case.id).state == "suspended"
    response = client.submit(
        f"/cultivation/cases/{suspended_case.id}/terminate",
        {
            "confirmed": "1",
            "terminate-reason": "audit_no_conclusion",
            "terminate-terminated_on": "2026-09-15",
            "next": "/",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    db.session.expire_all()
    case = db.session.get(CultivationCase, suspended_case.id)
    assert (case.state, case.termination_reason, case.terminated_on) == (
        "terminated",
        "audit_no_conclusion",
        date(2026, 9, 15),
    )
    assert "No flags" in client.get("/").get_data(as_text=True)


def test_flags_command(cli, db, flow, clock, suspended_case):
    result = cli.invoke(args=["cultivation", "flags", "--today", "2026-09-10"])
    assert result.exit_code == 0, result.output
    assert suspended_case.reference in result.output and "audit_no_conclusion" in result.output
    assert "1 flags." in result.output
    assert "0 flags." in cli.invoke(args=["cultivation", "flags", "--today", "2026-09-01"]).output


def _notices(db, kind):
    return db.session.execute(sa.select(Notification).where(Notification.kind == kind)).scalars().all()


def test_remind_officers_of_audits_nearing_the_limit(cli, db, flow, clock, suspended_case):
    # Limit 2026-09-10; reminders from 14 days before, once a day.
    assert "0 audit reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-08-26"]).output
    assert "2 audit reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-08-27"]).output
    assert "0 audit reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-08-27"]).output
    assert "2 audit reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-08-28"]).output
    recipients = {n.user.login_name for n in _notices(db, "cultivation.audit_limit")}
    assert recipients == {"officer.futian", "officer.shenzhen"}


def test_remind_nominees_of_plan_items_due(cli, db, flow, clock):
    clock.set(date(2026, 5, 10))
    case = flow.to_state(
        flow.open(opened_on=date(2026, 5, 1), nominees=("trainee.manager", "trainee.customs")), "in_training"
    )
    from lms.courses.models import Enrollment
    from lms.cultivation.models import PlanItem
    from lms.database import utcnow

    course = flow.course()
    db.session.add(PlanItem(case=case, kind="course", course=course, due_on=date(2026, 5, 20)))
    manager = flow.demo.user("trainee.manager")
    db.session.add(
        Enrollment(user_id=manager.id, course_id=course.id, status="completed", completed_at=utcnow())
    )
    db.session.commit()
    assert "0 plan reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-05-12"]).output
    assert "1 plan reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-05-13"]).output
    assert "0 plan reminders" in cli.invoke(args=["cultivation", "remind", "--today", "2026-05-13"]).output
    (notice,) = _notices(db, "cultivation.plan_due")
    assert notice.user.login_name == "trainee.customs"
    # The due date is kept as a date and shown in the reader's language.
    assert notice.params["due"] == {"date": "2026-05-20"}
    assert "May 20, 2026" in notice.title
