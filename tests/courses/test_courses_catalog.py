"""Catalog: published courses only, filters by type, mode, topic and language, text search, pagination; the
number of SQL statements of the catalog and course pages does not grow with courses or lessons."""

from __future__ import annotations

import re

import pytest

from lms.courses import services


@pytest.fixture
def catalog(builder, demo):
    builder.published(
        slug="credit-basics",
        title="Credit basics",
        training_type="compliance",
        modes=["online"],
        topics=["compliance"],
        language="en",
        tags=["decree-282"],
    )
    builder.published(
        slug="security-walk",
        title="Security walk",
        training_type="aeo_certification",
        modes=["onsite", "in_class"],
        topics=["trade_security"],
        language="en",
    )
    builder.published(
        slug="caiwu",
        title="财务状况指标",
        training_type="aeo_certification",
        modes=["online"],
        topics=["financial_status"],
        language="zh_CN",
        summary="九项财务指标",
    )
    builder.draft(slug="hidden-draft", title="Hidden draft")
    archived = builder.published(slug="old-course", title="Old course")
    services.archive_course(demo.user("expert.national"), archived)
    builder.db.session.commit()


def _titles(client, query=""):
    html = client.get("/courses/" + query).get_data(as_text=True)
    return sorted(re.findall(r'<h2 lang="[^"]+"><a href="/courses/[^"]+">([^<]+)</a>', html))


def test_visitors_see_published_courses_only(client, catalog):
    assert _titles(client) == ["Credit basics", "Security walk", "财务状况指标"]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("?type=compliance", ["Credit basics"]),
        ("?type=aeo_certification", ["Security walk", "财务状况指标"]),
        ("?mode=onsite", ["Security walk"]),
        ("?mode=online", ["Credit basics", "财务状况指标"]),
        ("?topic=financial_status", ["财务状况指标"]),
        ("?language=zh_CN", ["财务状况指标"]),
        ("?q=CREDIT", ["Credit basics"]),
        ("?q=decree-282", ["Credit basics"]),
        ("?q=财务", ["财务状况指标"]),
        ("?q=九项", ["财务状况指标"]),
        ("?q=%25", []),
        ("?q=old", []),
        ("?type=aeo_certification&mode=online", ["财务状况指标"]),
        ("?mode=nonsense&topic=<script>", ["Credit basics", "Security walk", "财务状况指标"]),
        ("?page=999", []),
        ("?page=abc", ["Credit basics", "Security walk", "财务状况指标"]),
    ],
)
def test_filters_and_search(client, catalog, query, expected):
    assert _titles(client, query) == expected


def test_pagination(client, builder, app, monkeypatch):
    monkeypatch.setitem(app.config, "PER_PAGE", 2)
    for n in range(5):
        builder.published(slug=f"paged-{n}", title=f"Paged {n}")
    assert _titles(client) == ["Paged 0", "Paged 1"]
    assert _titles(client, "?page=3") == ["Paged 4"]
    html = client.get("/courses/?page=2").get_data(as_text=True)
    assert 'rel="next"' in html and 'rel="prev"' in html and "5 results" in html


def test_catalog_marks_own_enrolments(as_user, builder, demo, catalog):
    import sqlalchemy as sa

    from lms.courses.models import Course

    course = builder.db.session.execute(sa.select(Course).where(Course.slug == "credit-basics")).scalar_one()
    builder.enroll("trainee", course, actor=demo.user("trainee"))
    html = as_user("trainee").get("/courses/").get_data(as_text=True)
    assert "Enrolled" in html


def _count(count_queries, client, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200
    return counter.count


@pytest.mark.parametrize("login", [None, "trainee", "officer.futian", "expert.national"])
def test_catalog_statements_do_not_grow_with_courses(as_user, client, builder, count_queries, login):
    viewer = as_user(login) if login else client
    for n in range(2):
        builder.published(slug=f"few-{n}", lessons=2)
    few = _count(count_queries, viewer, "/courses/")
    for n in range(8):
        builder.published(slug=f"many-{n}", lessons=4, modules=2)
    many = _count(count_queries, viewer, "/courses/")
    assert many == few


@pytest.mark.parametrize("login", [None, "trainee", "officer.futian", "admin"])
def test_course_page_statements_do_not_grow_with_lessons(
    as_user, client, builder, demo, count_queries, login
):
    viewer = as_user(login) if login else client
    small_pre = builder.published(slug="pre-a")
    small = builder.published(slug="small", lessons=2, modules=1, prerequisites=[small_pre])
    pres = [builder.published(slug=f"pre-{n}") for n in range(4)]
    big = builder.published(slug="big", lessons=12, modules=4, prerequisites=pres)
    if login == "trainee":
        for course in (small, big):
            enrollment = services.enroll(None, course, demo.user("trainee"))
            for lesson in course.published_version.lessons[:2]:
                services.mark_lesson_complete(demo.user("trainee"), enrollment, lesson)
        builder.db.session.commit()
    course_small = _count(count_queries, viewer, "/courses/small")
    assert _count(count_queries, viewer, "/courses/big") == course_small
    if login == "trainee":
        lesson_small = _count(count_queries, viewer, "/courses/small/lessons/lesson-1")
        assert _count(count_queries, viewer, "/courses/big/lessons/lesson-1") == lesson_small
        # user, course, version, modules, lessons, enrolment, progress, attachments, notifications and
        # what the page's frame reads: a small constant, whatever the course holds
        assert lesson_small <= 10


def test_my_learning_statements_do_not_grow(as_user, builder, demo, count_queries):
    viewer = as_user("trainee")
    courses = [builder.published(slug=f"mine-{n}", lessons=3) for n in range(8)]
    for course in courses[:2]:
        services.enroll(None, course, demo.user("trainee"))
    builder.db.session.commit()
    few = _count(count_queries, viewer, "/courses/my")
    for course in courses[2:]:
        services.enroll(None, course, demo.user("trainee"))
    builder.db.session.commit()
    assert _count(count_queries, viewer, "/courses/my") == few


def test_staff_lists_do_not_grow(as_user, builder, demo, count_queries):
    admin, reviewer = as_user("admin"), as_user("officer.futian")

    def add(n, start):
        for i in range(start, start + n):
            course = builder.published(slug=f"listed-{i}", author="expert.shenzhen")
            services.enroll(None, course, demo.user("trainee"))
            services.enroll(None, course, demo.user("trainee.customs"))
            draft = services.start_new_version(demo.user("expert.shenzhen"), course)
            builder.db.session.flush()
            services.submit_for_review(demo.user("expert.shenzhen"), draft)
        builder.db.session.commit()

    add(2, 0)
    before = {
        url: _count(count_queries, viewer, url)
        for viewer, url in (
            (admin, "/courses/authoring"),
            (reviewer, "/courses/reviews"),
            (reviewer, "/courses/listed-0/enrolments"),
            (admin, "/"),
        )
    }
    add(6, 2)
    for viewer, url in (
        (admin, "/courses/authoring"),
        (reviewer, "/courses/reviews"),
        (reviewer, "/courses/listed-0/enrolments"),
        (admin, "/"),
    ):
        assert _count(count_queries, viewer, url) == before[url], url
