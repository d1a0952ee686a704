"""Ranking with a known data set: scores and order computed by hand; exports equal the page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from lms.config import SETTINGS
from lms.cultivation import keylists
from lms.cultivation.models import KeyListEntry, KeyTrainingList
from lms.cultivation.ranking import rank_key_training_list
from lms.cultivation.settings import DEFAULT_POSITION_VALUES, DEFAULT_RANKING_WEIGHTS

WEIGHTS = {k: Decimal(v) for k, v in DEFAULT_RANKING_WEIGHTS.items()}  # 30 / 25 / 30 / 15
POSITIONS = {k: Decimal(str(v)) for k, v in DEFAULT_POSITION_VALUES.items()}  # 1 / 0.6 / 0.3 / 0


def fake_case(case_id, *, key, willing, score, positions, opened_day=1):
    enterprise = SimpleNamespace(is_key=key, aeo_willing=willing, credit_score=score)
    nominees = [SimpleNamespace(position=p) for p in positions]
    return SimpleNamespace(
        id=case_id,
        enterprise=enterprise,
        nominees=nominees,
        opened_at=datetime(2026, 5, opened_day, tzinfo=UTC),
    )


def test_known_data_set():
    cases = [
        # A: 30 + 25 + 30×0.92 + 15×1   = 97.60
        fake_case(
            1, key=True, willing=True, score=92, positions=["department_staff", "legal_representative"]
        ),
        # B: 0 + 25 + 30×0.78 + 15×0.6  = 57.40
        fake_case(2, key=False, willing=True, score=78, positions=["senior_management"]),
        # C: 30 + 0 + 30×0.69 + 15×0.3  = 55.20
        fake_case(3, key=True, willing=False, score=69, positions=["department_staff"]),
        # D: 0 + 0 + 0 (no score) + 0 (other) = 0.00
        fake_case(4, key=False, willing=False, score=None, positions=["other"]),
        # E: same score as B, applied earlier: ranks before B
        fake_case(5, key=False, willing=True, score=78, positions=["senior_management", "department_staff"]),
    ]
    cases[4].opened_at = datetime(2026, 4, 30, tzinfo=UTC)
    ranked = rank_key_training_list(cases, WEIGHTS, POSITIONS)
    assert [(r.case.id, r.rank, r.score) for r in ranked] == [
        (1, 1, Decimal("97.60")),
        (5, 2, Decimal("57.40")),
        (2, 3, Decimal("57.40")),
        (3, 4, Decimal("55.20")),
        (4, 5, Decimal("0.00")),
    ]
    first = {c.key: c for c in ranked[0].breakdown}
    assert first["key_enterprise"].points == Decimal("30.00")
    assert first["aeo_willingness"].points == Decimal("25.00")
    assert first["credit_score"].points == Decimal("27.60")
    assert first["nominee_positions"].points == Decimal("15.00")
    assert first["nominee_positions"].basis == "legal_representative"
    assert ranked[0].breakdown_dict()["credit_score"] == {
        "value": "0.92",
        "weight": "30",
        "points": "27.60",
        "basis": "92",
    }


def test_weights_change_the_order():
    a = fake_case(1, key=True, willing=False, score=60, positions=["department_staff"])
    b = fake_case(2, key=False, willing=True, score=90, positions=["legal_representative"])
    assert [r.case.id for r in rank_key_training_list([a, b], WEIGHTS, POSITIONS)] == [2, 1]
    heavy_key = dict(WEIGHTS, key_enterprise=Decimal(100))
    assert [r.case.id for r in rank_key_training_list([a, b], heavy_key, POSITIONS)] == [1, 2]


def test_weights_come_from_the_settings(app, db):
    from lms.cultivation import settings

    app.config["RANKING_WEIGHTS"] = {"key_enterprise": 50, "bogus": 3}
    try:
        weights = settings.ranking_weights()
    finally:
        app.config["RANKING_WEIGHTS"] = SETTINGS["RANKING_WEIGHTS"].default
    assert weights == {
        "key_enterprise": Decimal(50),
        "aeo_willingness": Decimal(25),
        "credit_score": Decimal(30),
        "nominee_positions": Decimal(15),
    }


@pytest.fixture
def shenzhen_list(db, flow):
    """Three screened Shenzhen cases ranked on the 2026-H2 list of Shenzhen Customs."""
    demo = flow.demo
    # Pengcheng: key, willing, 92, legal representative → 30 + 25 + 27.6 + 15 = 97.60
    pengcheng = flow.to_state(flow.open(nominees=("trainee", "trainee.customs")), "screened")
    # Shekou Harbour: key, willing, 88, senior management → 30 + 25 + 26.4 + 9 = 90.40
    shekou = flow.to_state(
        flow.open(enterprise="Shekou", nominees=("trainee.shekou",), nominated_by="officer.shenzhen"),
        "screened",
        officer="officer.shenzhen",
    )
    # Nanshan Medical: not key, willing, 81, department staff → 0 + 25 + 24.3 + 4.5 = 53.80
    nanshan = flow.to_state(
        flow.open(enterprise="Nanshan", nominees=("trainee.nanshan",), nominated_by="officer.shenzhen"),
        "screened",
        officer="officer.shenzhen",
    )
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), demo.unit("5300"), "2026-H2")
    db.session.commit()
    return key_list, (pengcheng, shekou, nanshan)


def test_build_ranks_screened_cases_of_the_unit(db, shenzhen_list):
    key_list, (pengcheng, shekou, nanshan) = shenzhen_list
    rows = keylists.list_rows(key_list)
    assert [(r.case.id, r.rank, r.entry.score) for r in rows] == [
        (pengcheng.id, 1, Decimal("97.60")),
        (shekou.id, 2, Decimal("90.40")),
        (nanshan.id, 3, Decimal("53.80")),
    ]
    assert rows[2].points["nominee_positions"] == Decimal("4.50")


def _page_rows(html: str) -> list[tuple[str, str, str]]:
    return re.findall(r'data-case="([^"]+)" data-score="([^"]+)" data-rank="([^"]*)"', html)


def test_adjust_confirm_and_export(client, db, flow, shenzhen_list):
    key_list, (pengcheng, shekou, nanshan) = shenzhen_list
    entries = {e.case_id: e.id for e in key_list.entries}
    client.login("officer.shenzhen")
    base = f"/cultivation/key-lists/{key_list.id}"
    # An adjustment without a reason is refused, naming the rule.
    response = client.submit(f"{base}/entries/{entries[nanshan.id]}/up", {"reason": ""})
    assert response.status_code == 400
    assert "every adjustment of the ranking states its reason" in response.get_data(as_text=True)
    assert (
        client.submit(
            f"{base}/entries/{entries[nanshan.id]}/up", {"reason": "Medical devices priority"}
        ).status_code
        == 302
    )
    assert (
        client.submit(
            f"{base}/entries/{entries[pengcheng.id]}/exclude", {"reason": "Already an AEO"}
        ).status_code
        == 302
    )
    html = client.get(base).get_data(as_text=True)
    assert _page_rows(html) == [
        (pengcheng.reference, "97.60", ""),
        (nanshan.reference, "53.80", "1"),
        (shekou.reference, "90.40", "2"),
    ]
    assert "Medical devices priority" in html

    assert client.submit(f"{base}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get(KeyTrainingList, key_list.id).confirmed
    states = {c.id: db.session.get(type(c), c.id).state for c in (pengcheng, shekou, nanshan)}
    assert states == {pengcheng.id: "screened", shekou.id: "in_training", nanshan.id: "in_training"}

    # Fixed: no more adjustments, no second confirmation.
    response = client.submit(f"{base}/entries/{entries[shekou.id]}/down", {"reason": "late change"})
    assert response.status_code == 409
    assert "confirmed key training list is fixed" in response.get_data(as_text=True)
    assert client.submit(f"{base}/confirm").status_code == 409

    html = client.get(base).get_data(as_text=True)
    page = _page_rows(html)
    csv_text = client.get(f"{base}/export.csv").get_data(as_text=True).lstrip("\ufeff")
    csv_rows = list(csv.reader(io.StringIO(csv_text)))
    header, body = csv_rows[0], csv_rows[1:]
    assert header[:3] == ["Rank", "Case", "Enterprise"] and header[-3:] == [
        "Score",
        "Included",
        "Adjustments",
    ]
    assert [(r[1], r[-3], r[0]) for r in body] == page

    workbook = load_workbook(io.BytesIO(client.get(f"{base}/export.xlsx").data))
    sheet = workbook.active
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == header
    assert [
        (r[1], f"{Decimal(str(r[-3])):.2f}", "" if r[0] in (None, "") else str(r[0])) for r in values[1:]
    ] == page
    # The same breakdown points on every row as on the page.
    assert [r[7] for r in body] == ["30.00", "0.00", "30.00"]


def test_confirmed_list_is_fixed_in_the_database(db, flow, shenzhen_list):
    key_list, _ = shenzhen_list
    keylists.confirm_key_list(flow.officer("officer.shenzhen"), key_list)
    db.session.commit()
    entry = db.session.get(KeyListEntry, key_list.entries[0].id)
    entry.score = Decimal("1")
    with pytest.raises(Exception, match="confirmed key training list is fixed"):
        db.session.commit()
    db.session.rollback()
    key_list = db.session.get(KeyTrainingList, key_list.id)
    key_list.period = "2027"
    with pytest.raises(Exception, match="confirmed key training list is fixed"):
        db.session.commit()
    db.session.rollback()


def test_period_and_duplicates_refused(client, db, flow):
    client.login("officer.shenzhen")
    unit = flow.demo.unit("5300")
    response = client.submit("/cultivation/key-lists", {"unit_id": str(unit.id), "period": "second half"})
    assert response.status_code == 400
    assert "half-year (2026-H2)" in response.get_data(as_text=True)
    assert (
        client.submit("/cultivation/key-lists", {"unit_id": str(unit.id), "period": "2026-h2"}).status_code
        == 302
    )
    response = client.submit("/cultivation/key-lists", {"unit_id": str(unit.id), "period": "2026-H2"})
    assert response.status_code == 409
    assert "one key training list per unit and period" in response.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(KeyTrainingList)).scalar_one() == 1


def test_empty_list_cannot_be_confirmed(client, db, flow):
    key_list = keylists.build_key_list(flow.officer("officer.shenzhen"), flow.demo.unit("5300"), "2026")
    db.session.commit()
    client.login("officer.shenzhen")
    response = client.submit(f"/cultivation/key-lists/{key_list.id}/confirm")
    assert response.status_code == 409
    assert "at least one case" in response.get_data(as_text=True)


def test_confirm_now_start_training_later(client, db, flow, shenzhen_list):
    key_list, (pengcheng, shekou, nanshan) = shenzhen_list
    client.login("officer.shenzhen")
    assert client.submit(f"/cultivation/key-lists/{key_list.id}/confirm", {"start": "0"}).status_code == 302
    db.session.expire_all()
    assert {db.session.get(type(c), c.id).state for c in (pengcheng, shekou, nanshan)} == {"listed"}
    html = client.get(f"/cultivation/cases/{shekou.id}").get_data(as_text=True)
    assert "action-start" in html and "action-suspend" not in html
    response = client.submit(
        f"/cultivation/cases/{shekou.id}/start", {"start-started_on": flow.today.isoformat()}
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(type(shekou), shekou.id)
    assert (case.state, case.training_started_on, case.key_list_id) == (
        "in_training",
        flow.today,
        key_list.id,
    )
