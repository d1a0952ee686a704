"""Eligibility on the decision date under both credit regimes, and the one-year bars."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from lms.cultivation import eligibility, services
from lms.cultivation.models import BarEvent, CultivationCase
from lms.errors import RuleViolation
from lms.org.services import record_credit_decision


@pytest.fixture
def firm(db, demo, factory):
    """A Futian enterprise with its legal representative and a staff member."""
    enterprise = factory.enterprise(
        demo.unit("5301"),
        name_en="Regime Test Trading Co., Ltd.",
        is_key=True,
        aeo_willing=True,
        credit_score=80,
    )
    legal = factory.user("trainee", enterprise=enterprise, position="legal_representative")
    staff = factory.user("trainee", enterprise=enterprise, position="department_staff")
    db.session.commit()
    return enterprise, legal, staff


def _apply(db, clock, firm, *, opened_on: date, category="applicant"):
    enterprise, legal, staff = firm
    today = clock.day
    clock.set(opened_on)
    case = services.apply_for_cultivation(
        legal, training_type="aeo_certification", category=category, nominee_ids=[legal.id, staff.id]
    )
    clock.set(today)
    db.session.commit()
    return case


def _check(result, key):
    return next(c for c in result["checks"] if c["key"] == key)


@pytest.mark.parametrize(
    ("day", "regime", "eligible"),
    [
        (date(2026, 3, 31), "decree_251", True),
        (date(2026, 4, 1), "decree_282", False),
    ],
)
def test_decision_date_decides_regime_and_level(db, demo, clock, firm, day, regime, eligible):
    """Registered since 2024; seriously discredited from 1 April 2026, a level Decree 251 did not have."""
    enterprise, legal, staff = firm
    record_credit_decision(None, enterprise, level="registered", decided_on=date(2024, 1, 8))
    record_credit_decision(None, enterprise, level="seriously_discredited", decided_on=date(2026, 4, 1))
    clock.set(date(2026, 3, 20))
    case = _apply(db, clock, firm, opened_on=date(2026, 3, 15))
    clock.set(date(2026, 4, 2))
    officer = demo.user("officer.futian")
    if eligible:
        services.screen_case(officer, case, decided_on=day)
        db.session.commit()
        stored = db.session.get(CultivationCase, case.id).eligibility
        assert stored["regime"] == regime and stored["eligible"] is True
        assert stored["levels"] == ["advanced_certified", "registered", "discredited"]
        facts = _check(stored, "credit_status")["facts"]
        assert facts["level"] == "registered" and facts["excluded"] == ["discredited"]
    else:
        with pytest.raises(RuleViolation) as refused:
            services.screen_case(officer, case, decided_on=day)
        assert refused.value.code == "case.ineligible"
        assert "Seriously discredited enterprise" in str(refused.value)
        db.session.rollback()
        services.reject_case(officer, case, decided_on=day, reason="Seriously discredited")
        db.session.commit()
        stored = db.session.get(CultivationCase, case.id).eligibility
        assert stored["regime"] == regime and stored["eligible"] is False
        assert _check(stored, "credit_status")["facts"]["excluded"] == [
            "discredited",
            "seriously_discredited",
        ]
        assert db.session.get(CultivationCase, case.id).state == "rejected"


def test_level_of_the_earlier_regime_is_read_under_the_new_one(app, db, firm):
    enterprise, legal, staff = firm
    record_credit_decision(None, enterprise, level="registered", decided_on=date(2023, 3, 1))
    result = eligibility.evaluate(
        enterprise,
        training_type="aeo_certification",
        category="applicant",
        day=date(2026, 5, 1),
        nominees=[legal],
    )
    facts = _check(result, "credit_status")["facts"]
    assert result["regime"] == "decree_282" and result["eligible"]
    assert (facts["level"], facts["read_as"]) == ("registered", "regular")
    with app.test_request_context():
        text = eligibility.explain(_check(result, "credit_status"))
    assert "read as Regular enterprise" in text


@pytest.mark.parametrize(
    ("level", "day", "passes"),
    [
        ("advanced_certified", date(2026, 3, 31), True),
        ("registered", date(2026, 3, 31), False),
        ("certified", date(2026, 6, 1), True),  # certified exists (and is AEO) under Decree 282
        ("regular", date(2026, 6, 1), False),
    ],
)
def test_rereview_needs_an_aeo_level_of_the_regime(db, firm, level, day, passes):
    enterprise, legal, staff = firm
    record_credit_decision(None, enterprise, level=level, decided_on=day)
    result = eligibility.evaluate(
        enterprise, training_type="aeo_certification", category="aeo_rereview", day=day, nominees=[legal]
    )
    assert _check(result, "category")["passed"] is passes


def test_discredited_under_decree_251_fails(db, firm):
    enterprise, legal, staff = firm
    record_credit_decision(None, enterprise, level="discredited", decided_on=date(2025, 6, 1))
    result = eligibility.evaluate(
        enterprise,
        training_type="compliance",
        category="interested_party",
        day=date(2026, 3, 31),
        nominees=[legal],
    )
    assert not _check(result, "credit_status")["passed"] and not result["eligible"]


# -- one-year bars ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "kind"),
    [
        ([("advanced_certified", date(2022, 1, 1)), ("regular", date(2026, 6, 1))], "downgraded_from_aeo"),
        ([("discredited", date(2025, 1, 1)), ("regular", date(2026, 6, 1))], "upgraded_from_discredited"),
    ],
)
def test_credit_history_starts_a_bar(db, clock, firm, history, kind):
    enterprise, legal, staff = firm
    for level, day in history:
        record_credit_decision(None, enterprise, level=level, decided_on=day)
    db.session.commit()
    for today, holds in [
        (date(2026, 5, 31), False),
        (date(2026, 6, 1), True),
        (date(2027, 5, 31), True),
        (date(2027, 6, 1), False),
    ]:
        assert [b.kind for b in eligibility.active_bars(enterprise, today)] == ([kind] if holds else [])
    clock.set(date(2026, 12, 1))
    with pytest.raises(RuleViolation) as refused:
        services.apply_for_cultivation(
            legal, training_type="aeo_certification", category="applicant", nominee_ids=[legal.id]
        )
    assert refused.value.code == "case.one_year_bar"
    assert "Jun 1, 2027" in str(refused.value)
    db.session.rollback()
    assert db.session.execute(sa.select(sa.func.count()).select_from(CultivationCase)).scalar_one() == 0
    # Stored as dated rows once the enterprise is acted on (idempotent).
    eligibility.sync_credit_bars(enterprise)
    eligibility.sync_credit_bars(enterprise)
    db.session.commit()
    rows = (
        db.session.execute(sa.select(BarEvent).where(BarEvent.enterprise_id == enterprise.id)).scalars().all()
    )
    assert [(r.kind, r.occurred_on, r.source) for r in rows] == [(kind, date(2026, 6, 1), "credit_history")]
    clock.set(date(2027, 6, 1))
    services.apply_for_cultivation(
        legal, training_type="aeo_certification", category="applicant", nominee_ids=[legal.id]
    )


def test_failed_certification_bars_a_new_application(db, flow):
    case = flow.to_state(flow.open(), "not_certified")
    bar = db.session.execute(sa.select(BarEvent).where(BarEvent.case_id == case.id)).scalar_one()
    assert (bar.kind, bar.source, bar.occurred_on) == ("failed_certification", "certification", flow.today)
    with pytest.raises(RuleViolation) as refused:
        flow.open()
    assert "one-year bar" in str(refused.value)


def test_outcome_level_follows_the_regime(db, flow, clock):
    clock.set(date(2026, 3, 1))
    case = flow.open(opened_on=date(2026, 2, 1))
    flow.to_state(case, "certification_applied")
    officer = flow.officer()
    clock.set(date(2026, 4, 5))
    with pytest.raises(RuleViolation) as refused:
        services.certify_case(officer, case, level="certified", decided_on=date(2026, 3, 31))
    assert refused.value.field == "level" and "Decree 251" in str(refused.value)
    db.session.rollback()
    case = db.session.get(CultivationCase, case.id)
    services.certify_case(officer, case, level="certified", decided_on=date(2026, 4, 1))
    db.session.commit()
    enterprise = case.enterprise
    assert (enterprise.credit_level, enterprise.credit_regime) == ("certified", "decree_282")
    assert services.rereview_due_on(case.outcome_decided_on) == date(2031, 4, 1)
    assert services.enterprise_rereview(enterprise) == (date(2026, 4, 1), date(2031, 4, 1))


def test_failed_rereview_downgrades_and_bars(db, flow):
    case = flow.to_state(flow.open(category="aeo_rereview"), "not_certified")
    enterprise = case.enterprise
    assert enterprise.credit_level == "regular"
    kinds = {b.kind for b in eligibility.active_bars(enterprise, flow.today)}
    assert kinds == {"failed_rereview", "downgraded_from_aeo"}
