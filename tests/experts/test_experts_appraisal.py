"""Appraisal figures on a hand-computed data set, per jurisdiction and period; CSV; one query per table."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from lms.errors import InvalidInput
from lms.experts.appraisal import appraisal_rows, parse_period
from tests.experts.conftest import local


@pytest.fixture
def taught(kit, factory, world):
    """March 2025 (all in the past):

    S1 north_a, 5 Mar 09:00–12:00, completed; Alpha lead, Bravo assistant. Confirmed seats: present,
       late, absent, excused; plus a cancelled and a waitlisted registration.
       Feedback (content, expert, organisation, usefulness): (4,5,3,4), (5,4,4,5).
    S2 north_b, 20 Mar 14:00–15:30, still "open" but over; Alpha. Confirmed: present, not marked.
       Feedback (3,3,3,3).
    S3 north_a, 25 Mar, cancelled; Alpha. A confirmed present seat that must not count.
    S4 north_a, 2 Apr 10:00–12:00, completed; Alpha. Outside March.
    S5 south_a, 10 Mar 09:00–11:00, completed; Bravo. Confirmed: present. Feedback (2,1,2,3).
    """
    alpha = kit.expert(world["north"], "regional", name="Alpha")
    bravo = kit.expert(world["gacc"], "national", name="Bravo")
    kit.expert(world["north_b"], "regional", name="Idle North")
    north_firm, south_firm = factory.enterprise(world["north_a"]), factory.enterprise(world["south_a"])
    trainees = [factory.user("trainee", enterprise=north_firm) for _ in range(6)]
    south_trainee = factory.user("trainee", enterprise=south_firm)

    s1 = kit.session(world["north_a"], local(date(2025, 3, 5), 9), hours=3, status="completed")
    kit.assign(s1, alpha, "lead")
    kit.assign(s1, bravo, "assistant")
    seats = [
        kit.register(s1, t, attendance=a)
        for t, a in zip(trainees, ["present", "late", "absent", "excused"], strict=False)
    ]
    kit.register(s1, trainees[4], status="cancelled")
    kit.register(s1, trainees[5], status="waitlisted")
    kit.feedback(seats[0], 4, 5, 3, 4)
    kit.feedback(seats[1], 5, 4, 4, 5)

    s2 = kit.session(world["north_b"], local(date(2025, 3, 20), 14), hours=1.5, status="open")
    kit.assign(s2, alpha, "lead")
    first = kit.register(s2, trainees[0], attendance="present")
    kit.register(s2, trainees[1])
    kit.feedback(first, 3, 3, 3, 3)

    s3 = kit.session(world["north_a"], local(date(2025, 3, 25), 9), status="cancelled")
    kit.assign(s3, alpha, "lead")
    kit.register(s3, trainees[2], attendance="present")

    s4 = kit.session(world["north_a"], local(date(2025, 4, 2), 10), hours=2, status="completed")
    kit.assign(s4, alpha, "lead")

    s5 = kit.session(world["south_a"], local(date(2025, 3, 10), 9), hours=2, status="completed")
    kit.assign(s5, bravo, "lead")
    kit.feedback(kit.register(s5, south_trainee, attendance="present"), 2, 1, 2, 3)
    return world


MARCH = MultiDict({"period": "month", "year": "2025", "month": "3"})


def figures(rows):
    return {
        r.name: (
            r.sessions,
            r.hours,
            r.confirmed,
            r.attended,
            r.attendance_rate,
            r.responses,
            r.expert_average,
            r.overall_average,
        )
        for r in rows
    }


def D(value):  # noqa: N802 - reads like a literal
    return Decimal(value)


def test_admin_sees_everything(db, taught):
    result = figures(appraisal_rows(taught["admin"], parse_period(MARCH)))
    assert result == {
        "Alpha": (2, D("4.5"), 6, 3, D("50.0"), 3, D("4.00"), D("3.83")),
        "Bravo": (2, D("5.0"), 5, 3, D("60.0"), 3, D("3.33"), D("3.50")),
        "Idle North": (0, D("0.0"), 0, 0, None, 0, None, None),
    }


def test_officer_sees_sessions_of_their_jurisdiction(db, taught):
    north = figures(appraisal_rows(taught["officer_north"], parse_period(MARCH)))
    assert north["Alpha"] == (2, D("4.5"), 6, 3, D("50.0"), 3, D("4.00"), D("3.83"))
    assert north["Bravo"] == (1, D("3.0"), 4, 2, D("50.0"), 2, D("4.50"), D("4.25"))
    south = figures(appraisal_rows(taught["officer_south"], parse_period(MARCH)))
    assert south == {"Bravo": (1, D("2.0"), 1, 1, D("100.0"), 1, D("1.00"), D("2.00"))}


def test_local_officer_sees_only_their_units_sessions(db, taught):
    rows = figures(appraisal_rows(taught["officer_north_a"], parse_period(MARCH)))
    assert rows["Alpha"][:4] == (1, D("3.0"), 4, 2)


def test_periods(db, taught):
    year = figures(
        appraisal_rows(taught["admin"], parse_period(MultiDict({"period": "year", "year": "2025"})))
    )
    assert year["Alpha"][:4] == (3, D("6.5"), 6, 3)
    quarter = parse_period(MultiDict({"period": "quarter", "year": "2025", "quarter": "2"}))
    assert (quarter.start, quarter.end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert figures(appraisal_rows(taught["admin"], quarter))["Alpha"][:2] == (1, D("2.0"))
    late_march = parse_period(MultiDict({"period": "range", "start": "2025-03-20", "end": "2025-03-31"}))
    assert figures(appraisal_rows(taught["admin"], late_march))["Alpha"][:4] == (1, D("1.5"), 2, 1)


def test_period_boundaries_are_local_days(db, kit, taught):
    """A session at 07:30 on 1 April in Shanghai is 23:30 UTC on 31 March: it belongs to April."""
    early = kit.session(taught["north_a"], local(date(2025, 4, 1), 7, 30), hours=1, status="completed")
    kit.assign(early, kit.expert(taught["north"], "regional", name="Early Bird"), "lead")
    march = figures(appraisal_rows(taught["admin"], parse_period(MARCH)))
    april = figures(
        appraisal_rows(
            taught["admin"], parse_period(MultiDict({"period": "month", "year": "2025", "month": "4"}))
        )
    )
    assert march["Early Bird"][0] == 0 and april["Early Bird"][0] == 1


@pytest.mark.parametrize(
    "args",
    [
        {"period": "decade"},
        {"period": "month", "month": "13"},
        {"period": "year", "year": "abc"},
        {"period": "range", "start": "2025-03-10", "end": "2025-03-01"},
        {"period": "range", "start": "yesterday"},
    ],
)
def test_bad_periods_are_refused(app, args):
    with app.test_request_context(), pytest.raises(InvalidInput):
        parse_period(MultiDict(args))


def test_appraisal_page_and_drill_down(client, taught):
    client.login("officer.north")
    html = client.get("/experts/appraisal?period=month&year=2025&month=3").get_data(as_text=True)
    assert "Alpha" in html and "50.0 %" in html and "3.83" in html
    alpha = next(r for r in appraisal_rows(taught["officer_north"], parse_period(MARCH)) if r.name == "Alpha")
    detail = client.get(f"/experts/appraisal?period=month&year=2025&month=3&expert={alpha.expert_id}")
    html = detail.get_data(as_text=True)
    assert "Sessions counted for Alpha" in html
    assert html.count('data-expert="') == 1


def test_appraisal_page_explains_a_bad_period(client, taught):
    client.login("officer.north")
    response = client.get("/experts/appraisal?period=range&start=2025-03-10&end=2025-03-01")
    assert response.status_code == 400
    assert "The end date is before the start date." in response.get_data(as_text=True)
    assert client.get("/experts/appraisal.csv?period=month&month=99").status_code == 400


def test_csv_download(client, taught):
    client.login("admin.gacc")
    response = client.get("/experts/appraisal.csv?period=month&year=2025&month=3")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "expert-appraisal-2025-03-01-2025-03-31.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:5] == ["Expert", "Level", "Home unit", "Sessions taught", "Hours"]
    alpha = next(r for r in rows if r[0] == "Alpha")
    assert alpha[3:] == ["2", "4.5", "6", "3", "50.0", "3", "4.00", "3.83"]


def test_appraisal_table_is_one_query(client, kit, taught, count_queries):
    client.login("admin.gacc")
    url = "/experts/appraisal?period=month&year=2025&month=3"
    client.get(url)
    with count_queries() as before:
        client.get(url)
    for n in range(5):
        expert = kit.expert(taught["north_b"], "regional", name=f"Extra {n}")
        session = kit.session(taught["north_b"], local(date(2025, 3, 11 + n), 9), status="completed")
        kit.assign(session, expert, "lead")
    with count_queries() as after:
        client.get(url)
    assert after.count == before.count
    appraisal_selects = [s for s in after.statements if "per_expert" in s]
    assert len(appraisal_selects) == 1
