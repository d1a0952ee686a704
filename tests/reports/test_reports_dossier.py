"""The evidence dossier: one PDF per enterprise, each record with its ledger reference."""

from __future__ import annotations

import shutil
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from lms.evidence.models import LedgerEntry
from tests.reports.conftest import PERIOD, pdf_text

Q = "?" + urlencode(PERIOD)
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler) is not installed"
)


@needs_pdftotext
def test_the_dossier_cites_the_ledger_entry_of_every_record(client, data, db, tmp_path):
    data.record_ledger()
    client.login("officer.futian")
    response = client.get(f"/reports/enterprises/{data.enterprises['P'].id}/dossier.pdf" + Q)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    text = pdf_text(response.data, tmp_path)
    entries = db.session.execute(sa.select(LedgerEntry).order_by(LedgerEntry.seq)).scalars().all()
    kinds = {e.kind for e in entries}
    assert kinds == {
        "course_completed",
        "attempt_graded",
        "attendance_marked",
        "certificate_issued",
        "case_transition",
    }
    later = next(a for a in data.attempts if a.submitted_at is not None and a.submitted_at.year == 2026)
    practice = next(a for a in data.attempts if a.quiz_id == data.quizzes["PR"].id)
    for entry in entries:
        if (entry.subject_type, entry.subject_id) in {("attempt", later.id), ("attempt", practice.id)}:
            assert entry.reference not in text  # after the period; a practice quiz is no evidence of results
        else:
            assert entry.reference in text, (entry.kind, entry.subject_id)
    assert "Training evidence dossier" in text
    assert "Pengcheng Precision Electronics Co., Ltd." in text
    assert data.enterprises["P"].uscc in text
    assert "RPTCERT0001" in text  # the certificate, with its code
    for trainee in ("T1", "T2", "T3", "T4"):  # names wrap inside table cells: look for the first words
        assert data.users[trainee].display_name.split(" (")[0] in text
    assert data.users["T6"].display_name.split(" (")[0] not in text  # another enterprise's trainee
    # T2's result of 95 came after the period: its attempt is not listed.
    assert "95.00" not in text


@needs_pdftotext
def test_a_record_without_a_ledger_entry_says_so(client, data, tmp_path):
    client.login("officer.shenzhen")
    response = client.get(f"/reports/enterprises/{data.enterprises['P'].id}/dossier.pdf" + Q)
    text = pdf_text(response.data, tmp_path)
    assert (
        "Course completions" in text
        and "#" not in text.split("Course completions", 1)[1].split("Attendance")[0]
    )


def test_the_dossier_renders_in_chinese(client, data, tmp_path):
    data.record_ledger()
    client.login("officer.shenzhen")
    client.set_cookie("lang", "zh_CN")
    response = client.get(f"/reports/enterprises/{data.enterprises['P'].id}/dossier.pdf" + Q)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert b"STSong-Light" in response.data  # the enterprise's Chinese name needs the CJK font
    if shutil.which("pdftotext"):
        assert "鹏城精密电子有限公司" in pdf_text(response.data, tmp_path)
