"""Who sees and does what: parametrised over roles, with other people's ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.auth.models import User

TF = {"answer": True, "feedback_true": "", "feedback_false": ""}


@pytest.fixture
def people(kit, db):
    tree = kit.tree
    owner = kit.expert(login_name="owner", unit=tree["north"])
    kit.expert(login_name="other.expert", unit=tree["north"])
    author = kit.expert(login_name="author", unit=tree["south"])
    course = kit.course(owner, slug="perm-course")
    course.versions[0].author_id = author.id  # authors of a version are experts of the course too
    north = kit.trainee("north_a", login_name="trainee.north")
    south = kit.trainee("south_a", login_name="trainee.south")
    kit.factory.user("officer", unit=tree["north"], login_name="officer.north")
    kit.factory.user("officer", unit=tree["south_a"], login_name="officer.south")
    kit.factory.user("admin", unit=tree["gacc"], login_name="gacc.admin")
    for trainee in (north, south):
        kit.enrol(trainee, course)
    question = kit.question(course, "true_false", TF)
    kit.question(course, "essay", {}, category="reflection", mark=2)
    quiz = kit.quiz(course, draw_category="core", key="core-quiz")
    essay_quiz = kit.quiz(course, draw_category="reflection", key="essay-quiz")
    ids = {
        "quiz": quiz.id,
        "question": question.id,
        "north_attempt": kit.take(north, quiz, {1: "true"}).id,
        "south_attempt": kit.take(south, quiz, {1: "false"}).id,
        "essay_attempt": kit.take(north, essay_quiz, {1: "An answer"}).id,
    }
    db.session.commit()
    return ids


ROLES = ["owner", "author", "other.expert", "trainee.north", "officer.north", "gacc.admin"]
MANAGE = {
    "owner": 200,
    "author": 200,
    "other.expert": 403,
    "trainee.north": 403,
    "officer.north": 403,
    "gacc.admin": 200,
}
MANAGE_URLS = [
    "/quizzes/course/perm-course",
    "/quizzes/course/perm-course/bank",
    "/quizzes/course/perm-course/bank/new",
    "/quizzes/course/perm-course/import",
    "/quizzes/course/perm-course/export.gift",
    "/quizzes/course/perm-course/new",
    "/quizzes/questions/{question}",
    "/quizzes/questions/{question}/edit",
    "/quizzes/{quiz}/settings",
    "/quizzes/{quiz}/analysis",
    "/quizzes/{quiz}/analysis.csv",
]


@pytest.mark.parametrize("login", ROLES)
@pytest.mark.parametrize("url", MANAGE_URLS)
def test_bank_and_quiz_management_is_for_the_course_experts(client, people, login, url):
    client.login(login)
    assert client.get(url.format(**people)).status_code == MANAGE[login]


@pytest.mark.parametrize("login", ROLES)
def test_management_posts_are_refused_to_others(client, db, people, login):
    client.login(login)
    response = client.submit(f"/quizzes/questions/{people['question']}/archive")
    assert response.status_code == (302 if MANAGE[login] == 200 else 403)


RESULT = {
    # viewer: (north trainee's attempt, south trainee's attempt)
    "owner": (200, 200),
    "author": (200, 200),
    "other.expert": (404, 404),
    "trainee.north": (200, 404),
    "trainee.south": (404, 200),
    "officer.north": (200, 404),
    "officer.south": (404, 200),
    "gacc.admin": (200, 200),
}


@pytest.mark.parametrize("login", sorted(RESULT))
def test_attempt_results_follow_ownership_course_and_jurisdiction(client, people, login):
    client.login(login)
    north = client.get(f"/quizzes/attempts/{people['north_attempt']}/result").status_code
    south = client.get(f"/quizzes/attempts/{people['south_attempt']}/result").status_code
    assert (north, south) == RESULT[login]


@pytest.mark.parametrize(
    "login,status,sees",
    [
        ("owner", 200, {"trainee.north", "trainee.south"}),
        ("gacc.admin", 200, {"trainee.north", "trainee.south"}),
        ("officer.north", 200, {"trainee.north"}),
        ("officer.south", 200, {"trainee.south"}),
        ("other.expert", 403, set()),
        ("trainee.north", 403, set()),
    ],
)
def test_quiz_attempt_list_is_scoped(client, db, people, login, status, sees):
    client.login(login)
    response = client.get(f"/quizzes/{people['quiz']}/attempts")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        trainees = db.session.execute(sa.select(User).where(User.role == "trainee")).scalars().all()
        assert {u.login_name for u in trainees if f"<td>{u.display_name}</td>" in html} == sees


@pytest.mark.parametrize(
    "login,status",
    [
        ("owner", 200),
        ("author", 200),
        ("gacc.admin", 200),
        ("other.expert", 404),
        ("trainee.north", 403),
        ("officer.north", 403),
    ],
)
def test_marking_is_for_the_course_experts(client, db, people, login, status):
    client.login(login)
    url = f"/quizzes/attempts/{people['essay_attempt']}/mark/1"
    assert client.get(url).status_code == status
    response = client.submit(url, {"mark": "1", "comment": "ok"})
    assert response.status_code == (302 if status == 200 else status)


@pytest.mark.parametrize(
    "login,status",
    [
        ("owner", 200),
        ("gacc.admin", 200),
        ("officer.north", 200),
        ("other.expert", 403),
        ("trainee.north", 403),
    ],
)
def test_gain_page(client, people, login, status):
    client.login(login)
    assert client.get("/quizzes/course/perm-course/gain").status_code == status


def test_marking_queue_lists_only_the_experts_courses(client, db, people):
    client.login("owner")
    owner_page = client.get("/quizzes/marking").get_data(as_text=True)
    assert f"/quizzes/attempts/{people['essay_attempt']}/mark/1" in owner_page
    other = client.application.test_client()
    other.login("other.expert")
    assert f"/quizzes/attempts/{people['essay_attempt']}/mark/1" not in other.get(
        "/quizzes/marking"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "url",
    [
        "/quizzes/",
        "/quizzes/marking",
        "/quizzes/{quiz}",
        "/quizzes/course/perm-course/bank",
        "/quizzes/attempts/{north_attempt}/result",
    ],
)
def test_anonymous_visitors_are_sent_to_log_in(client, people, url):
    response = client.get(url.format(**people))
    assert response.status_code == 302 and "/login" in response.location


def test_only_trainees_start_attempts(client, db, people):
    client.login("owner")
    assert client.submit(f"/quizzes/{people['quiz']}/start").status_code == 403
