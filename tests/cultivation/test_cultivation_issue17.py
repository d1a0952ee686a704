"""Issue 17, points 1–7: the rules the seed implies, checked where they bite.

Each rule refuses with its reason (naming the rule and the day it was judged on) and saves nothing; each is
tried at service level and through the pages, in English and in Chinese."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms.config import SETTINGS
from lms.cultivation import flags, keylists, plans, services
from lms.cultivation.models import CaseEvent, CultivationCase, PlanItem
from lms.database import utcnow
from lms.errors import InvalidInput, RuleViolation
from lms.org.models import CreditStatusRecord
from lms.org.services import record_credit_decision, regime_on
from lms.sessions import services as sessions
from lms.sessions.models import Registration, TrainingSession


def _count(db, model, *where) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model).where(*where)).scalar_one()


def _zh(client):
    client.submit("/language", {"language": "zh_CN"})


# -- 1. termination as (seriously) discredited needs that credit status on the decision date ----------------


@pytest.mark.parametrize("reason", ["discredited", "seriously_discredited"])
def test_termination_as_discredited_refused_for_a_certified_enterprise(db, flow, reason):
    case = flow.to_state(flow.open(), "in_training")  # Pengcheng: advanced certified
    events = len(flow.events(case))
    with pytest.raises(RuleViolation) as refused:
        services.terminate_case(flow.officer(), case, reason=reason, terminated_on=flow.today)
    message = str(refused.value)
    assert "on the decision date" in message and "Advanced certified enterprise" in message
    assert flow.today.strftime("%b") in message  # the day it was judged on
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "in_training"
    assert len(flow.events(case)) == events


def test_termination_as_discredited_follows_the_credit_history(db, flow, clock):
    clock.set(date(2026, 11, 30))
    case = flow.to_state(flow.open(opened_on=date(2026, 11, 2)), "in_training")
    record_credit_decision(None, case.enterprise, level="discredited", decided_on=date(2026, 11, 20))
    db.session.commit()
    # The day before the decision the enterprise was not discredited yet.
    with pytest.raises(RuleViolation, match="Nov 19, 2026"):
        services.terminate_case(flow.officer(), case, reason="discredited", terminated_on=date(2026, 11, 19))
    db.session.rollback()
    # Discredited is not seriously discredited.
    with pytest.raises(RuleViolation, match="seriously discredited only when"):
        services.terminate_case(
            flow.officer(), case, reason="seriously_discredited", terminated_on=date(2026, 11, 25)
        )
    db.session.rollback()
    event = services.terminate_case(
        flow.officer(), case, reason="discredited", terminated_on=date(2026, 11, 25)
    )
    db.session.commit()
    assert case.state == "terminated" and event.details["credit_level"] == "discredited"


def test_termination_page_refuses_discredited_reason_in_both_languages(client, db, flow):
    case = flow.to_state(flow.open(), "in_training")
    client.login("officer.futian")
    data = {
        "confirmed": "1",
        "terminate-reason": "discredited",
        "terminate-terminated_on": flow.today.isoformat(),
    }
    response = client.submit(f"/cultivation/cases/{case.id}/terminate", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "only when it is a discredited enterprise on the decision date" in html
    _zh(client)
    response = client.submit(f"/cultivation/cases/{case.id}/terminate", data)
    assert response.status_code == 409 and "在决定之日为失信企业" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "in_training"


# -- 2. who may apply: not while (seriously) discredited, not soon after a termination, one open case -------


def test_seriously_discredited_enterprise_cannot_apply(db, flow, demo):
    enterprise = demo.enterprise("Pengcheng")
    record_credit_decision(
        None, enterprise, level="seriously_discredited", decided_on=flow.today - timedelta(days=3)
    )
    db.session.commit()
    with pytest.raises(RuleViolation) as refused:
        flow.open(training_type="compliance", category="interested_party")
    db.session.rollback()
    assert "is not cultivated" in str(refused.value) and "Seriously discredited enterprise" in str(
        refused.value
    )
    assert _count(db, CultivationCase, CultivationCase.enterprise_id == enterprise.id) == 0


def test_apply_page_shows_why_before_the_form(client, db, flow, demo):
    enterprise = demo.enterprise("Pengcheng")
    record_credit_decision(
        None, enterprise, level="seriously_discredited", decided_on=flow.today - timedelta(days=3)
    )
    db.session.commit()
    client.login("trainee")
    page = client.get("/cultivation/apply")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "cannot apply for cultivation today" in html and "Failed" in html
    assert "Rule: a discredited or seriously discredited enterprise is not cultivated." in html
    assert "Submit the application" not in html
    # Posting anyway is refused, with the reason, and saves nothing.
    response = client.submit(
        "/cultivation/apply",
        {
            "training_type": "compliance",
            "category": "interested_party",
            "nominees": [str(demo.user("trainee").id)],
        },
    )
    assert response.status_code == 409
    assert "is not cultivated. On" in response.get_data(as_text=True)
    assert _count(db, CultivationCase, CultivationCase.enterprise_id == enterprise.id) == 0
    _zh(client)
    html = client.get("/cultivation/apply").get_data(as_text=True)
    assert "贵企业今天不能申请培育" in html and "未通过" in html


def test_no_application_soon_after_a_termination(app, db, flow, demo):
    case = flow.to_state(flow.open(training_type="compliance", category="interested_party"), "terminated")
    assert case.state == "terminated"
    with pytest.raises(RuleViolation) as refused:
        flow.open()
    db.session.rollback()
    message = str(refused.value)
    assert "applies again only 12 months after the termination" in message and case.reference in message
    assert "judged on" in message
    assert _count(db, CultivationCase, CultivationCase.enterprise_id == case.enterprise_id) == 1
    # The waiting period is a setting; 0 turns it off.
    app.config["TERMINATION_WAIT_MONTHS"] = 0
    try:
        assert flow.open().state == "submitted"
    finally:
        app.config["TERMINATION_WAIT_MONTHS"] = SETTINGS["TERMINATION_WAIT_MONTHS"].default


def test_termination_wait_shown_on_the_apply_page(client, db, flow):
    flow.to_state(flow.open(training_type="compliance", category="interested_party"), "terminated")
    client.login("trainee")
    html = client.get("/cultivation/apply").get_data(as_text=True)
    assert "No recent termination" in html and "applies again only 12 months after the termination" in html
    assert "Submit the application" not in html


def test_second_open_case_of_the_same_type_shows_failed(client, db, flow, demo):
    first = flow.to_state(flow.open(), "in_training")
    client.login("trainee")
    html = client.get("/cultivation/apply").get_data(as_text=True)
    assert "No other open case of this training type" in html
    assert (
        f"{first.reference} (In training)" in html
        and "one open case per enterprise and training type" in html
    )
    assert "may not apply" in html and "may apply" in html  # compliance training still open to them
    assert "Submit the application" in html
    response = client.submit(
        "/cultivation/apply",
        {
            "training_type": "aeo_certification",
            "category": "applicant",
            "nominees": [str(demo.user("trainee").id)],
        },
    )
    assert response.status_code == 409 and "is still open on" in response.get_data(as_text=True)
    assert _count(db, CultivationCase, CultivationCase.enterprise_id == first.enterprise_id) == 1
    _zh(client)
    html = client.get("/cultivation/apply").get_data(as_text=True)
    assert "没有同一培训类型的其他未结案件" in html


def test_eligibility_check_fails_for_another_open_case(db, flow, demo):
    from lms.cultivation import eligibility

    first = flow.to_state(flow.open(), "in_training")
    result = eligibility.evaluate(
        demo.enterprise("Pengcheng"), training_type="aeo_certification", category="applicant", day=flow.today
    )
    check = next(c for c in result["checks"] if c["key"] == "one_open_case")
    assert not check["passed"] and not result["eligible"]
    assert first.reference in eligibility.explain(check)
    # The case itself does not count against itself.
    own = eligibility.evaluate_case(first, flow.today)
    assert next(c for c in own["checks"] if c["key"] == "one_open_case")["passed"]


# -- 3. the audit limit counts from the audit's start ---------------------------------------------------------


@pytest.fixture
def audited_case(db, flow, clock):
    """A Pengcheng case in training since 2026-05-10; audited from 2026-06-01, suspended on 2026-06-10."""
    clock.set(date(2026, 5, 10))
    case = flow.to_state(flow.open(opened_on=date(2026, 5, 1)), "in_training")
    clock.set(date(2026, 6, 10))
    services.suspend_case(
        flow.officer(),
        case,
        reason="audit",
        suspended_on=date(2026, 6, 10),
        audit_started_on=date(2026, 6, 1),
    )
    db.session.commit()
    return case


def test_audit_limit_counts_from_the_audit_start(db, flow, clock, audited_case):
    assert audited_case.audit_started_on == date(2026, 6, 1)
    clock.set(date(2026, 8, 31))
    assert flags.flags_for(flow.officer()) == []
    with pytest.raises(RuleViolation, match=r"after it started \(Jun 1, 2026\), on Sep 1, 2026"):
        services.terminate_case(
            flow.officer(), audited_case, reason="audit_no_conclusion", terminated_on=date(2026, 8, 31)
        )
    db.session.rollback()
    clock.set(date(2026, 9, 1))
    (flag,) = flags.flags_for(flow.officer())
    assert (flag.kind, flag.since, flag.limit) == ("audit_overdue", date(2026, 6, 1), date(2026, 9, 1))
    services.terminate_case(
        flow.officer(), audited_case, reason="audit_no_conclusion", terminated_on=date(2026, 9, 1)
    )
    db.session.commit()
    assert audited_case.state == "terminated"


def test_audit_start_defaults_to_the_suspension_and_cannot_follow_it(db, flow, clock):
    clock.set(date(2026, 5, 10))
    case = flow.to_state(flow.open(opened_on=date(2026, 5, 1)), "in_training")
    clock.set(date(2026, 6, 10))
    with pytest.raises(InvalidInput, match="the suspension follows the audit") as refused:
        services.suspend_case(
            flow.officer(),
            case,
            reason="audit",
            suspended_on=date(2026, 6, 1),
            audit_started_on=date(2026, 6, 5),
        )
    assert "Jun 5, 2026" in str(refused.value) and "Jun 1, 2026" in str(refused.value)
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "in_training"
    services.suspend_case(flow.officer(), case, reason="audit", suspended_on=date(2026, 6, 1))
    db.session.commit()
    assert case.audit_started_on == date(2026, 6, 1)


def test_suspension_form_records_the_audit_start(client, db, flow):
    case = flow.to_state(flow.open(), "in_training")
    start = flow.today - timedelta(days=20)
    client.login("officer.futian")
    response = client.submit(
        f"/cultivation/cases/{case.id}/suspend",
        {
            "suspend-reason": "audit",
            "suspend-suspended_on": flow.today.isoformat(),
            "suspend-audit_started_on": start.isoformat(),
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Audit started" in html
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).audit_started_on == start
    _zh(client)
    assert "稽核开始" in client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)


# -- 4. trainee priority decides who gets short seats; position "other" flagged ------------------------------


def _session(db, case, capacity: int, *, mode: str = "in_class", enterprise_id=None) -> TrainingSession:

    start = utcnow() + timedelta(days=10)
    course = case._flow_course
    session = TrainingSession(
        course_id=course.id,
        mode=mode,
        unit_id=case.enterprise.unit_id,
        title=f"Workshop {capacity} {mode}",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=capacity,
        status="open",
        enterprise_id=enterprise_id,
    )
    db.session.add(session)
    db.session.commit()
    return session


def _in_training(flow, nominees):
    case = flow.to_state(flow.open(nominees=nominees), "in_training")
    case._flow_course = flow.course(title="Mock certification workshop")
    return case


def test_short_seats_go_by_trainee_priority(db, flow, demo):
    # The department staff member is named first; the senior manager still gets the only seat.
    case = _in_training(flow, ("trainee.customs", "trainee.manager"))
    session = _session(db, case, capacity=1)
    plans.add_plan_item(flow.officer(), case, session=session)
    plans.enroll_nominees(flow.officer(), case)
    db.session.commit()
    status = {
        r.user.login_name: r.status
        for r in db.session.execute(
            sa.select(Registration).where(Registration.session_id == session.id)
        ).scalars()
    }
    assert status == {"trainee.manager": "confirmed", "trainee.customs": "waitlisted"}


def test_enrol_button_gives_short_seats_by_priority(client, db, flow, demo):
    case = _in_training(flow, ("trainee.customs", "trainee.manager"))
    session = _session(db, case, capacity=1)
    client.login("officer.futian")
    assert (
        client.submit(f"/cultivation/cases/{case.id}/plan", {"plan-session_id": str(session.id)}).status_code
        == 302
    )
    response = client.submit(f"/cultivation/cases/{case.id}/plan/enroll", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "0 enrolments and 2 session registrations made." in html
    row = {
        r.user.login_name: r.status
        for r in db.session.execute(
            sa.select(Registration).where(Registration.session_id == session.id)
        ).scalars()
    }
    assert row == {"trainee.manager": "confirmed", "trainee.customs": "waitlisted"}
    _zh(client)
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert "候补" in html


def test_waitlist_is_served_by_priority(db, flow, demo):
    case = _in_training(flow, ("trainee",))
    session = _session(db, case, capacity=1)
    officer = flow.officer()
    first = sessions.register_trainee(officer, session, demo.user("trainee.finance"))
    staff = sessions.register_trainee(officer, session, demo.user("trainee.customs"))
    legal = sessions.register_trainee(officer, session, demo.user("trainee"))
    db.session.commit()
    assert (first.status, staff.status, legal.status) == ("confirmed", "waitlisted", "waitlisted")
    assert sessions.waitlist_position(legal) == 1 and sessions.waitlist_position(staff) == 2
    sessions.cancel_registration(officer, first)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Registration, legal.id).status == "confirmed"
    assert db.session.get(Registration, staff.id).status == "waitlisted"


def test_nominee_with_position_other_is_flagged(client, db, flow, demo):
    other = demo.user("trainee.finance")
    other.position = "other"
    db.session.commit()
    case = flow.open(nominees=("trainee", "trainee.finance"))
    shenzhen = demo.user("officer.shenzhen")
    services.screen_case(shenzhen, case, decided_on=flow.today)
    key_list = keylists.build_key_list(shenzhen, demo.unit("5300"), "2031")
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.get(f"/cultivation/key-lists/{key_list.id}").get_data(as_text=True)
    assert "Nominee with position “other”: Ma Lin" in html
    page = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert page.count("outside the priority positions") == 1
    _zh(client)
    html = client.get(f"/cultivation/key-lists/{key_list.id}").get_data(as_text=True)
    assert "职务为“其他”的参训人员：马林" in html  # the demo name as written in Chinese


# -- 5. the level after a failed re-review is the officer's decision, its default a setting ----------------


def _failing_rereview(flow):
    return flow.to_state(flow.open(category="aeo_rereview"), "certification_applied")


def _level_of(db, enterprise_id) -> str:
    from lms.org.models import Enterprise

    db.session.expire_all()
    return db.session.get(Enterprise, enterprise_id).credit_level


def test_failed_rereview_level_is_decided_by_the_officer(db, flow):
    case = _failing_rereview(flow)
    event = services.not_certify_case(
        flow.officer(), case, reason="Trade security not met", decided_on=flow.today, level_after="certified"
    )
    db.session.commit()
    assert event.details["level_after"] == "certified"
    assert _level_of(db, case.enterprise_id) == "certified"


def test_failed_rereview_level_default_is_a_setting(app, db, flow):
    case = _failing_rereview(flow)
    app.config["REREVIEW_FAILED_LEVEL"] = "certified"
    try:
        services.not_certify_case(flow.officer(), case, reason="Not met", decided_on=flow.today)
        db.session.commit()
    finally:
        app.config["REREVIEW_FAILED_LEVEL"] = SETTINGS["REREVIEW_FAILED_LEVEL"].default
    assert _level_of(db, case.enterprise_id) == "certified"


def test_failed_rereview_default_stays_regular(db, flow):
    case = _failing_rereview(flow)
    services.not_certify_case(flow.officer(), case, reason="Not met", decided_on=flow.today)
    db.session.commit()
    assert _level_of(db, case.enterprise_id) == "regular"


def test_failed_rereview_cannot_keep_or_raise_the_level(db, flow):
    case = _failing_rereview(flow)
    records = _count(db, CreditStatusRecord, CreditStatusRecord.enterprise_id == case.enterprise_id)
    with pytest.raises(RuleViolation, match="drops below the level it holds") as refused:
        services.not_certify_case(
            flow.officer(), case, reason="Not met", decided_on=flow.today, level_after="advanced_certified"
        )
    db.session.rollback()
    assert "Decree 282" in str(refused.value)
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "certification_applied"
    assert _count(db, CreditStatusRecord, CreditStatusRecord.enterprise_id == case.enterprise_id) == records


def test_outcome_form_records_the_level_after(client, db, flow):
    case = _failing_rereview(flow)
    client.login("officer.futian")
    page = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert "Level after a failed re-review" in page
    response = client.submit(
        f"/cultivation/cases/{case.id}/outcome",
        {
            "outcome-outcome": "not_certified",
            "outcome-level_after": "certified",
            "outcome-decided_on": flow.today.isoformat(),
            "outcome-reason": "Trade security not met",
        },
    )
    assert response.status_code == 302
    assert _level_of(db, case.enterprise_id) == "certified"


def test_outcome_form_refuses_a_level_after_for_an_applicant(client, db, flow):
    case = flow.to_state(flow.open(), "certification_applied")
    client.login("officer.futian")
    _zh(client)
    response = client.submit(
        f"/cultivation/cases/{case.id}/outcome",
        {
            "outcome-outcome": "not_certified",
            "outcome-level_after": "regular",
            "outcome-decided_on": flow.today.isoformat(),
            "outcome-reason": "Not met",
        },
    )
    assert response.status_code == 409 and "复核未通过" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CultivationCase, case.id).state == "certification_applied"


# -- 6. the regimes before 1 November 2021 ------------------------------------------------------------------


def test_earlier_regimes_by_date(app, db):
    assert regime_on(date(2014, 11, 30)) is None
    assert regime_on(date(2014, 12, 1)) == "decree_225"
    assert regime_on(date(2018, 4, 30)) == "decree_225"
    assert regime_on(date(2018, 5, 1)) == "decree_237"
    assert regime_on(date(2021, 10, 31)) == "decree_237"
    assert regime_on(date(2021, 11, 1)) == "decree_251"


def test_history_starts_under_decree_225(db, demo):
    enterprise = demo.enterprise("Nanshan Medical")
    first = record_credit_decision(None, enterprise, level="general_credit", decided_on=date(2016, 3, 1))
    second = record_credit_decision(None, enterprise, level="general_certified", decided_on=date(2019, 6, 1))
    db.session.commit()
    assert (first.regime, second.regime) == ("decree_225", "decree_237")
    assert enterprise.credit_level == "regular"  # an older decision does not replace the current status
    with pytest.raises(InvalidInput, match="Dec 1, 2014, when Decree 225 took effect") as refused:
        record_credit_decision(None, enterprise, level="general_credit", decided_on=date(2014, 11, 30))
    assert "Nov 30, 2014" in str(refused.value)
    with pytest.raises(RuleViolation, match="Decree 237 has no level"):
        record_credit_decision(None, enterprise, level="regular", decided_on=date(2019, 1, 1))
    db.session.rollback()


def test_credit_page_records_earlier_regimes_in_both_languages(client, db, demo):
    enterprise = demo.enterprise("Nanshan Medical")
    client.login("officer.shenzhen")
    response = client.submit(
        f"/enterprises/{enterprise.id}/credit",
        {"level": "general_credit", "decided_on": "2016-03-01", "reason": "Interim Measures decision"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert (
        "Credit decision recorded." in html and "Decree 225" in html and "General credit enterprise" in html
    )
    before = _count(db, CreditStatusRecord, CreditStatusRecord.enterprise_id == enterprise.id)
    refused = client.submit(
        f"/enterprises/{enterprise.id}/credit",
        {"level": "general_credit", "decided_on": "2014-11-30", "reason": "x"},
        follow_redirects=True,
    )
    assert "when Decree 225 took effect; no credit regime was in force on" in refused.get_data(as_text=True)
    _zh(client)
    refused = client.submit(
        f"/enterprises/{enterprise.id}/credit",
        {"level": "general_credit", "decided_on": "2014-11-30", "reason": "x"},
        follow_redirects=True,
    )
    assert "第225号令" in refused.get_data(as_text=True)
    assert _count(db, CreditStatusRecord, CreditStatusRecord.enterprise_id == enterprise.id) == before


# -- 7. one-on-one coaching belongs to its enterprise ---------------------------------------------------------


def test_plan_picker_offers_only_own_one_on_one(client, db, flow, demo):
    case = _in_training(flow, ("trainee",))
    nanshan = demo.enterprise("Nanshan Medical")
    theirs = _session(db, case, 1, mode="one_on_one", enterprise_id=nanshan.id)
    ours = _session(db, case, 2, mode="one_on_one", enterprise_id=case.enterprise_id)
    theirs.title, ours.title = "Coaching for Nanshan", "Coaching for Pengcheng"
    db.session.commit()
    client.login("officer.futian")
    html = client.get(f"/cultivation/cases/{case.id}").get_data(as_text=True)
    assert "Coaching for Pengcheng" in html and "Coaching for Nanshan" not in html
    response = client.submit(f"/cultivation/cases/{case.id}/plan", {"plan-session_id": str(theirs.id)})
    assert response.status_code == 404
    assert _count(db, PlanItem, PlanItem.case_id == case.id) == 0
    response = client.submit(f"/cultivation/cases/{case.id}/plan", {"plan-session_id": str(ours.id)})
    assert response.status_code == 302
    assert _count(db, PlanItem, PlanItem.case_id == case.id) == 1


def test_service_refuses_another_enterprises_one_on_one(db, flow, demo):
    case = _in_training(flow, ("trainee",))
    theirs = _session(db, case, 1, mode="one_on_one", enterprise_id=demo.enterprise("Nanshan Medical").id)
    with pytest.raises(RuleViolation, match="belongs to its enterprise only") as refused:
        plans.add_plan_item(flow.officer(), case, session=theirs)
    assert "Nanshan Medical" in str(refused.value) and "judged on" in str(refused.value)
    db.session.rollback()
    assert _count(db, PlanItem, PlanItem.case_id == case.id) == 0
    assert _count(db, CaseEvent, CaseEvent.case_id == case.id) == 4
