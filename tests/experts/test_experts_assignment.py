"""Assignment rules: each hard rule refuses with its name and saves nothing; the passing cases save."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.experts.services import AssignmentRefused, assign_expert, unassign_expert
from lms.notifications.models import Notification
from lms.sessions.models import SessionExpert
from tests.experts.conftest import future_month, local


def assignments(db, session):
    return db.session.execute(
        sa.select(SessionExpert.expert_id, SessionExpert.role).where(SessionExpert.session_id == session.id)
    ).all()


@pytest.fixture
def setup(kit, world):
    day = future_month().replace(day=10)
    expert = kit.expert(world["north"], "regional", topics=["internal_control"], name="Regional North")
    session = kit.session(world["north_a"], local(day, 9), hours=3)
    return {"day": day, "expert": expert, "session": session, **world}


def refused(db, setup, expert=None, actor=None, role="lead", session=None) -> AssignmentRefused:
    session = session or setup["session"]
    with pytest.raises(AssignmentRefused) as caught:
        assign_expert(actor or setup["officer_north"], session, expert or setup["expert"], role)
    db.session.rollback()
    assert assignments(db, session) == []
    return caught.value


def assigned(db, actor, session, expert, role="lead"):
    """The assignment is saved: the expert is on the session in that role."""
    assign_expert(actor, session, expert, role)
    db.session.commit()
    assert (expert.id, role) in assignments(db, session)


def test_assignment_passes_and_notifies_the_expert(db, setup):
    row = assign_expert(setup["officer_north"], setup["session"], setup["expert"], "lead")
    db.session.commit()
    assert row.assigned_by_id == setup["officer_north"].id
    assert assignments(db, setup["session"]) == [(setup["expert"].id, "lead")]
    notice = db.session.execute(
        sa.select(Notification).where(Notification.user_id == setup["expert"].id)
    ).scalar_one()
    assert "lead expert" in notice.title.lower()


def test_refusal_is_a_rule_violation_naming_the_rule(db, kit, setup):
    kit.assign(kit.session(setup["north"], local(setup["day"], 10)), setup["expert"])
    error = refused(db, setup)
    assert isinstance(error, RuleViolation)
    assert error.status_code == 409
    assert error.code == "overlap"
    assert "overlaps" in str(error)


def test_overlap_with_another_session(db, kit, setup):
    kit.assign(kit.session(setup["north_b"], local(setup["day"], 11), hours=2), setup["expert"])
    assert refused(db, setup).rules == ["overlap"]


def test_cancelled_sessions_do_not_count_as_overlap(db, kit, setup):
    kit.assign(kit.session(setup["north_b"], local(setup["day"], 9), status="cancelled"), setup["expert"])
    assigned(db, setup["officer_north"], setup["session"], setup["expert"])


@pytest.mark.parametrize(("ends_hour", "ends_minute", "allowed"), [(7, 0, True), (7, 1, False)])
def test_travel_buffer_edge_before(db, kit, setup, ends_hour, ends_minute, allowed):
    """Default buffer 120 minutes: ending exactly two hours before is fine, a minute later is not."""
    starts = local(setup["day"], 5)
    other = kit.session(
        setup["north_b"],
        starts,
        hours=(local(setup["day"], ends_hour, ends_minute) - starts).total_seconds() / 3600,
    )
    kit.assign(other, setup["expert"])
    if allowed:
        assign_expert(setup["officer_north"], setup["session"], setup["expert"], "lead")
    else:
        assert refused(db, setup).rules == ["overlap"]


@pytest.mark.parametrize(("start_minute", "allowed"), [(0, True), (59, False)])
def test_travel_buffer_edge_after(db, kit, setup, start_minute, allowed):
    """The session ends 12:00; another starting 14:00 is fine, 13:59 is not."""
    hour = 14 if start_minute == 0 else 13
    kit.assign(kit.session(setup["north_b"], local(setup["day"], hour, start_minute)), setup["expert"])
    if allowed:
        assign_expert(setup["officer_north"], setup["session"], setup["expert"], "lead")
    else:
        assert refused(db, setup).rules == ["overlap"]


def test_travel_buffer_is_a_setting(app, db, kit, setup, monkeypatch):
    monkeypatch.setitem(app.config, "EXPERT_TRAVEL_BUFFER_MINUTES", 30)
    kit.assign(
        kit.session(setup["north_b"], local(setup["day"], 6), hours=2.5), setup["expert"]
    )  # ends 08:30
    assigned(db, setup["officer_north"], setup["session"], setup["expert"])


def test_regional_expert_only_within_their_region(db, kit, setup):
    south_session = kit.session(setup["south_a"], local(setup["day"], 9))
    error = refused(db, setup, actor=setup["admin"], session=south_session)
    assert error.rules == ["region"]
    assert "North" in str(error)


def test_regional_expert_from_a_local_unit_teaches_across_their_region(db, kit, setup):
    expert = kit.expert(setup["north_b"], "regional")
    assigned(db, setup["officer_north"], setup["session"], expert)


def test_national_expert_teaches_anywhere(db, kit, setup):
    national = kit.expert(setup["gacc"], "national")
    south_session = kit.session(setup["south_a"], local(setup["day"] + timedelta(days=1), 9))
    assigned(db, setup["officer_south"], south_session, national)
    assigned(db, setup["officer_north"], setup["session"], national)


def test_monthly_maximum(db, kit, setup):
    setup["expert"].id  # noqa: B018 - loaded before changing the profile
    kit.profile(setup["expert"]).max_sessions_per_month = 2
    for day in (2, 20):
        kit.assign(kit.session(setup["north"], local(setup["day"].replace(day=day), 9)), setup["expert"])
    error = refused(db, setup)
    assert error.rules == ["monthly_maximum"]
    assert "maximum is 2" in str(error)


def test_monthly_maximum_edge_one_below(db, kit, setup):
    kit.profile(setup["expert"]).max_sessions_per_month = 3
    for day in (2, 20):
        kit.assign(kit.session(setup["north"], local(setup["day"].replace(day=day), 9)), setup["expert"])
    assigned(db, setup["officer_north"], setup["session"], setup["expert"])


def test_monthly_maximum_counts_the_month_in_shanghai_time(db, kit, setup):
    """A session at 00:30 on the 1st in Shanghai is 16:30 UTC the day before: it counts in the new month."""
    kit.profile(setup["expert"]).max_sessions_per_month = 1
    first = setup["day"].replace(day=1)
    previous_evening = kit.session(setup["north"], local(first - timedelta(days=1), 20), hours=1)
    kit.assign(previous_evening, setup["expert"])
    assign_expert(
        setup["officer_north"], setup["session"], setup["expert"], "lead"
    )  # previous month: not counted
    db.session.commit()
    early = kit.session(setup["north_b"], local(first, 0, 30), hours=1)
    error = refused(db, setup, session=early)
    assert error.rules == ["monthly_maximum"]


def test_unavailable_period(db, kit, setup):
    kit.unavailable(setup["expert"], setup["day"] - timedelta(days=2), setup["day"], "Annual leave")
    error = refused(db, setup)
    assert error.rules == ["unavailable"]
    assert "Annual leave" in str(error)


def test_unavailable_period_ending_the_day_before_is_fine(db, kit, setup):
    kit.unavailable(setup["expert"], setup["day"] - timedelta(days=5), setup["day"] - timedelta(days=1))
    kit.unavailable(setup["expert"], setup["day"] + timedelta(days=1), setup["day"] + timedelta(days=3))
    assigned(db, setup["officer_north"], setup["session"], setup["expert"])


def test_conflict_of_interest_one_on_one(db, kit, factory, setup):
    enterprise = factory.enterprise(setup["north_a"], name_en="Audited Ltd")
    coaching = kit.session(
        setup["north_a"], local(setup["day"], 14), mode="one_on_one", enterprise=enterprise
    )
    kit.involvement(
        setup["expert"], enterprise, setup["day"] - timedelta(days=30), setup["day"] + timedelta(days=30)
    )
    error = refused(db, setup, session=coaching)
    assert error.rules == ["conflict_of_interest"]
    assert "Audited Ltd" in str(error)


def test_conflict_of_interest_onsite_host(db, kit, factory, setup):
    host = factory.enterprise(setup["north_a"], credit_level="advanced_certified")
    visit = kit.session(setup["north_a"], local(setup["day"], 14), mode="onsite", host=host)
    kit.involvement(setup["expert"], host, setup["day"], None, kind="validation")  # in progress
    assert refused(db, setup, session=visit).rules == ["conflict_of_interest"]


def test_conflict_of_interest_through_a_confirmed_registration(db, kit, factory, setup):
    enterprise = factory.enterprise(setup["north_a"])
    kit.register(setup["session"], factory.user("trainee", enterprise=enterprise))
    kit.involvement(setup["expert"], enterprise, setup["day"] - timedelta(days=1), setup["day"])
    assert refused(db, setup).rules == ["conflict_of_interest"]


def test_no_conflict_for_consulting_past_audits_or_waitlisted_trainees(db, kit, factory, setup):
    consulted = factory.enterprise(setup["north_a"])
    audited_before = factory.enterprise(setup["north_a"])
    waiting = factory.enterprise(setup["north_a"])
    kit.register(setup["session"], factory.user("trainee", enterprise=consulted))
    kit.register(setup["session"], factory.user("trainee", enterprise=audited_before))
    kit.register(setup["session"], factory.user("trainee", enterprise=waiting), status="waitlisted")
    kit.involvement(setup["expert"], consulted, setup["day"], None, kind="consulting")
    kit.involvement(
        setup["expert"], audited_before, setup["day"] - timedelta(days=60), setup["day"] - timedelta(days=1)
    )
    kit.involvement(setup["expert"], waiting, setup["day"], None, kind="audit")
    assigned(db, setup["officer_north"], setup["session"], setup["expert"])


@pytest.mark.parametrize("officer", ["officer_south", "officer_north_a"])
def test_officer_needs_the_session_unit_in_jurisdiction(db, kit, setup, officer):
    session = kit.session(setup["north"], local(setup["day"], 15))
    error = refused(db, setup, actor=setup[officer], session=session)
    assert error.rules == ["jurisdiction"]


def test_local_officer_assigns_on_their_own_sessions(db, setup):
    assigned(db, setup["officer_north_a"], setup["session"], setup["expert"])


@pytest.mark.parametrize("role", ["expert", "trainee"])
def test_only_staff_assign(db, factory, setup, role):
    actor = (
        setup["expert"]
        if role == "expert"
        else factory.user("trainee", enterprise=factory.enterprise(setup["north_a"]))
    )
    with pytest.raises(NotPermitted):
        assign_expert(actor, setup["session"], setup["expert"], "lead")


def test_one_lead_per_session_and_no_double_assignment(db, kit, setup):
    other = kit.expert(setup["north_b"], "regional")
    assign_expert(setup["officer_north"], setup["session"], setup["expert"], "lead")
    db.session.commit()
    assert refused_keep(db, setup, other, "lead").rules == ["lead_taken"]
    assert refused_keep(db, setup, setup["expert"], "assistant").rules == ["already_assigned"]
    assign_expert(setup["officer_north"], setup["session"], other, "assistant")
    db.session.commit()
    assert sorted(r for _, r in assignments(db, setup["session"])) == ["assistant", "lead"]


def refused_keep(db, setup, expert, role) -> AssignmentRefused:
    before = assignments(db, setup["session"])
    with pytest.raises(AssignmentRefused) as caught:
        assign_expert(setup["officer_north"], setup["session"], expert, role)
    db.session.rollback()
    assert assignments(db, setup["session"]) == before
    return caught.value


@pytest.mark.parametrize("state", ["cancelled", "completed", "past"])
def test_closed_sessions_take_no_experts(db, kit, setup, state):
    if state == "past":
        session = kit.session(setup["north_a"], local(future_month(-1).replace(day=3), 9))
    else:
        session = kit.session(setup["north_a"], local(setup["day"], 15), status=state)
    assert refused(db, setup, session=session).rules == ["session_closed"]


def test_every_failing_rule_is_listed(db, kit, factory, setup):
    south_session = kit.session(
        setup["south_a"],
        local(setup["day"], 9),
        mode="one_on_one",
        enterprise=factory.enterprise(setup["south_a"]),
    )
    kit.assign(kit.session(setup["north"], local(setup["day"], 10)), setup["expert"])
    kit.unavailable(setup["expert"], setup["day"], setup["day"])
    kit.involvement(setup["expert"], south_session.enterprise, setup["day"], None)
    kit.profile(setup["expert"]).max_sessions_per_month = 1
    error = refused(db, setup, actor=setup["admin"], session=south_session)
    assert error.rules == ["overlap", "region", "monthly_maximum", "unavailable", "conflict_of_interest"]
    assert error.code == "overlap"


def test_unknown_role_is_invalid_input(db, setup):
    with pytest.raises(InvalidInput):
        assign_expert(setup["officer_north"], setup["session"], setup["expert"], "chief")


def test_unassign(db, kit, setup):
    row = assign_expert(setup["officer_north"], setup["session"], setup["expert"], "lead")
    db.session.commit()
    with pytest.raises(AssignmentRefused) as caught:
        unassign_expert(setup["officer_south"], row)
    assert caught.value.rules == ["jurisdiction"]
    db.session.rollback()
    unassign_expert(setup["officer_north"], db.session.get(SessionExpert, row.id))
    db.session.commit()
    assert assignments(db, setup["session"]) == []
