"""Hostile Markdown never reaches a page as active content: not through render_markdown, not on the pages."""

from __future__ import annotations

import re

import pytest

from lms.content.markdown import render_markdown
from lms.courses import services

HOSTILE = [
    "<script>alert('x')</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<iframe src='https://evil.example'></iframe>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![img](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<svg onload=alert(1)><circle r=1></circle></svg>",
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<form action='https://evil.example'><input name=a></form>",
    "<meta http-equiv='refresh' content='0;url=https://evil.example'>",
    "<base href='https://evil.example/'>",
    '<p onclick="alert(1)" onmouseover=alert(2)>hover</p>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "```html\n<script>alert(1)</script>\n```",
    "<!--<script>alert(1)</script>-->",
    "<details open ontoggle=alert(1)>",
    "[a](vbscript:msgbox(1))",
]

# Active content: dangerous elements, event-handler attributes, or a URL attribute with a script/data scheme.
# (Inert text such as "vbscript:" inside a paragraph is harmless and may stay.)
ACTIVE = re.compile(
    r"<\s*(script|iframe|style|svg|object|embed|form|meta|base|math|link)\b"
    r"|<[^>]*\son\w+\s*=[^>]*>"
    r"|<[^>]*\b(href|src|action|data|xlink:href)\s*=\s*[\"']?\s*(javascript|vbscript|data):[^>]*>",
    re.IGNORECASE,
)


def _page_is_harmless(html: str) -> bool:
    """The page's own forms post to this site; nothing else active is there."""
    main = re.split(r'<main id="main"[^>]*>', html)[1].split("</main>")[0]
    forms = re.findall(r"<form\b[^>]*>", main)
    if any('action="/' not in tag for tag in forms):
        return False
    return not ACTIVE.search(re.sub(r"<form\b[^>]*>", "", main))


@pytest.mark.parametrize("text", HOSTILE)
def test_render_markdown_neutralises(text):
    html = str(render_markdown(text))
    assert not ACTIVE.search(html), html


def test_fenced_code_is_shown_as_text():
    html = str(render_markdown("```\n<script>alert(1)</script>\n```"))
    assert "&lt;script&gt;" in html


def test_markdown_features_survive():
    html = str(
        render_markdown(
            "# Title\n\n- a\n- b\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\nText[^1].\n\n[^1]: Note.\n\n"
            "![logo](/static/img/logo.png) [site](https://www.customs.gov.cn/)\n\n```\ncode\n```\n"
        )
    )
    for fragment in (
        "<h1",
        "<ul>",
        "<table>",
        "<sup",
        "footnote",
        '<img alt="logo" src="/static/img/logo.png"',
        'href="https://www.customs.gov.cn/"',
        "<pre><code>",
    ):
        assert fragment in html


