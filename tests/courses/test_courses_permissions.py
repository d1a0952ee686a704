"""Every page and action of the courses area, for every role, with other people's ids."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import Course, CourseVersion

ROLES = [
    "anonymous",
    "trainee",
    "trainee.customs",
    "expert.shenzhen",
    "expert.national",
    "officer.futian",
    "officer.shanghai",
    "admin",
]


@pytest.fixture
def world(builder, demo, db):
    published = builder.published(slug="pub", author="expert.shenzhen", reviewer="admin")
    builder.enroll("trainee", published, actor=demo.user("trainee"))
    draft = builder.draft(slug="drafty", author="expert.shenzhen")
    in_review = builder.draft(slug="in-review", author="expert.shenzhen")
    services.submit_for_review(demo.user("expert.shenzhen"), in_review.versions[0])
    db.session.commit()
    return {
        "pub": published.id,
        "pub_v": published.published_version_id,
        "pub_lesson": published.published_version.lessons[0].id,
        "draft": draft.id,
        "draft_v": draft.versions[0].id,
        "draft_lesson": draft.versions[0].lessons[0].id,
        "draft_module": draft.versions[0].modules[0].id,
        "review": in_review.id,
        "review_v": in_review.versions[0].id,
    }


def _client(app, login):
    client = app.test_client()
    if login != "anonymous":
        client.login(login)
    return client


# url template -> expected status per role, in ROLES order
PAGES = {
    "/courses/": [200, 200, 200, 200, 200, 200, 200, 200],
    "/courses/pub": [200, 200, 200, 200, 200, 200, 200, 200],
    "/courses/pub/lessons/lesson-1": [302, 200, 403, 200, 200, 200, 200, 200],
    "/courses/pub/lessons/nope": [404, 404, 404, 404, 404, 404, 404, 404],
    "/courses/nope": [404, 404, 404, 404, 404, 404, 404, 404],
    "/courses/my": [302, 200, 200, 403, 403, 403, 403, 403],
    "/courses/authoring": [302, 403, 403, 200, 200, 403, 403, 200],
    "/courses/authoring/new": [302, 403, 403, 200, 200, 403, 403, 200],
    "/courses/reviews": [302, 403, 403, 200, 200, 200, 200, 200],
    "/courses/pub/enrolments": [302, 403, 403, 403, 403, 200, 200, 200],
    "/courses/drafty": [404, 404, 404, 302, 404, 404, 404, 302],
    "/courses/in-review": [404, 404, 404, 302, 302, 302, 302, 302],
    "/courses/versions/{pub_v}": [302, 404, 404, 200, 200, 200, 200, 200],
    "/courses/versions/{draft_v}": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/versions/{review_v}": [302, 404, 404, 200, 200, 200, 200, 200],
    "/courses/versions/{draft_v}/edit": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/versions/{pub_v}/edit": [302, 404, 404, 403, 403, 403, 403, 403],
    "/courses/versions/{draft_v}/lessons/new": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/versions/{draft_v}/lessons/{draft_lesson}": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/versions/{pub_v}/lessons/{pub_lesson}": [302, 404, 404, 200, 200, 200, 200, 200],
    "/courses/versions/{pub_v}/lessons/{draft_lesson}": [302, 404, 404, 404, 404, 404, 404, 404],
    "/courses/lessons/{draft_lesson}/edit": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/lessons/{pub_lesson}/edit": [302, 404, 404, 403, 403, 403, 403, 403],
    "/courses/manage/{pub}/history": [302, 403, 403, 200, 200, 200, 200, 200],
    "/courses/manage/{draft}/history": [302, 404, 404, 200, 404, 404, 404, 200],
    "/courses/versions/999999": [302, 404, 404, 404, 404, 404, 404, 404],
}


@pytest.mark.parametrize("role", ROLES)
def test_pages_per_role(app, world, role):
    client = _client(app, role)
    got = {}
    for template, expected in PAGES.items():
        url = template.format(**world)
        got[url] = (client.get(url).status_code, expected[ROLES.index(role)])
    wrong = {url: pair for url, pair in got.items() if pair[0] != pair[1]}
    assert not wrong, f"(got, expected) for {role}: {wrong}"


# url template, form data -> expected status per role (the first two roles for refusals, then success cases)
ACTIONS = {
    "/courses/manage/{pub}/new-version": [302, 403, 403, 302, 403, 403, 403, 302],
    "/courses/manage/{pub}/archive": [302, 403, 403, 302, 403, 403, 403, 302],
    "/courses/versions/{draft_v}/submit": [302, 404, 404, 302, 404, 404, 404, 302],
    "/courses/versions/{draft_v}/modules": [302, 404, 404, 302, 404, 404, 404, 302],
    "/courses/modules/{draft_module}/delete": [302, 404, 404, 302, 404, 404, 404, 302],
    "/courses/lessons/{draft_lesson}/delete": [302, 404, 404, 302, 404, 404, 404, 302],
    "/courses/lessons/{pub_lesson}/delete": [302, 404, 404, 403, 403, 403, 403, 403],
    "/courses/versions/{review_v}/review": [302, 403, 403, 302, 302, 302, 302, 302],
    "/courses/pub/enrol": [302, 302, 302, 403, 403, 403, 403, 403],
    "/courses/pub/enrol-trainees": [302, 403, 403, 403, 403, 302, 404, 302],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("template", list(ACTIONS))
def test_actions_per_role(app, world, demo, db, role, template):
    client = _client(app, role)
    data = {
        "title": "New module",
        "note": "ok",
        "confirmed": "1",
        "approve": "Approve",
        "trainee_ids": [demo.user("trainee.customs").id],
    }
    url = template.format(**world)
    response = client.submit(url, data)
    assert response.status_code == ACTIONS[template][ROLES.index(role)], response.headers.get("Location")
    if response.status_code in (403, 404):
        assert db.session.execute(sa.select(sa.func.count()).select_from(CourseVersion)).scalar_one() == 3
        assert not db.session.get(Course, world["pub"]).archived


def test_the_author_posting_an_approval_is_refused(app, world, db):
    client = _client(app, "expert.shenzhen")
    response = client.submit(
        f"/courses/versions/{world['review_v']}/review", {"approve": "Approve"}, follow_redirects=True
    )
    assert "someone else" in response.get_data(as_text=True)
    assert db.session.get(CourseVersion, world["review_v"]).status == "in_review"
    client = _client(app, "officer.shanghai")
    client.submit(f"/courses/versions/{world['review_v']}/review", {"approve": "Approve"})
    assert db.session.get(CourseVersion, world["review_v"]).status == "published"


def test_posts_without_csrf_token_are_refused(app, world):
    client = _client(app, "expert.shenzhen")
    assert client.post(f"/courses/versions/{world['draft_v']}/submit").status_code == 400
    assert client.post(f"/courses/manage/{world['pub']}/archive").status_code == 400


@pytest.mark.parametrize(
    "role, nav",
    [
        ("anonymous", ["Catalog"]),
        ("trainee", ["Catalog", "My learning"]),
        ("expert.national", ["Catalog", "Authoring", "Reviews"]),
        ("officer.futian", ["Catalog", "Reviews"]),
        ("admin", ["Catalog", "Authoring", "Reviews"]),
    ],
)
def test_navigation(app, db, demo, role, nav):
    html = _client(app, role).get("/courses/").get_data(as_text=True)
    menu = html.split('class="main-nav')[1].split("</nav>")[0]
    for label in ("Catalog", "My learning", "Authoring", "Reviews"):
        assert (f">{label}</a>" in menu) == (label in nav), label


@pytest.mark.parametrize(
    "role, panels",
    [
        ("trainee", ["panel-courses_my_learning"]),
        ("expert.shenzhen", ["panel-courses_my_courses", "panel-courses_awaiting_review"]),
        ("expert.national", ["panel-courses_my_courses", "panel-courses_awaiting_review"]),
        ("officer.futian", ["panel-courses_awaiting_review"]),
        ("admin", ["panel-courses_awaiting_review"]),
    ],
)
def test_dashboard_panels(app, world, role, panels):
    html = _client(app, role).get("/").get_data(as_text=True)
    for key in ("panel-courses_my_learning", "panel-courses_my_courses", "panel-courses_awaiting_review"):
        assert (key in html) == (key in panels), key


def test_expert_panels_list_their_work(app, world):
    html = _client(app, "expert.shenzhen").get("/").get_data(as_text=True)
    mine = html.split('id="panel-courses_my_courses"')[1].split("</section>")[0]
    assert 'Drafts <span class="muted">(1)' in mine and 'In review <span class="muted">(1)' in mine
    waiting = html.split('id="panel-courses_awaiting_review"')[1].split("</section>")[0]
    assert "Nothing is awaiting your review." in waiting  # their own version is not theirs to review
    other = _client(app, "expert.national").get("/").get_data(as_text=True)
    assert "Version 1" in other.split('id="panel-courses_awaiting_review"')[1].split("</section>")[0]
