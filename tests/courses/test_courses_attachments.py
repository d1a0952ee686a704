"""Lesson attachments: size limit, type from the content, stored outside static/, served only to those who may
see the course, as a download that the browser must not sniff."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.courses import services
from lms.courses.models import LessonAttachment

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


def _entry(name: str) -> zipfile.ZipInfo:
    # A fixed time: the bytes are test ids, and pytest-xdist workers must collect the same ids.
    return zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))


def office(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry("[Content_Types].xml"), "<Types/>")
        archive.writestr(_entry(part), "<x/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(_entry("readme.txt"), "hello")
    return buffer.getvalue()


@pytest.fixture
def draft(builder):
    return builder.draft(author="expert.shenzhen", slug="with-files")


def _upload(client, lesson_id, content: bytes, name: str):
    return client.submit(
        f"/courses/lessons/{lesson_id}/attachments",
        {"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
        follow_redirects=True,
    )


@pytest.mark.parametrize(
    "content, name, stored_name, mimetype",
    [
        (PDF, "Slides.pdf", "Slides.pdf", "application/pdf"),
        (PNG, "diagram.png", "diagram.png", "image/png"),
        (JPEG, "photo.jpeg", "photo.jpg", "image/jpeg"),
        (
            office("word/document.xml"),
            "notes.docx",
            "notes.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            office("xl/workbook.xml"),
            "figures.xlsx",
            "figures.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            office("ppt/presentation.xml"),
            "deck.pptx",
            "deck.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (PDF, "misnamed.png", "misnamed.pdf", "application/pdf"),  # the content decides, not the name
        (PDF, "../../etc/passwd", "passwd.pdf", "application/pdf"),
    ],
)
def test_accepted_types(as_user, draft, db, app, content, name, stored_name, mimetype):
    lesson = draft.versions[0].lessons[0]
    page = _upload(as_user("expert.shenzhen"), lesson.id, content, name)
    assert "File attached." in page.get_data(as_text=True)
    attachment = db.session.execute(sa.select(LessonAttachment)).scalar_one()
    assert (attachment.filename, attachment.mimetype, attachment.size) == (
        stored_name,
        mimetype,
        len(content),
    )
    stored = Path(app.config["UPLOAD_FOLDER"]) / "lesson-attachments" / attachment.stored_name
    assert stored.read_bytes() == content
    assert "static" not in stored.parts


@pytest.mark.parametrize(
    "content, name",
    [
        (b"MZ\x90\x00 this is a program", "slides.pdf"),
        (b"<html><script>alert(1)</script></html>", "image.png"),
        (plain_zip(), "notes.docx"),
        (b"GIF89a" + b"\x00" * 10, "anim.gif"),
        (b"PK\x03\x04 not really a zip", "deck.pptx"),
        (b"", "empty.pdf"),
    ],
)
def test_wrong_types_are_refused_with_a_message(as_user, draft, db, app, content, name):
    lesson = draft.versions[0].lessons[0]
    page = _upload(as_user("expert.shenzhen"), lesson.id, content, name)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "not accepted" in html or "empty" in html
    assert db.session.execute(sa.select(LessonAttachment)).first() is None
    folder = Path(app.config["UPLOAD_FOLDER"]) / "lesson-attachments"
    assert not folder.exists() or not any(p.name.endswith(".part") for p in folder.iterdir())


def test_size_limit(as_user, draft, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 100)
    lesson = draft.versions[0].lessons[0]
    client = as_user("expert.shenzhen")
    page = _upload(client, lesson.id, PDF + b"x" * 200, "big.pdf")
    assert "larger than the limit of 100 B" in page.get_data(as_text=True)
    assert db.session.execute(sa.select(LessonAttachment)).first() is None
    assert "File attached." in _upload(client, lesson.id, PDF, "small.pdf").get_data(as_text=True)
    # A request over the server-wide limit is refused before the view, with the same message.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 500)
    page = _upload(client, lesson.id, b"%PDF-" + b"x" * 2000, "huge.pdf")
    assert page.status_code == 200 and "larger than the limit of 100 B" in page.get_data(as_text=True)
    assert db.session.execute(sa.select(sa.func.count()).select_from(LessonAttachment)).scalar_one() == 1
    response = client.submit(f"/courses/versions/{draft.versions[0].id}/modules", {"title": "x" * 1000})
    assert response.status_code == 413


def test_only_authors_of_a_draft_attach(as_user, draft):
    lesson = draft.versions[0].lessons[0]
    assert _upload(as_user("expert.national"), lesson.id, PDF, "x.pdf").status_code == 404
    assert _upload(as_user("trainee"), lesson.id, PDF, "x.pdf").status_code == 404
    assert _upload(as_user("officer.futian"), lesson.id, PDF, "x.pdf").status_code == 404
    assert _upload(as_user("admin"), lesson.id, PDF, "x.pdf").status_code == 200


def _publish_with_file(draft, demo, db):
    version = draft.versions[0]
    author = demo.user("expert.shenzhen")
    attachment = services.add_attachment(
        author, version.lessons[0], filename="slides.pdf", stream=io.BytesIO(PDF)
    )
    services.submit_for_review(author, version)
    services.approve(demo.user("admin"), version)
    db.session.commit()
    return attachment


def _status(client, url) -> int:
    response = client.get(url)
    response.close()  # a file response holds the file open until closed
    return response.status_code


def test_download_headers_and_access(as_user, client, draft, demo, db, builder):
    attachment = _publish_with_file(draft, demo, db)
    url = f"/courses/attachments/{attachment.id}"
    builder.enroll("trainee", draft, actor=demo.user("trainee"))
    response = as_user("trainee").get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "slides.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]
    response.close()
    assert _status(as_user("trainee.customs"), url) == 404  # not enrolled
    assert _status(client, url) == 302  # visitors log in first
    for login in ("expert.national", "officer.shanghai", "admin"):
        assert _status(as_user(login), url) == 200
    assert _status(as_user("trainee"), "/courses/attachments/999999") == 404


def test_draft_files_are_for_authors_and_new_versions_copy_them(as_user, draft, demo, db, app):
    attachment = _publish_with_file(draft, demo, db)
    author = demo.user("expert.shenzhen")
    v2 = services.start_new_version(author, draft)
    db.session.commit()
    copy = v2.lessons[0].attachments[0]
    assert copy.stored_name != attachment.stored_name and copy.sha256 == attachment.sha256
    url = f"/courses/attachments/{copy.id}"
    assert _status(as_user("expert.shenzhen"), url) == 200
    assert _status(as_user("expert.national"), url) == 404
    assert _status(as_user("trainee"), url) == 404
    # Removing the draft's copy leaves the published file alone.
    copy_name, original_name, original_id = copy.stored_name, attachment.stored_name, attachment.id
    response = as_user("expert.shenzhen").submit(f"/courses/attachments/{copy.id}/delete")
    assert response.status_code == 302
    folder = Path(app.config["UPLOAD_FOLDER"]) / "lesson-attachments"
    assert not (folder / copy_name).exists()
    assert (folder / original_name).exists()
    assert _status(as_user("admin"), f"/courses/attachments/{original_id}") == 200
