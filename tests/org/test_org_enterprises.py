"""Enterprise pages: list filters and pagination, create and edit with clear errors, credit history."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from lms.org.models import CreditStatusRecord, Enterprise
from lms.org.services import record_credit_decision, regime_on
from lms.org.uscc import make_uscc


def _form(demo, **overrides):
    data = {
        "name_en": "Longgang Test Trading Co., Ltd.",
        "name_zh": "龙岗测试贸易有限公司",
        "uscc": make_uscc("91440307MA5TEKT01"),
        "customs_code": "4403960001",
        "business_type": "importer_exporter",
        "is_production": "0",
        "unit_id": demo.unit("5301").id,
        "is_key": "y",
        "aeo_willing": "y",
        "credit_score": "88",
    }
    data.update(overrides)
    return data


def _count(db):
    return db.session.execute(sa.select(sa.func.count()).select_from(Enterprise)).scalar_one()


def test_officer_creates_an_enterprise(client, demo, db):
    client.login("officer.shenzhen")
    response = client.submit("/enterprises/new", _form(demo))
    assert response.status_code == 302
    enterprise = db.session.execute(
        sa.select(Enterprise).where(Enterprise.customs_code == "4403960001")
    ).scalar_one()
    assert enterprise.is_key and enterprise.aeo_willing and enterprise.credit_score == 88
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Longgang Test Trading" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("uscc", "91440307MA5TEKT019", "check character of the unified social credit code should be"),
        ("uscc", "91440307MA5TEKTO1X", "outside the GB 32100-2015 alphabet"),
        ("uscc", "914403", "must be 18 characters, not 6"),
        ("customs_code", "44039", "exactly 10 letters or digits"),
        ("customs_code", "44039600-1", "exactly 10 letters or digits"),
        ("credit_score", "101", "between 0 and 100"),
        ("credit_score", "abc", "Not a valid integer value"),
        ("name_en", "x" * 201, "Field cannot be longer than 200 characters"),
        ("name_zh", "", "This field is required"),
    ],
)
def test_bad_input_gives_a_form_error_and_no_record(client, demo, db, field, value, message):
    client.login("officer.shenzhen")
    before = _count(db)
    response = client.submit("/enterprises/new", _form(demo, **{field: value}))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count(db) == before


def test_duplicate_codes_are_refused(client, demo, db):
    client.login("officer.shenzhen")
    existing = demo.enterprise("Pengcheng")
    response = client.submit("/enterprises/new", _form(demo, uscc=existing.uscc))
    assert "Another enterprise has this unified social credit code." in response.get_data(as_text=True)
    response = client.submit("/enterprises/new", _form(demo, customs_code=existing.customs_code))
    assert "Another enterprise has this customs code." in response.get_data(as_text=True)


def test_unit_outside_jurisdiction_is_refused(client, demo, db):
    client.login("officer.futian")
    before = _count(db)
    response = client.submit("/enterprises/new", _form(demo, unit_id=demo.unit("5302").id))
    assert "outside your jurisdiction" in response.get_data(as_text=True)
    assert _count(db) == before


def test_regional_unit_cannot_supervise_directly(client, demo):
    client.login("officer.shenzhen")
    response = client.submit("/enterprises/new", _form(demo, unit_id=demo.unit("5300").id))
    assert "supervised by a local customs unit" in response.get_data(as_text=True)


def test_edit_enterprise(client, demo):
    client.login("officer.futian")
    enterprise = demo.enterprise("Pengcheng")
    form = _form(
        demo, uscc=enterprise.uscc, customs_code=enterprise.customs_code, name_en="Pengcheng Renamed Ltd."
    )
    response = client.submit(f"/enterprises/{enterprise.id}/edit", form)
    assert response.status_code == 302
    assert demo.enterprise("Pengcheng Renamed").id == enterprise.id


def test_filters(client, demo):
    client.login("admin")
    key = client.get("/enterprises/?key=1").get_data(as_text=True)
    assert "Pengcheng Precision" in key and "Lianhua Customs Brokerage" not in key
    level = client.get("/enterprises/?level=discredited").get_data(as_text=True)
    assert "Qianhai Smart Supply Chain" in level and "Pengcheng" not in level
    unit = client.get(f"/enterprises/?unit={demo.unit('2200').id}").get_data(as_text=True)
    assert "Pudong Semiconductor" in unit and "Pengcheng" not in unit
    search = client.get("/enterprises/?q=鹏城").get_data(as_text=True)
    assert "Pengcheng Precision" in search
    assert "1 result" in search


def test_pagination(client, demo, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 10)
    client.login("admin")
    first = client.get("/enterprises/").get_data(as_text=True)
    assert "Page 1 of 3" in first
    last = client.get("/enterprises/?page=3").get_data(as_text=True)
    assert "Page 3 of 3" in last
    assert client.get("/enterprises/?page=99").status_code == 200
    assert client.get("/enterprises/?page=abc").status_code == 200


def test_list_statements_do_not_grow_with_rows(client, demo, factory, count_queries):
    client.login("admin")
    client.get("/enterprises/")
    with count_queries() as few:
        client.get("/enterprises/")
    unit = demo.unit("5301")
    for _ in range(20):
        factory.enterprise(unit)
    with count_queries() as many:
        client.get("/enterprises/")
    assert many.count == few.count


def test_credit_history_under_both_regimes(client, demo, db):
    client.login("officer.shenzhen")
    enterprise = demo.enterprise("Nanshan Medical")
    # Decree 251 had no "regular" level: a decision dated before 1 April 2026 cannot use it.
    refused = client.submit(
        f"/enterprises/{enterprise.id}/credit",
        {"level": "regular", "decided_on": "2026-03-31", "reason": "x"},
        follow_redirects=True,
    )
    assert "has no level" in refused.get_data(as_text=True)
    ok = client.submit(
        f"/enterprises/{enterprise.id}/credit",
        {"level": "certified", "decided_on": "2026-09-01", "reason": "Certified after validation"},
        follow_redirects=True,
    )
    html = ok.get_data(as_text=True)
    assert "Credit decision recorded." in html
    assert "Certified after validation" in html
    enterprise = demo.enterprise("Nanshan Medical")
    assert enterprise.credit_level == "certified"
    assert [r.level for r in enterprise.credit_history] == ["certified", "regular"]


def test_regimes_by_date(app, db):
    assert regime_on(date(2021, 10, 31)) == "decree_237"
    assert regime_on(date(2021, 11, 1)) == "decree_251"
    assert regime_on(date(2026, 3, 31)) == "decree_251"
    assert regime_on(date(2026, 4, 1)) == "decree_282"


def test_older_decision_does_not_replace_current_status(demo, db):
    enterprise = demo.enterprise("Pengcheng")
    record_credit_decision(None, enterprise, level="registered", decided_on=date(2023, 1, 1))
    db.session.commit()
    assert enterprise.credit_level == "advanced_certified"
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(CreditStatusRecord)
            .where(CreditStatusRecord.enterprise_id == enterprise.id)
        ).scalar_one()
        == 3
    )


def test_database_refuses_a_level_from_the_wrong_regime(demo, db):
    enterprise = demo.enterprise("Pengcheng")
    db.session.add(
        CreditStatusRecord(
            enterprise=enterprise, regime="decree_251", level="regular", decided_on=date(2025, 1, 1)
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
