"""Jurisdiction of every report page and export, bad filters, and statement counts that do not grow."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from lms.courses.models import Enrollment
from lms.org.models import Enterprise
from lms.quizzes.models import Attempt
from lms.sessions.models import Registration
from tests.reports.conftest import PERIOD, at

Q = "?" + urlencode(PERIOD)

# name -> (url builder, the officers whose jurisdiction holds it)
TARGETS = {
    "dashboard": (lambda d: "/reports/", None),
    "unit_shenzhen": (lambda d: f"/reports/units/{d.units['5300'].id}", {"officer.shenzhen"}),
    "unit_futian": (lambda d: f"/reports/units/{d.units['5301'].id}", {"officer.shenzhen", "officer.futian"}),
    "unit_shekou": (lambda d: f"/reports/units/{d.units['5302'].id}", {"officer.shenzhen"}),
    "unit_filter": (lambda d: f"/reports/?unit={d.units['5302'].id}", {"officer.shenzhen"}),
    "enterprise_pengcheng": (
        lambda d: f"/reports/enterprises/{d.enterprises['P'].id}",
        {"officer.shenzhen", "officer.futian"},
    ),
    "enterprise_shekou": (lambda d: f"/reports/enterprises/{d.enterprises['S'].id}", {"officer.shenzhen"}),
    "trainee_t1": (lambda d: f"/reports/trainees/{d.users['T1'].id}", {"officer.shenzhen", "officer.futian"}),
    "trainee_t6": (lambda d: f"/reports/trainees/{d.users['T6'].id}", {"officer.shenzhen"}),
    "export_units_csv": (
        lambda d: f"/reports/unit/{d.units['5300'].id}/export/units.csv",
        {"officer.shenzhen"},
    ),
    "export_enterprises_xlsx": (
        lambda d: f"/reports/unit/{d.units['5302'].id}/export/enterprises.xlsx",
        {"officer.shenzhen"},
    ),
    "export_trainees_xlsx": (
        lambda d: f"/reports/enterprise/{d.enterprises['P'].id}/export/trainees.xlsx",
        {"officer.shenzhen", "officer.futian"},
    ),
    "export_summary_csv": (
        lambda d: f"/reports/enterprise/{d.enterprises['S'].id}/export/summary.csv",
        {"officer.shenzhen"},
    ),
    "export_trainee_courses": (
        lambda d: f"/reports/trainee/{d.users['T6'].id}/export/courses.csv",
        {"officer.shenzhen"},
    ),
    "dossier_pengcheng": (
        lambda d: f"/reports/enterprises/{d.enterprises['P'].id}/dossier.pdf",
        {"officer.shenzhen", "officer.futian"},
    ),
    "dossier_shekou": (
        lambda d: f"/reports/enterprises/{d.enterprises['S'].id}/dossier.pdf",
        {"officer.shenzhen"},
    ),
}
ROLES = [
    "anonymous",
    "trainee",
    "trainee.shekou",
    "expert.shenzhen",
    "expert.national",
    "officer.shenzhen",
    "officer.futian",
    "officer.shanghai",
    "admin",
]


def expected_status(role: str, target: str) -> int:
    if role == "anonymous":
        return 302
    if role.startswith(("trainee", "expert")):
        return 403
    if role == "admin":
        return 200
    officers = TARGETS[target][1]
    return 200 if officers is None or role in officers else 404


@pytest.mark.parametrize("role", ROLES)
def test_every_report_page_and_export_is_scoped_to_the_jurisdiction(client, data, role):
    if role != "anonymous":
        client.login(role)
    for target, (url, _officers) in TARGETS.items():
        address = url(data)
        response = client.get(address + ("&" if "?" in address else "?") + urlencode(PERIOD), buffered=True)
        assert response.status_code == expected_status(role, target), (role, target, response.status_code)
        if response.status_code == 302:
            assert "/login" in response.headers["Location"]


def test_an_officer_sees_only_their_own_figures(client, data, read):
    client.login("officer.shanghai")
    page = read(client.get("/reports/" + Q))
    assert page.figures["completion_rate"] == "100.0"  # E11 only
    assert page.figures["pass_rate"] == "100.0"
    assert {row["label"] for row in page.tables["units"]} == {"Pudong Customs", "Waigaoqiao Customs"}


@pytest.mark.parametrize("who", ["expert.shenzhen", "officer.futian", "admin"])
def test_only_trainees_have_trainee_reports(client, data, demo, who):
    client.login("officer.shenzhen")
    assert client.get(f"/reports/trainees/{demo.user(who).id}").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/reports/unit/{unit}/export/nothing.csv",
        "/reports/unit/{unit}/export/units.pdf",
        "/reports/planet/{unit}/export/units.csv",
        "/reports/unit/{unit}/export/trainees.csv",  # a table of enterprise pages only
        "/reports/units/999999",
        "/reports/enterprises/999999",
    ],
)
def test_unknown_exports_and_ids_answer_404(client, data, url):
    client.login("officer.shenzhen")
    assert client.get(url.format(unit=data.units["5300"].id)).status_code == 404


BAD_FILTERS = [
    ({"period": "custom", "start": "2025-13-01", "end": "2025-12-31"}, "as a date (YYYY-MM-DD)"),
    ({"period": "custom", "start": "yesterday", "end": "2025-12-31"}, "as a date (YYYY-MM-DD)"),
    (
        {"period": "custom", "start": "2025-06-01", "end": "2025-05-31"},
        "The end date is before the start date.",
    ),
    ({"period": "custom", "start": "1999-12-31", "end": "2025-05-31"}, "Dates must lie between"),
    ({"period": "custom", "start": "2025-01-01", "end": "2999-01-01"}, "Dates must lie between"),
    ({"period": "custom", "start": "2000-01-01", "end": "2012-01-01"}, "at most ten years"),
    ({"period": "custom", "start": "2025-01-01"}, "Give both a start date and an end date"),
    ({"period": "someday"}, "Unknown period."),
    ({"period": "year", "course": "abc"}, "Choose a value from the list."),
    ({"period": "year", "course": "999999"}, "Choose a value from the list."),
    ({"period": "year", "expert": "-3"}, "Choose a value from the list."),
]


@pytest.mark.parametrize("args,message", BAD_FILTERS)
def test_bad_filters_give_a_message_not_an_error(client, data, args, message):
    client.login("officer.shenzhen")
    query = "?" + urlencode(args)
    for url in (
        "/reports/",
        f"/reports/enterprises/{data.enterprises['P'].id}",
        f"/reports/trainees/{data.users['T1'].id}",
    ):
        response = client.get(url + query)
        assert response.status_code == 400, url
        html = response.get_data(as_text=True)
        assert message in html
        assert 'class="form-errors"' in html and "report-filters" in html
    for url in (
        f"/reports/unit/{data.units['5300'].id}/export/units.csv",
        f"/reports/enterprises/{data.enterprises['P'].id}/dossier.pdf",
    ):
        response = client.get(url + query)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_a_trainee_is_not_an_expert_to_filter_by(client, data):
    client.login("officer.shenzhen")
    response = client.get("/reports/?" + urlencode({"expert": data.users["T1"].id}))
    assert response.status_code == 400


# -- statement counts -------------------------------------------------------------------------------------


def _grow(data, factory, db, n: int) -> None:
    """More enterprises, trainees, enrolments, attempts and registrations in the same units."""
    futian = data.units["5301"]
    qa, eb = data.quizzes["QA"], data.quizzes["EB"]
    for i in range(n):
        enterprise = factory.enterprise(futian)
        for _j in range(2):
            trainee = factory.user("trainee", enterprise=enterprise)
            db.session.add(Enrollment(user_id=trainee.id, course_id=data.A.id, enrolled_at=at("2025-05-02")))
            db.session.add(
                Attempt(
                    quiz_id=qa.id,
                    user_id=trainee.id,
                    number=1,
                    status="graded",
                    started_at=at("2025-05-03T03:00"),
                    submitted_at=at("2025-05-03"),
                    graded_at=at("2025-05-03"),
                    closed_by="trainee",
                    score=50 + i,
                    max_score=100,
                    percent=50 + i,
                    passed=True,
                )
            )
            db.session.add(
                Registration(
                    session_id=data.S1.id, user_id=trainee.id, status="confirmed", attendance="present"
                )
            )
    pengcheng = data.enterprises["P"]
    for _k in range(n):
        trainee = factory.user("trainee", enterprise=pengcheng)
        db.session.add(
            Attempt(
                quiz_id=eb.id,
                user_id=trainee.id,
                number=1,
                status="graded",
                started_at=at("2025-06-03T03:00"),
                submitted_at=at("2025-06-03"),
                graded_at=at("2025-06-03"),
                closed_by="trainee",
                score=80,
                max_score=100,
                percent=80,
                passed=True,
            )
        )
    db.session.commit()


def test_statement_count_of_each_page_does_not_grow_with_rows(client, data, db, factory, count_queries):
    client.login("officer.shenzhen")
    urls = [
        "/reports/",
        f"/reports/units/{data.units['5301'].id}",
        f"/reports/enterprises/{data.enterprises['P'].id}",
        f"/reports/trainees/{data.users['T1'].id}",
    ]

    def counts():
        out = []
        for url in urls:
            with count_queries() as counter:
                assert client.get(url + Q).status_code == 200
            out.append(counter.count)
        return out

    before = counts()
    _grow(data, factory, db, 30)  # more enterprises than a page holds
    after = counts()
    assert after == before


def test_export_streams_every_row_in_chunks(client, data, db, factory, monkeypatch):
    from lms.reports import tables

    monkeypatch.setattr(tables, "EXPORT_CHUNK", 7)
    _grow(data, factory, db, 30)
    client.login("officer.shenzhen")
    response = client.get(f"/reports/unit/{data.units['5301'].id}/export/enterprises.csv" + Q, buffered=True)
    lines = response.get_data(as_text=True).strip().splitlines()
    supervised = db.session.execute(
        sa.select(sa.func.count()).select_from(Enterprise).where(Enterprise.unit_id == data.units["5301"].id)
    ).scalar_one()
    assert supervised == 3 + 30  # the demo's three Futian enterprises and the new ones
    assert len(lines) == 1 + supervised
    assert len({line.split(",")[0] for line in lines[1:]}) == supervised  # each once, across chunks of 7
