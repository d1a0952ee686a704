"""A trainee downloads everything held about them; officers export a person's data within their jurisdiction."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from lms.auth.security_log import SecurityEvent
from lms.notifications.services import notify
from lms.privacy.models import RecordAccess
from tests.credentials.helpers import pdf_text


def test_a_trainee_downloads_all_their_data_as_json(client, data, demo, db):
    data.record_ledger()
    trainee = demo.user("trainee")
    notify(trainee, "test", "Your plan is ready", "Open it when you can.")
    db.session.commit()
    client.login("trainee")
    response = client.get("/privacy/my-data.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    held = json.loads(response.get_data(as_text=True))
    assert (
        held["profile"]["login_name"] == "trainee" and held["profile"]["display_name"] == trainee.display_name
    )
    assert {e["status"] for e in held["enrolments"]} == {"completed", "active"}
    assert len(held["attempts"]) >= 4 and all("answers" in a for a in held["attempts"])
    assert {a["percent"] for a in held["attempts"] if a["percent"]} >= {"40", "55", "70", "90", "60", "20"}
    assert any(a["attendance"] == "present" for a in held["attendance"])
    assert [f["content"] for f in held["feedback"]] == [5]
    assert [c["code"] for c in held["certificates"]] == ["RPTCERT0001"]
    assert [n["title"] for n in held["notifications"]] == ["Your plan is ready"]
    assert held["privacy_notice_acceptances"][0]["version"] == 1
    # Nobody else's: the other trainees of the enterprise do not appear.
    assert demo.user("trainee.manager").display_name not in response.get_data(as_text=True)


def test_the_pdf_is_readable_in_the_readers_language(client, data, demo, db):
    data.record_ledger()
    demo.user("trainee").preferred_language = "zh_CN"
    db.session.commit()
    client.login("trainee")
    response = client.get("/privacy/my-data.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert demo.user("trainee").display_name in text
    assert "RPTCERT0001" in text and "Compliance basics" in text
    # The section titles in Chinese, drawn in the CJK font (UCS-2 codes in PDF string syntax).
    assert _pdf_literal("证书") in text and _pdf_literal("测验作答及答案") in text


def _pdf_literal(text: str) -> str:
    """How reportlab writes a string in the CJK font: UTF-16 bytes, the unprintable ones as octal escapes."""
    return "".join(
        ("\\" + chr(b) if chr(b) in "()\\" else chr(b)) if 32 <= b < 127 else f"\\{b:03o}"
        for b in text.encode("utf-16-be")
    )


# (who asks, whose data, expected status): officers within their jurisdiction, 404 outside, other roles 403.
CASES = [
    ("officer.futian", "trainee", 200),
    ("officer.shenzhen", "trainee", 200),
    ("admin", "trainee.shanghai", 200),
    ("officer.shanghai", "trainee", 404),
    ("officer.futian", "trainee.shekou", 404),
    ("trainee.manager", "trainee", 403),
    ("expert.shenzhen", "trainee", 403),
]


@pytest.mark.parametrize(("login", "whose", "status"), CASES)
@pytest.mark.parametrize("fmt", ["json", "pdf"])
def test_officers_export_a_persons_data_within_their_jurisdiction(
    client, demo, db, login, whose, status, fmt
):
    person = demo.user(whose)
    client.login(login)
    response = client.get(f"/privacy/people/{person.id}/export.{fmt}")
    assert response.status_code == status
    events = (
        db.session.execute(
            sa.select(SecurityEvent).where(
                SecurityEvent.kind == "data_exported", SecurityEvent.user_id == person.id
            )
        )
        .scalars()
        .all()
    )
    accesses = (
        db.session.execute(
            sa.select(RecordAccess).where(RecordAccess.subject_id == person.id, RecordAccess.kind == "export")
        )
        .scalars()
        .all()
    )
    if status == 200:
        assert [(e.actor_id, e.detail["format"]) for e in events] == [(demo.user(login).id, fmt)]
        assert [a.actor_id for a in accesses] == [demo.user(login).id]
    else:
        assert events == [] and accesses == []


def test_anonymous_visitors_are_sent_to_login(client, demo):
    response = client.get(f"/privacy/people/{demo.user('trainee').id}/export.json")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/privacy/my-data.json").status_code == 302


def test_an_unknown_format_is_not_found(client, demo):
    client.login("admin")
    assert client.get(f"/privacy/people/{demo.user('trainee').id}/export.xml").status_code == 404
    assert client.get("/privacy/my-data.xml").status_code == 404
