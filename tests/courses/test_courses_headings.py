"""A lesson's own "# Title" does not become a second <h1> beside the page's."""

from __future__ import annotations

import re

from lms.content.markdown import render_markdown


def test_markdown_under_a_page_heading_moves_its_headings_down():
    html = str(render_markdown("# Title\n\n## Part\n\n###### Deepest", below=1))
    assert "<h1" not in html
    assert "<h2>Title</h2>" in html and "<h3>Part</h3>" in html and "<h6>Deepest</h6>" in html
    assert str(render_markdown("# Title")) == "<h1>Title</h1>"  # elsewhere, unchanged


def test_lesson_page_has_one_h1(as_user, builder, db):
    course = builder.published(slug="headings")
    lesson = course.versions[0].lessons[0]
    lesson.body = "# Lesson 1\n\nThe body repeats the title as a heading."
    db.session.commit()
    client = as_user("trainee")
    client.submit(f"/courses/{course.slug}/enrol")
    html = client.get(f"/courses/{course.slug}/lessons/{lesson.slug}").get_data(as_text=True)
    assert len(re.findall(r"<h1\b", html)) == 1
    assert "<h2>Lesson 1</h2>" in html
