"""The report filter lists published courses by their title: never a draft, never a slug."""

from __future__ import annotations

import re

from tests.courses.conftest import CourseBuilder


def test_course_filter_shows_published_titles_only(client, db, demo):
    builder = CourseBuilder(db, demo)
    builder.published(slug="published-one", title="Published credit course")
    builder.draft(slug="draft-only-slug", title="Draft course title")
    db.session.commit()
    client.login("officer.shenzhen")
    html = client.get("/reports/").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="course".*?</select>', html, re.S).group(0)
    assert "Published credit course" in select
    assert "draft-only-slug" not in select and "Draft course title" not in select
