"""The readiness map, the learning path adopted into the case plan, and the effect of training (the issue's
"done when": an officer sees the map, opens an enterprise below the pass rule, adopts its path, the nominees
train, a reassessment shows items moved to meets and the report counts them)."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from lms.courses.models import Enrollment
from lms.cultivation import clock
from lms.cultivation import services as cultivation
from lms.cultivation.models import KeyTrainingList, PlanItem
from lms.database import utcnow
from lms.readiness.models import Assessment


def _case_in_training(db, demo):
    officer = demo.user("officer.futian")
    nominees = [demo.user("trainee"), demo.user("trainee.manager")]
    case = cultivation.apply_for_cultivation(
        nominees[0],
        training_type="aeo_certification",
        category="applicant",
        nominee_ids=[u.id for u in nominees],
    )
    cultivation.screen_case(officer, case, decided_on=clock.today())
    key_list = KeyTrainingList(
        unit_id=case.enterprise.unit_id,
        period="2099",
        weights={},
        position_values={},
        confirmed=True,
        confirmed_at=utcnow(),
        confirmed_by_id=officer.id,
    )
    db.session.add(key_list)
    db.session.flush()
    cultivation.list_case(officer, case, key_list)
    cultivation.start_training(officer, case, notify=False)
    db.session.commit()
    return case


def test_officer_map_path_adoption_training_reassessment_and_effect(client, db, demo, rd):
    seals = rd.course("seals-course", ["TS-03"], title="Seal practice course")
    audit = rd.course("audit-course", ["IC-03"], title="Audit practice course")
    rd.course("laws-course", ["CP-01"], title="Customs laws")
    before = rd.assessment(
        gaps={"TS-03": "does_not_meet", "IC-03": "basically_meets"}, review_by="officer.futian"
    )
    rd.assessment(
        enterprise="Futian Cross-Border",
        trainee="trainee.futian",
        gaps={"IC-01": "basically_meets"},
        review_by="officer.futian",
    )
    case = _case_in_training(db, demo)
    pengcheng = before.enterprise

    client.login("officer.futian")
    page = client.get("/readiness/map").get_data(as_text=True)
    assert page.index(pengcheng.name_en) < page.index("Futian Cross-Border")  # largest gap first
    assert "below the pass rule" in page
    by_name = client.get("/readiness/map?sort=name").get_data(as_text=True)
    assert by_name.index("Futian Cross-Border") < by_name.index(pengcheng.name_en)
    items = client.get("/readiness/map?level=items").get_data(as_text=True)
    assert "TS-03" in items and "Does not meet" in items

    enterprise_page = client.get(f"/readiness/enterprises/{pengcheng.id}").get_data(as_text=True)
    assert "Below the pass rule" in enterprise_page
    assert enterprise_page.index("Seal practice course") < enterprise_page.index(
        "Audit practice course"
    )  # most serious first
    assert "Customs laws" not in enterprise_page

    adopted = client.submit(f"/readiness/cases/{case.id}/adopt", follow_redirects=True)
    assert "2 course(s) and 0 session(s) added" in adopted.get_data(as_text=True)
    planned = set(
        db.session.execute(sa.select(PlanItem.course_id).where(PlanItem.case_id == case.id)).scalars()
    )
    assert planned == {seals.id, audit.id}
    again = client.submit(f"/readiness/cases/{case.id}/adopt", follow_redirects=True)
    assert "0 course(s) and 0 session(s) added" in again.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(PlanItem)).scalar_one() == 2

    # The nominees train: both courses completed after the first review.
    for nominee in case.nominees:
        for course in (seals, audit):
            db.session.add(
                Enrollment(
                    user_id=nominee.user_id,
                    course_id=course.id,
                    status="completed",
                    completed_at=utcnow(),
                    completed_version_id=course.published_version_id,
                )
            )
    db.session.commit()

    after = rd.assessment(review_by="officer.futian")
    assert after.id != before.id and after.final_passed
    now_page = client.get(f"/readiness/enterprises/{pengcheng.id}").get_data(as_text=True)
    assert now_page.count("moved to meets") == 2
    assert "Then:" in now_page

    effect = client.get("/readiness/effect?by=course").get_data(as_text=True)
    assert "Items moved to meets after training: 2" in effect
    assert "Seal practice course" in effect and "Audit practice course" in effect
    by_unit = client.get("/readiness/effect?by=unit").get_data(as_text=True)
    assert pengcheng.unit.name_en in by_unit
    # Another jurisdiction does not count them.
    other = client.application.test_client()
    other.login("officer.shanghai")
    assert "Items moved to meets after training: 0" in other.get("/readiness/effect").get_data(as_text=True)


def test_no_training_no_effect(client, db, demo, rd):
    rd.course("seals-course", ["TS-03"])
    rd.assessment(gaps={"TS-03": "does_not_meet"}, review_by="officer.futian")
    rd.assessment(review_by="officer.futian")
    client.login("officer.futian")
    assert "Items moved to meets after training: 0" in client.get("/readiness/effect").get_data(as_text=True)
    page = client.get(f"/readiness/enterprises/{demo.enterprise('Pengcheng').id}").get_data(as_text=True)
    assert "moved to meets" in page  # the map still shows the move


def test_heat_map_exports(client, db, demo, rd):
    rd.assessment(enterprise="Pengcheng", gaps={"TS-03": "does_not_meet"}, review_by="officer.futian")
    client.login("officer.futian")
    response = client.get("/readiness/map?format=csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:3] == ["Enterprise", "Supervising customs", "Standard"]
    assert rows[1][0].startswith("Pengcheng") and "Does not meet" in rows[1]
    xlsx = client.get("/readiness/map?format=xlsx&level=items")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert any(str(h).startswith("TS-03") for h in header)
    assert client.get("/readiness/effect?format=csv").status_code == 200


def test_trend_on_the_enterprise_page_and_chinese(client, db, demo, rd):
    rd.assessment(gaps={"TS-03": "does_not_meet"}, review_by="officer.futian")
    rd.assessment(review_by="officer.futian")
    client.login("officer.futian")
    client.submit("/language", {"language": "zh_CN", "next": "/"})
    page = client.get(f"/readiness/enterprises/{demo.enterprise('Pengcheng').id}").get_data(as_text=True)
    assert "组织机构控制" in page
    assert '<span class="trend-point fail">100</span> → <span class="trend-point pass">102</span>' in page
    assert db.session.execute(sa.select(sa.func.count()).select_from(Assessment)).scalar_one() == 2


def test_reports_page_shows_the_readiness_figure(client, db, demo, rd):
    course = rd.course("seals-course", ["TS-03"], title="Seal practice course")
    rd.assessment(gaps={"TS-03": "does_not_meet"}, review_by="officer.futian")
    trainee = demo.user("trainee")
    db.session.add(
        Enrollment(
            user_id=trainee.id,
            course_id=course.id,
            status="completed",
            completed_at=utcnow(),
            completed_version_id=course.published_version_id,
        )
    )
    db.session.commit()
    rd.assessment(review_by="officer.futian")
    client.login("officer.futian")
    page = client.get("/reports/").get_data(as_text=True)
    assert 'id="readiness-effect"' in page
    assert "Items moved to meets after training: 1" in page
    enterprise = client.get(f"/reports/enterprises/{trainee.enterprise_id}").get_data(as_text=True)
    assert "Items moved to meets after training: 1" in enterprise


def test_exports_keep_formula_like_names_as_text(client, db, demo, rd):
    rd.assessment(review_by="officer.futian")
    enterprise = demo.enterprise("Pengcheng")
    enterprise.name_en = "=HYPERLINK(1)"
    db.session.commit()
    client.login("officer.futian")
    text = client.get("/readiness/map?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text
    sheet = load_workbook(io.BytesIO(client.get("/readiness/map?format=xlsx").data)).active
    assert sheet.cell(row=2, column=1).value == "'=HYPERLINK(1)"
