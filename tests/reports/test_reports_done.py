"""Done when: an officer of Shenzhen opens the dashboard, drills down to an enterprise, downloads its dossier
and the XLSX export, and the numbers agree."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from urllib.parse import urlencode

import pytest

from tests.reports.conftest import PERIOD, pdf_text, xlsx_rows

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler) is not installed"
)

SUMMED = (
    "enrolments",
    "completed",
    "results",
    "passed",
    "gain_trainees",
    "registrations",
    "attended",
    "responses",
)


def _href(html: str, pattern: str) -> str:
    match = re.search(r'href="([^"]*' + pattern + r'[^"]*)"', html)
    assert match, pattern
    return match.group(1).replace("&amp;", "&")


def _number(value) -> Decimal | None:
    if value in (None, "", "—"):
        return None
    return Decimal(str(value))


def test_officer_of_shenzhen_drills_down_downloads_and_the_numbers_agree(client, data, read, tmp_path):
    data.record_ledger()
    pengcheng = data.enterprises["P"]
    client.login("officer.shenzhen")

    # The dashboard of the jurisdiction, for 2025.
    response = client.get("/reports/?" + urlencode(PERIOD))
    assert response.status_code == 200
    dashboard = read(response)
    assert dashboard.figures["completion_rate"] == "44.4"

    # Drill down: Shenzhen → Futian Customs → Pengcheng Precision Electronics.
    futian_url = next(link for link in dashboard.links["units"] if "/units/" in link).replace("&amp;", "&")
    futian_page = client.get(futian_url)
    assert futian_page.status_code == 200
    futian = read(futian_page)
    row = next(r for r in futian.tables["enterprises"] if r["label"].startswith("Pengcheng"))
    enterprise_url = next(
        link for link in futian.links["enterprises"] if f"/enterprises/{pengcheng.id}?" in link
    ).replace("&amp;", "&")
    response = client.get(enterprise_url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = read(response)

    # The enterprise's figures on its page are those of its row one level up.
    for key in (
        "completion_rate",
        "pass_rate",
        "average_score",
        "mean_gain",
        "attendance_rate",
        "satisfaction",
    ):
        assert page.figures[key] == row[key], key
    assert page.figures == {
        "completion_rate": "60.0",
        "pass_rate": "60.0",
        "average_score": "66.00",
        "mean_gain": "0.200",
        "attendance_rate": "80.0",
        "satisfaction": "4.17",
        "certified": "1",
    }

    # Download the dossier and the XLSX exports offered on the page.
    dossier = client.get(_href(html, "/dossier.pdf"))
    assert dossier.status_code == 200 and dossier.mimetype == "application/pdf"
    summary = xlsx_rows(client.get(_href(html, "/export/summary.xlsx"), buffered=True))
    trainees = xlsx_rows(client.get(_href(html, "/export/trainees.xlsx"), buffered=True))

    # XLSX headline = page figures.
    values = {label: value for label, value in summary[1:]}
    assert _number(values["Completion rate (%)"]) == Decimal(page.figures["completion_rate"])
    assert _number(values["Pass rate (%)"]) == Decimal(page.figures["pass_rate"])
    assert _number(values["Average score (%)"]) == Decimal(page.figures["average_score"])
    assert _number(values["Mean normalised gain"]) == Decimal(page.figures["mean_gain"])
    assert _number(values["Attendance rate (%)"]) == Decimal(page.figures["attendance_rate"])
    assert _number(values["Satisfaction (1–5)"]) == Decimal(page.figures["satisfaction"])
    assert values["Cultivation cases: Certified"] == int(page.figures["certified"])

    # XLSX per trainee adds up to the enterprise's totals.
    header = [str(h) for h in trainees[0]]
    columns = {label: index for index, label in enumerate(header)}
    labels = {
        "enrolments": "Enrolments",
        "completed": "Completed",
        "results": "Graded results",
        "passed": "Passed",
        "gain_trainees": "Pre- and post-tested",
        "registrations": "Confirmed registrations",
        "attended": "Present or late",
        "responses": "Feedback responses",
    }
    assert len(trainees) - 1 == 4
    for key in SUMMED:
        total = sum(r[columns[labels[key]]] or 0 for r in trainees[1:])
        assert total == values[labels[key]] == int(row[key]), key

    # The dossier states the same headline figures and lists the records behind them with ledger references.
    text = pdf_text(dossier.data, tmp_path)
    for label, value in values.items():
        match = re.search(re.escape(label) + r"\s+(\S+)", text)
        assert match, label
        assert _number(match.group(1)) == _number(value), label
    completions = text.split("Course completions", 1)[1].split("Attendance", 1)[0]
    assert len(re.findall(r"#\d+·[0-9a-f]{12}", completions)) == values["Completed"]
    attendance = text.split("Attendance", 2)[2].split("Graded quiz attempts", 1)[0]
    assert len(re.findall(r"#\d+·[0-9a-f]{12}", attendance)) == values["Confirmed registrations"]
    assert attendance.count("Present") + attendance.count("Late") == values["Present or late"]
