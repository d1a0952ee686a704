"""Suggestion ranking on a known data set: expected order, score breakdown and exclusion reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lms.experts.eligibility import evaluate_expert_for_session, evaluate_experts, rank
from tests.experts.conftest import future_month, local


@pytest.fixture
def ranking(kit, factory, world):
    day = future_month().replace(day=10)
    past = future_month(-2).replace(day=8)
    course = kit.course(topics=["internal_control", "trade_security", "compliance"], tags=["MRA"])
    session = kit.session(world["north_a"], local(day, 9), course=course)
    trainees = [factory.user("trainee", enterprise=factory.enterprise(world["north_a"])) for _ in range(2)]

    alpha = kit.expert(
        world["north"], "regional", name="Alpha", topics=["internal_control", "trade_security", "MRA"]
    )
    bravo = kit.expert(
        world["gacc"],
        "national",
        name="Bravo",
        topics=["internal_control", "trade_security", "financial_status", "compliance"],
    )
    charlie = kit.expert(world["north_b"], "regional", name="Charlie", topics=["internal_control"], maximum=4)
    delta = kit.expert(
        world["south"], "regional", name="Delta", topics=["internal_control", "trade_security"]
    )
    echo = kit.expert(world["north"], "regional", name="Echo", topics=["internal_control"], maximum=1)
    foxtrot = kit.expert(world["gacc"], "national", name="Foxtrot", topics=["trade_security"])

    # Feedback from past sessions: Bravo rated 5, Charlie rated 2.
    for expert, score in ((bravo, 5), (charlie, 2)):
        earlier = kit.session(world["north"], local(past, 9), status="completed")
        kit.assign(earlier, expert, "lead")
        for trainee in trainees:
            kit.feedback(kit.register(earlier, trainee, attendance="present"), 4, score, 4, 4)
    # Charlie already teaches twice that month (of 4); Echo once (of 1) and is on leave.
    for d in (3, 20):
        kit.assign(kit.session(world["north"], local(day.replace(day=d), 9)), charlie)
    kit.assign(kit.session(world["north"], local(day.replace(day=2), 9)), echo)
    kit.unavailable(echo, day, day + timedelta(days=2), "Training abroad")
    # Foxtrot teaches in the south that morning.
    kit.assign(kit.session(world["south_a"], local(day, 10)), foxtrot)
    return {"session": session, "experts": [alpha, bravo, charlie, delta, echo, foxtrot], **world}


def names(evaluations):
    return [e.expert.display_name for e in evaluations]


def test_ranking_order_scores_and_exclusions(db, ranking):
    eligible, excluded = rank(evaluate_experts(ranking["session"], ranking["experts"]))

    assert names(eligible) == ["Bravo", "Alpha", "Charlie"]
    assert [e.score for e in eligible] == [80.0, 76.7, 48.3]
    assert names(excluded) == ["Delta", "Echo", "Foxtrot"]
    assert [e.rules for e in excluded] == [["region"], ["monthly_maximum", "unavailable"], ["overlap"]]
    assert "Training abroad" in excluded[1].reasons[1].message


def test_score_breakdown(db, ranking):
    by_name = {e.expert.display_name: e for e in evaluate_experts(ranking["session"], ranking["experts"])}
    points = {name: {k: part.points for k, part in e.breakdown.items()} for name, e in by_name.items()}
    assert points["Alpha"] == {"specialty": 26.7, "region": 20.0, "load": 20.0, "rating": 10.0}
    assert points["Bravo"] == {"specialty": 40.0, "region": 0.0, "load": 20.0, "rating": 20.0}
    assert points["Charlie"] == {"specialty": 13.3, "region": 20.0, "load": 10.0, "rating": 5.0}
    assert "3 of 3 course topics" in by_name["Bravo"].breakdown["specialty"].detail
    assert (
        "2 of 3 course topics: Internal control, Trade security"
        in by_name["Alpha"].breakdown["specialty"].detail
    )
    assert "No feedback yet" in by_name["Alpha"].breakdown["rating"].detail
    assert by_name["Charlie"].load == 2


def test_free_topics_match_the_tags_of_a_course_without_modules(db, kit, ranking):
    course = kit.course(topics=[], tags=["MRA", "wco-safe"])
    session = kit.session(ranking["north"], ranking["session"].starts_at + timedelta(days=1), course=course)
    alpha = evaluate_expert_for_session(ranking["experts"][0], session)
    assert alpha.breakdown["specialty"].points == 20.0
    assert "1 of 2 course topics: MRA" in alpha.breakdown["specialty"].detail


def test_single_evaluation_equals_the_batch(db, ranking):
    """assign_expert evaluates one expert at a time, the suggestion list all at once: same result."""
    batch = evaluate_experts(ranking["session"], ranking["experts"])
    for together in batch:
        alone = evaluate_expert_for_session(together.expert, ranking["session"])
        assert (alone.eligible, alone.rules, alone.score) == (
            together.eligible,
            together.rules,
            together.score,
        )


def test_suggestion_page_for_admin(client, db, ranking):
    client.login("admin.gacc")
    html = client.get(f"/experts/sessions/{ranking['session'].id}/suggestions").get_data(as_text=True)
    eligible_part, excluded_part = html.split("Excluded experts")
    assert eligible_part.index("Bravo") < eligible_part.index("Alpha") < eligible_part.index("Charlie")
    assert (
        "80.0" in eligible_part
        and "Assign as lead" in eligible_part
        and "Assign as assistant" in eligible_part
    )
    for name, rule in (
        ("Delta", "region"),
        ("Echo", "unavailable"),
        ("Echo", "monthly_maximum"),
        ("Foxtrot", "overlap"),
    ):
        assert name in excluded_part
        assert f'data-rule="{rule}"' in excluded_part
    assert "Within the expert&#39;s region" in excluded_part


def test_suggestion_page_lists_only_experts_the_officer_may_use(client, db, ranking):
    client.login("officer.north")
    html = client.get(f"/experts/sessions/{ranking['session'].id}/suggestions").get_data(as_text=True)
    assert "Delta" not in html  # a regional expert of another region
    for name in ("Alpha", "Bravo", "Charlie", "Echo", "Foxtrot"):
        assert name in html


def test_suggestion_page_statements_do_not_grow_with_experts(client, db, kit, ranking, count_queries):
    url = f"/experts/sessions/{ranking['session'].id}/suggestions"
    client.login("admin.gacc")
    client.get(url)
    with count_queries() as before:
        assert client.get(url).status_code == 200
    for n in range(6):
        expert = kit.expert(
            ranking["north_b"] if n % 2 else ranking["south"],
            "regional",
            name=f"Extra {n}",
            topics=["compliance"],
        )
        kit.unavailable(expert, future_month(), future_month().replace(day=28))
    with count_queries() as after:
        assert client.get(url).status_code == 200
    assert after.count == before.count


def test_assign_from_the_suggestion_page(client, db, ranking):
    session = ranking["session"]
    client.login("officer.north")
    url = f"/experts/sessions/{session.id}/suggestions"
    alpha = ranking["experts"][0]
    response = client.submit(
        f"/experts/sessions/{session.id}/assign", {"expert_id": alpha.id, "role": "lead", "next": url}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    html = client.get(url).get_data(as_text=True)
    assert "Alpha assigned as lead expert." in html
    assert "Assign as lead" not in html  # the session has its lead now
    assert "Already assigned to this session." in html

    delta_refused = client.submit(
        f"/experts/sessions/{session.id}/assign",
        {"expert_id": ranking["experts"][3].id, "role": "assistant", "next": url},
    )
    assert delta_refused.status_code == 404  # not an expert this officer may use

    echo = ranking["experts"][4]
    client.submit(
        f"/experts/sessions/{session.id}/assign", {"expert_id": echo.id, "role": "assistant", "next": url}
    )
    html = client.get(url).get_data(as_text=True)
    assert "Echo was not assigned" in html and "Training abroad" in html
