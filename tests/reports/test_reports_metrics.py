"""Every metric on the hand-computed data set (see conftest.py), checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
import sqlalchemy as sa

from lms.reports import metrics
from lms.reports.filters import Filters
from lms.reports.metrics import Dim, Scope

YEAR = Filters(preset="custom", start=date(2025, 1, 1), end=date(2025, 12, 31))


def scope(demo, login="officer.shenzhen", filters=YEAR, **narrow) -> Scope:
    return Scope(demo.user(login), filters, **narrow)


def test_completion_counts_the_enrolments_made_in_the_period_by_local_day(data, demo):
    total = metrics.completion(scope(demo))[None]
    # E1–E9 (E9 is 1 Jan 00:30 in Shanghai; E10 is still 31 Dec there); completed: E1, E3, E5, E7.
    assert (total.enrolments, total.completed, total.rate) == (9, 4, D("44.4"))
    shenzhen = demo.unit("5300")
    by_unit = metrics.completion(scope(demo, unit=shenzhen), Dim("unit", node=shenzhen))
    futian, shekou = demo.unit("5301").id, demo.unit("5302").id
    assert (by_unit[futian].enrolments, by_unit[futian].completed, by_unit[futian].rate) == (6, 3, D("50.0"))
    assert (by_unit[shekou].enrolments, by_unit[shekou].completed, by_unit[shekou].rate) == (3, 1, D("33.3"))
    by_enterprise = metrics.completion(scope(demo), Dim("enterprise"))
    e = data.enterprises
    assert {k: (v.enrolments, v.completed) for k, v in by_enterprise.items()} == {
        e["P"].id: (5, 3),
        e["F"].id: (1, 0),
        e["S"].id: (2, 1),
        e["N"].id: (1, 0),
    }
    by_course = metrics.completion(scope(demo), Dim("course"))
    assert (by_course[data.A.id].enrolments, by_course[data.A.id].completed) == (6, 3)
    assert (by_course[data.B.id].enrolments, by_course[data.B.id].rate) == (3, D("33.3"))
    # Admins see every jurisdiction: E11 (Shanghai) too.
    everyone = metrics.completion(scope(demo, "admin"))[None]
    assert (everyone.enrolments, everyone.completed, everyone.rate) == (10, 5, D("50.0"))
    assert metrics.completion(scope(demo, "officer.shanghai"))[None].enrolments == 1


def test_completion_trend_counts_enrolments_and_completions_per_month(data, demo):
    points = {p.month.month: (p.enrolments, p.completions) for p in metrics.completion_trend(scope(demo))}
    assert len(points) == 12
    assert points[1] == (1, 1)  # E9 enrolled on 1 Jan local; E10 (enrolled in 2024) completed in January
    assert points[2] == (2, 0)
    assert points[3] == (4, 1)
    assert points[4] == (1, 1)
    assert points[5] == (0, 1)
    assert points[6] == (1, 1)
    assert all(points[m] == (0, 0) for m in range(7, 13))


def test_pass_rate_and_average_use_each_quiz_grading_method_and_the_period(data, demo):
    total = metrics.outcomes(scope(demo))[None]
    # QA (highest): T1 70 P, T2 45 F (95 came after the period), T6 90 P, T3 80 P;
    # EB (last): T1 60 F, T4 75 P, T6 65 F.
    # The practice quiz, pre-tests, the in-progress attempt and T7's 2024 result are left out.
    assert (total.results, total.passed, total.pass_rate, total.average) == (7, 4, D("57.1"), D("69.29"))
    shenzhen = demo.unit("5300")
    by_unit = metrics.outcomes(scope(demo, unit=shenzhen), Dim("unit", node=shenzhen))
    futian, shekou = by_unit[demo.unit("5301").id], by_unit[demo.unit("5302").id]
    assert (futian.results, futian.passed, futian.pass_rate, futian.average) == (5, 3, D("60.0"), D("66.00"))
    assert (shekou.results, shekou.passed, shekou.pass_rate, shekou.average) == (2, 1, D("50.0"), D("77.50"))
    by_trainee = metrics.outcomes(scope(demo), Dim("trainee"))
    t1 = by_trainee[data.users["T1"].id]
    assert (t1.results, t1.passed, t1.average) == (2, 1, D("65.00"))
    by_course = metrics.outcomes(scope(demo), Dim("course"))
    assert (by_course[data.A.id].results, by_course[data.A.id].pass_rate, by_course[data.A.id].average) == (
        4,
        D("75.0"),
        D("71.25"),
    )
    assert (by_course[data.B.id].results, by_course[data.B.id].pass_rate, by_course[data.B.id].average) == (
        3,
        D("33.3"),
        D("66.67"),
    )


def test_a_later_period_sees_the_later_attempt(data, demo):
    later = Filters(preset="custom", start=date(2025, 1, 1), end=date(2026, 1, 31))
    result = metrics.outcomes(
        scope(demo, filters=later, user_id=data.users["T2"].id, enterprise_id=data.enterprises["P"].id)
    )[None]
    assert (result.results, result.passed, result.average) == (1, 1, D("95.00"))  # highest of 45 and 95


def test_score_distribution_counts_results_in_ten_point_bands(data, demo):
    bands = dict(metrics.score_distribution(scope(demo)))
    assert [bands[(low, low + 10)] for low in range(0, 100, 10)] == [0, 0, 0, 0, 1, 0, 2, 2, 1, 1]


def test_learning_gain_over_trainees_with_both_results(data, demo):
    gain = metrics.learning_gain(scope(demo))[None]
    # T1 40 → 70 (g 0.5), T2 50 → 45 (g −0.1), T6 100 → 90 (no g). T3 has no pre-test, T5 no post-test.
    assert (gain.trainees, gain.mean_pre, gain.mean_post, gain.mean_normalised) == (
        3,
        D("63.33"),
        D("68.33"),
        D("0.200"),
    )
    shenzhen = demo.unit("5300")
    by_unit = metrics.learning_gain(scope(demo, unit=shenzhen), Dim("unit", node=shenzhen))
    futian, shekou = by_unit[demo.unit("5301").id], by_unit[demo.unit("5302").id]
    assert (futian.trainees, futian.mean_pre, futian.mean_post, futian.mean_normalised) == (
        2,
        D("45.00"),
        D("57.50"),
        D("0.200"),
    )
    assert (shekou.trainees, shekou.mean_pre, shekou.mean_post, shekou.mean_normalised) == (
        1,
        D("100.00"),
        D("90.00"),
        None,
    )
    assert metrics.learning_gain(scope(demo, "admin"))[None].trainees == 4  # T8 60 → 90 too


def test_attendance_counts_confirmed_seats_of_sessions_that_took_place(data, demo):
    total = metrics.attendance(scope(demo))[None]
    # S1: T1 present, T2 late, T3 absent, T5 unmarked; S2: T4, T6, T1 present; S3 was cancelled.
    assert (total.confirmed, total.attended, total.rate) == (7, 5, D("71.4"))
    shenzhen = demo.unit("5300")
    by_unit = metrics.attendance(scope(demo, unit=shenzhen), Dim("unit", node=shenzhen))
    assert (by_unit[demo.unit("5301").id].confirmed, by_unit[demo.unit("5301").id].rate) == (6, D("66.7"))
    assert (by_unit[demo.unit("5302").id].confirmed, by_unit[demo.unit("5302").id].rate) == (1, D("100.0"))
    by_expert = metrics.attendance(scope(demo), Dim("expert"))
    assert (by_expert[data.expert_shenzhen.id].confirmed, by_expert[data.expert_shenzhen.id].rate) == (
        7,
        D("71.4"),
    )
    assert (by_expert[data.expert_national.id].confirmed, by_expert[data.expert_national.id].rate) == (
        3,
        D("100.0"),
    )


def test_satisfaction_overall_and_per_question(data, demo):
    sat = metrics.satisfaction(scope(demo))[None]
    assert sat.responses == 3
    assert sat.mean == D("4.17")  # 50 points over 12 answers
    assert {d: sat.dimension_mean(d) for d in metrics.DIMENSIONS} == {
        "content": D("4.33"),
        "expert": D("4.00"),
        "organisation": D("4.33"),
        "usefulness": D("4.00"),
    }
    by_expert = metrics.satisfaction(scope(demo), Dim("expert"))
    assert by_expert[data.expert_shenzhen.id].mean == D("4.17")
    assert by_expert[data.expert_national.id].mean == D("4.75")
    admin = metrics.satisfaction(scope(demo, "admin"))[None]
    assert (admin.responses, admin.mean) == (4, D("3.38"))  # 54 / 16 = 3.375, rounded half up


def test_funnel_counts_every_stage_a_case_reached(data, demo):
    funnel = metrics.funnel(scope(demo))[None]
    # C1 certified (reached every stage), C2 listed then terminated, C3 rejected; C4 was opened in 2024.
    assert funnel.counts == {
        "applied": 3,
        "listed": 2,
        "trained": 1,
        "certification_applied": 1,
        "certified": 1,
    }
    assert funnel.share("listed") == D("66.7")
    shenzhen = demo.unit("5300")
    by_unit = metrics.funnel(scope(demo, unit=shenzhen), Dim("unit", node=shenzhen))
    assert by_unit[demo.unit("5301").id].counts == {
        "applied": 2,
        "listed": 2,
        "trained": 1,
        "certification_applied": 1,
        "certified": 1,
    }
    assert by_unit[demo.unit("5302").id].counts == {
        "applied": 1,
        "listed": 0,
        "trained": 0,
        "certification_applied": 0,
        "certified": 0,
    }
    assert metrics.funnel(scope(demo, "admin"))[None].counts["applied"] == 4
    with pytest.raises(ValueError):
        metrics.funnel(scope(demo), Dim("course"))


def test_expert_dimension_attributes_enrolments_through_the_sessions_taught(data, demo):
    figures = metrics.figures(scope(demo), Dim("expert"))
    shenzhen, national = figures[data.expert_shenzhen.id], figures[data.expert_national.id]
    assert (shenzhen.completion.enrolments, shenzhen.completion.completed, shenzhen.completion.rate) == (
        7,
        3,
        D("42.9"),
    )
    assert (shenzhen.outcomes.results, shenzhen.outcomes.passed, shenzhen.outcomes.average) == (
        6,
        3,
        D("65.83"),
    )
    assert (shenzhen.gain.trainees, shenzhen.gain.mean_normalised) == (2, D("0.200"))
    assert (national.completion.enrolments, national.completion.completed) == (3, 1)
    assert (national.outcomes.results, national.outcomes.pass_rate, national.gain.trainees) == (
        3,
        D("33.3"),
        0,
    )


def test_course_and_expert_filters(data, demo):
    by_b = Filters(preset="custom", start=YEAR.start, end=YEAR.end, course_id=data.B.id)
    figures = metrics.figures(scope(demo, filters=by_b))[None]
    assert (
        figures.completion.enrolments,
        figures.outcomes.results,
        figures.attendance.confirmed,
        figures.satisfaction.responses,
        figures.gain.trainees,
    ) == (3, 3, 3, 1, 0)
    by_national = Filters(preset="custom", start=YEAR.start, end=YEAR.end, expert_id=data.expert_national.id)
    figures = metrics.figures(scope(demo, filters=by_national))[None]
    assert (
        figures.completion.enrolments,
        figures.outcomes.pass_rate,
        figures.attendance.rate,
        figures.satisfaction.mean,
    ) == (3, D("33.3"), D("100.0"), D("4.75"))


def test_an_empty_scope_gives_no_rates_rather_than_errors(data, demo):
    empty = Filters(preset="custom", start=date(2020, 1, 1), end=date(2020, 12, 31))
    figures = metrics.figures(scope(demo, filters=empty))[None]
    assert figures.completion.rate is None and figures.outcomes.pass_rate is None
    assert figures.gain.mean_normalised is None and figures.attendance.rate is None
    assert figures.satisfaction.mean is None


@pytest.mark.parametrize("method", ["highest", "last", "first", "average"])
def test_results_agree_with_the_quiz_results_of_the_quizzes_area(data, demo, db, method):
    """Each grading method, with four-decimal percentages, gives the result lms.quizzes.results gives."""
    from lms.quizzes.results import as_percent, quiz_results

    quiz = data.quiz(data.A, f"m-{method}", "exam", grading=method, pass_mark="66.67")
    for user, percents in (
        ("T1", ["66.6667", "12.5", "99.9999"]),
        ("T2", ["33.3333", "66.67", "70"]),
        ("T3", ["100"]),
        ("T4", ["0", "66.6699", "0.0001"]),
    ):
        for day, percent in enumerate(percents, start=1):
            data.attempt(quiz, data.users[user], percent, f"2025-08-0{day}")
    db.session.commit()
    expected = {uid: r for (qid, uid), r in quiz_results(quiz_ids=[quiz.id]).items()}
    rows = db.session.execute(
        sa.select(metrics.results_select(scope(demo)).subquery()).where(sa.text(f"quiz_id = {quiz.id}"))
    ).all()
    got = {row.user_id: row for row in rows}
    assert set(got) == set(expected)
    for user_id, result in expected.items():
        assert as_percent(got[user_id].percent) == result.percent, (method, user_id)
        assert (as_percent(got[user_id].percent) >= D("66.67")) == result.passed


def test_the_page_statements_can_be_timed_one_by_one(data, demo):
    statements = metrics.page_statements(scope(demo, unit=demo.unit("5300")))
    names = [name for name, _run in statements]
    assert "outcomes by unit and course" in names and "gain by expert" in names
    for _name, run in statements:
        run()