def test_hostile_lesson_is_harmless_on_every_page(as_user, builder, demo, db):
    body = "\n\n".join(HOSTILE)
    course = builder.draft(author="expert.shenzhen", overview=body)
    version = course.versions[0]
    lesson = version.lessons[0]
    services.update_lesson(
        demo.user("expert.shenzhen"),
        lesson,
        {"title": "Lesson 1", "minutes": 5, "body": body, "module_id": lesson.module_id},
    )
    services.submit_for_review(demo.user("expert.shenzhen"), version)
    services.approve(demo.user("admin"), version)
    builder.enroll("trainee", course, actor=demo.user("trainee"))
    client = as_user("trainee")
    for url in (f"/courses/{course.slug}", f"/courses/{course.slug}/lessons/{lesson.slug}"):
        page = client.get(url)
        assert page.status_code == 200
        assert _page_is_harmless(page.get_data(as_text=True)), url
    client = as_user("admin")
    for url in (f"/courses/versions/{version.id}", f"/courses/versions/{version.id}/lessons/{lesson.id}"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Lesson 1" in page.get_data(as_text=True)
        assert _page_is_harmless(page.get_data(as_text=True)), url


def test_preview_endpoint_uses_the_same_sanitiser(client, demo):
    client.login("expert.shenzhen")
    response = client.submit(
        "/courses/preview", {"text": "**bold** <script>alert(1)</script> [x](javascript:y)"}
    )
    assert response.status_code == 200
    html = response.get_json()["html"]
    assert "<strong>bold</strong>" in html and not ACTIVE.search(html)
    assert client.post("/courses/preview", data={"text": "x"}).status_code == 400  # no CSRF token


def test_preview_endpoint_is_for_authors(client, demo):
    client.login("trainee")
    assert client.submit("/courses/preview", {"text": "x"}).status_code == 403


@pytest.mark.parametrize(
    "raw",
    [
        "<script>x</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:x">a</a>',
        "<svg onload=x>",
        "<a href='data:text/html,x'>a</a>",
        "<iframe src=x>",
    ],
)
def test_the_detector_itself_sees_active_content(raw):
    assert ACTIVE.search(raw)


# -- HTML stored at publication ------------------------------------------------------------------------------


def test_publishing_stores_the_rendered_html_and_pages_serve_it(as_user, builder, demo):
    import sqlalchemy as sa

    from lms.courses.models import CourseVersion, Lesson

    course = builder.published(slug="stored-html", lessons=2, overview="An **overview**.")
    version = course.published_version
    lesson = version.lessons[0]
    assert lesson.body_html == str(render_markdown(lesson.body, below=1))
    assert version.overview_html == str(render_markdown(version.overview, below=1))
    builder.enroll("trainee", course)
    # The pages show what is stored, not a fresh rendering of the Markdown on each request.
    builder.db.session.execute(
        sa.update(Lesson).where(Lesson.id == lesson.id).values(body_html="<p>stored lesson marker</p>")
    )
    builder.db.session.execute(
        sa.update(CourseVersion)
        .where(CourseVersion.id == version.id)
        .values(overview_html="<p>stored overview marker</p>")
    )
    builder.db.session.commit()
    trainee = as_user("trainee")
    assert "stored lesson marker" in trainee.get("/courses/stored-html/lessons/lesson-1").get_data(
        as_text=True
    )
    assert "stored overview marker" in trainee.get("/courses/stored-html").get_data(as_text=True)


def test_a_draft_renders_on_demand_and_a_changed_body_forgets_its_html(as_user, builder, demo):
    course = builder.published(slug="next-version", lessons=1)
    draft = services.start_new_version(demo.user("expert.national"), course)
    builder.db.session.flush()
    lesson = draft.lessons[0]
    assert lesson.body_html is None  # copied text, not yet published
    services.update_lesson(
        demo.user("expert.national"),
        lesson,
        {
            "title": lesson.title,
            "slug": lesson.slug,
            "minutes": 5,
            "body": "New *text* <script>x()</script>",
            "module_id": lesson.module_id,
        },
    )
    assert lesson.body_html is None
    assert str(lesson.html) == str(render_markdown("New *text* <script>x()</script>", below=1))
    assert "<script" not in str(lesson.html)
    published = course.published_version.lessons[0]
    published.body = "Changed behind the editor's back"
    assert published.body_html is None  # never a stale rendering of other text


def test_content_render_command_stores_html_for_published_versions(cli, builder):
    import sqlalchemy as sa

    from lms.courses.models import Lesson

    course = builder.published(slug="rerender", lessons=2)
    builder.db.session.execute(sa.update(Lesson).values(body_html=None))
    builder.db.session.commit()
    result = cli.invoke(args=["content", "render"])
    assert result.exit_code == 0, result.output
    assert "version(s) rendered" in result.output
    builder.db.session.expire_all()
    for lesson in course.published_version.lessons:
        assert lesson.body_html == str(render_markdown(lesson.body, below=1))


def test_migration_renders_versions_out_of_draft(db, builder):
    import importlib.util
    from pathlib import Path

    import sqlalchemy as sa

    from lms.courses.models import Lesson

    course = builder.published(slug="migrated", lessons=2)
    draft = builder.draft(slug="still-draft", lessons=1)
    db.session.execute(sa.update(Lesson).values(body_html=None))
    db.session.commit()
    path = next(Path("lms/migrations/versions").glob("*_stored_lesson_html.py"))
    spec = importlib.util.spec_from_file_location("stored_lesson_html", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as connection:
        module._render_published(connection)
    db.session.expire_all()
    assert all(lesson.body_html for lesson in course.published_version.lessons)
    assert draft.versions[0].lessons[0].body_html is None


def test_class_survives_only_for_code_highlighting():
    from lms.content.markdown import render_markdown

    html = str(
        render_markdown('<div class="alert">x</div> <span class="big">y</span>\n\n```python\nx = 1\n```')
    )
    assert 'class="alert"' not in html and 'class="big"' not in html
    assert '<code class="language-python">' in html
    assert 'class="evil"' not in str(render_markdown('<code class="language-sql evil">z</code>'))


def test_one_converter_serves_every_text_without_carrying_anything_over():
    """The converter is reused (and short texts remembered): each text renders as it would on its own."""
    import markdown as md

    from lms.content import markdown as module

    footnoted = "Claim[^1] and *more*.\n\n[^1]: The source."
    abbreviated = "*[AEO]: Authorised Economic Operator\n\nAEO status."
    plain = "No footnotes here, no AEO abbreviation."
    long_text = "A paragraph of a lesson.\n\n" * 200  # longer than what is remembered

    def fresh(text):
        return module.sanitize_html(md.markdown(text, extensions=module._EXTENSIONS, output_format="html"))

    for text in (footnoted, abbreviated, plain, long_text, footnoted, plain):
        assert str(render_markdown(text)) == fresh(text)
    assert "fn:1" not in str(render_markdown(plain)) and "<abbr" not in str(render_markdown(plain))
    assert "fn:1" in str(render_markdown(footnoted)) and "<abbr" in str(render_markdown(abbreviated))
    assert render_markdown(footnoted) == render_markdown(footnoted)
    assert len(long_text) > module._REMEMBERED_LENGTH
