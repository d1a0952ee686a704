"""The report pages show the hand-computed figures, and every table's CSV and XLSX hold the same numbers."""

from __future__ import annotations

import io
import re
from urllib.parse import urlencode

import pytest
from openpyxl import load_workbook

from tests.reports.conftest import PERIOD, csv_rows, same_number, xlsx_rows

Q = "?" + urlencode(PERIOD)


def test_the_dashboard_shows_the_jurisdiction_figures(client, data, read):
    client.login("officer.shenzhen")
    response = client.get("/reports/" + Q)
    assert response.status_code == 200
    page = read(response)
    assert page.figures == {
        "completion_rate": "44.4",
        "pass_rate": "57.1",
        "average_score": "69.29",
        "mean_gain": "0.200",
        "attendance_rate": "71.4",
        "satisfaction": "4.17",
        "certified": "1",
    }
    summary = (
        {row["label"]: row["value"] for row in page.tables["summary"]} if "summary" in page.tables else None
    )
    assert summary is None  # the headline is shown as figures, downloadable as a table
    units = {row["label"]: row for row in page.tables["units"]}
    assert set(units) == {"Futian Customs", "Shekou Customs"}
    futian = units["Futian Customs"]
    assert (futian["enrolments"], futian["completed"], futian["completion_rate"]) == ("6", "3", "50.0")
    assert (futian["results"], futian["pass_rate"], futian["average_score"]) == ("5", "60.0", "66.00")
    assert (futian["gain_trainees"], futian["mean_pre"], futian["mean_post"], futian["mean_gain"]) == (
        "2",
        "45.00",
        "57.50",
        "0.200",
    )
    assert (futian["registrations"], futian["attended"], futian["attendance_rate"]) == ("6", "4", "66.7")
    assert (futian["responses"], futian["satisfaction"]) == ("3", "4.17")
    shekou = units["Shekou Customs"]
    assert (shekou["mean_gain"], shekou["satisfaction"], shekou["attendance_rate"]) == ("—", "—", "100.0")
    funnel = {row["label"]: row["cases"] for row in page.tables["funnel"]}
    assert list(funnel.values()) == ["3", "2", "1", "1", "1"]
    assert [row["results"] for row in page.tables["scores"]] == [
        "0",
        "0",
        "0",
        "0",
        "1",
        "0",
        "2",
        "2",
        "1",
        "1",
    ]
    assert [row["mean"] for row in page.tables["satisfaction"]] == ["4.33", "4.00", "4.33", "4.00", "4.17"]
    trend = {row["label"]: (row["enrolments"], row["completions"]) for row in page.tables["trend"]}
    assert trend["2025-01"] == ("1", "1") and trend["2025-03"] == ("4", "1") and len(trend) == 12
    experts = {row["label"]: row for row in page.tables["experts"]}
    assert experts["Huang Jie"]["completion_rate"] == "42.9"
    assert experts["Zhou Ming"]["satisfaction"] == "4.75"
    courses = {row["label"]: row for row in page.tables["courses"]}
    assert courses["Compliance basics"]["pass_rate"] == "75.0"
    assert courses["AEO certification measures"]["average_score"] == "66.67"
    # Regional Shenzhen supervises no enterprise itself: no list of its own enterprises.
    assert "enterprises" not in page.tables


def test_charts_are_inline_svg_within_the_content_security_policy(client, data):
    client.login("officer.shenzhen")
    response = client.get("/reports/" + Q)
    html = response.get_data(as_text=True)
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    for key in ("trend", "funnel", "scores", "satisfaction"):
        assert f'data-chart="{key}"' in html
    assert "style=" not in html and "<style" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # scripts only as files
    assert "http://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html.split("<main", 1)[1])
    # Three series values drawn for the funnel: one bar per stage, each with its number as a tooltip.
    funnel_svg = html.split('data-chart="funnel"', 1)[1].split("</svg>", 1)[0]
    assert funnel_svg.count("<rect") == 5 and "Certified: 1" in funnel_svg


def _page_tables(client, url, read):
    response = client.get(url)
    assert response.status_code == 200, url
    return read(response), response.get_data(as_text=True)


def _export_links(html: str) -> list[str]:
    return sorted(
        set(a.replace("&amp;", "&") for a in re.findall(r'href="([^"]+/export/[^"]+\.csv[^"]*)"', html))
    )


@pytest.mark.parametrize("path", ["/reports/", "unit:5301", "enterprise:P", "trainee:T1"])
def test_every_table_downloads_with_the_numbers_of_the_page(client, data, read, demo, path):
    if path.startswith("unit:"):
        path = f"/reports/units/{demo.unit(path[5:]).id}"
    elif path.startswith("enterprise:"):
        path = f"/reports/enterprises/{data.enterprises[path[11:]].id}"
    elif path.startswith("trainee:"):
        path = f"/reports/trainees/{data.users[path[8:]].id}"
    client.login("officer.shenzhen")
    page, html = _page_tables(client, path + Q, read)
    links = _export_links(html)
    assert links, "every table offers a download"
    checked = 0
    for link in links:
        table = re.search(r"/export/([a-z_]+)\.csv", link).group(1)
        csv_response = client.get(link, buffered=True)  # read the stream inside the request
        xlsx_response = client.get(link.replace(".csv", ".xlsx"), buffered=True)
        assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
        assert xlsx_response.status_code == 200
        assert xlsx_response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        assert "attachment" in xlsx_response.headers["Content-Disposition"]
        from_csv, from_xlsx = csv_rows(csv_response), xlsx_rows(xlsx_response)
        assert from_csv[0] == [str(h) for h in from_xlsx[0]]
        assert len(from_csv) == len(from_xlsx)
        if table == "summary":
            figures = {row[0]: row[1] for row in from_csv[1:]}
            assert figures  # the headline cards are checked against it below
            continue
        rows = page.tables[table]
        assert len(from_csv) - 1 >= len(rows)
        for index, row in enumerate(rows):
            cells = list(row.values())
            assert len(cells) == len(from_csv[0])
            for page_text, csv_text, xlsx_value in zip(
                cells, from_csv[index + 1], from_xlsx[index + 1], strict=True
            ):
                assert same_number(page_text, csv_text, xlsx_value), (
                    table,
                    index,
                    page_text,
                    csv_text,
                    xlsx_value,
                )
            checked += 1
    assert checked


def test_the_headline_export_matches_the_figures(client, data, read):
    client.login("officer.shenzhen")
    page = read(client.get("/reports/" + Q))
    shenzhen = data.units["5300"].id
    rows = xlsx_rows(client.get(f"/reports/unit/{shenzhen}/export/summary.xlsx" + Q, buffered=True))
    values = {label: value for label, value in rows[1:]}
    assert values["Completion rate (%)"] == float(page.figures["completion_rate"]) == 44.4
    assert values["Pass rate (%)"] == 57.1 and values["Average score (%)"] == 69.29
    assert values["Mean normalised gain"] == 0.2 and values["Attendance rate (%)"] == 71.4
    assert values["Satisfaction (1–5)"] == 4.17 and values["Cultivation cases: Certified"] == 1
    assert values["Enrolments"] == 9 and values["Completed"] == 4


def test_drill_down_from_unit_to_enterprise_to_trainee(client, data, read, demo):
    client.login("officer.shenzhen")
    dashboard, _html = _page_tables(client, "/reports/" + Q, read)
    futian_link = next(link for link in dashboard.links["units"] if f"/units/{demo.unit('5301').id}" in link)
    assert "start=2025-01-01" in futian_link  # the filters travel with the drill-down
    futian, _html = _page_tables(client, futian_link.replace("&amp;", "&"), read)
    enterprises = {row["label"]: row for row in futian.tables["enterprises"]}
    assert set(enterprises) >= {
        "Pengcheng Precision Electronics Co., Ltd.",
        "Futian Cross-Border Trading Co., Ltd.",
    }
    pengcheng_row = enterprises["Pengcheng Precision Electronics Co., Ltd."]
    assert (
        pengcheng_row["completion_rate"],
        pengcheng_row["pass_rate"],
        pengcheng_row["cases"],
        pengcheng_row["certified"],
    ) == ("60.0", "60.0", "1", "1")
    link = next(
        link for link in futian.links["enterprises"] if f"/enterprises/{data.enterprises['P'].id}" in link
    )
    pengcheng, html = _page_tables(client, link.replace("&amp;", "&"), read)
    assert "dossier.pdf" in html
    trainees = {row["label"]: row for row in pengcheng.tables["trainees"]}
    t1 = trainees[data.users["T1"].display_name]
    assert (t1["enrolments"], t1["completed"], t1["results"], t1["passed"], t1["mean_gain"]) == (
        "2",
        "1",
        "2",
        "1",
        "0.500",
    )
    assert trainees[data.users["T2"].display_name]["mean_gain"] == "-0.100"
    trainee_link = next(
        link for link in pengcheng.links["trainees"] if f"/trainees/{data.users['T1'].id}" in link
    )
    trainee, _html = _page_tables(client, trainee_link.replace("&amp;", "&"), read)
    courses = {row["label"]: row for row in trainee.tables["courses"]}
    assert courses["Compliance basics"]["mean_pre"] == "40.00"
    assert (
        courses["AEO certification measures"]["pass_rate"] == "0.0"
    )  # 90 then 60, graded by the last attempt
    assert trainee.figures["attendance_rate"] == "100.0"


def test_course_and_expert_filters_on_the_page(client, data, read):
    client.login("officer.shenzhen")
    page = read(client.get("/reports/?" + urlencode(dict(PERIOD, course=data.B.id))))
    assert page.figures["completion_rate"] == "33.3" and page.figures["mean_gain"] == "—"
    page = read(client.get("/reports/?" + urlencode(dict(PERIOD, expert=data.expert_national.id))))
    assert page.figures["pass_rate"] == "33.3" and page.figures["satisfaction"] == "4.75"


def test_the_unit_filter_opens_that_unit(client, data, read, demo):
    client.login("officer.shenzhen")
    response = client.get("/reports/?" + urlencode(dict(PERIOD, unit=demo.unit("5302").id)))
    assert response.status_code == 200
    page = read(response)
    assert page.figures["completion_rate"] == "33.3"
    assert {row["label"] for row in page.tables["enterprises"]} >= {"Shekou Harbour Logistics Co., Ltd."}


def test_presets_cover_this_month_quarter_and_year(client, data):
    client.login("officer.shenzhen")
    for preset in ("month", "quarter", "year"):
        response = client.get(f"/reports/?period={preset}")
        assert response.status_code == 200
        assert "Period:" in response.get_data(as_text=True)


def test_the_dashboard_panel_and_the_navigation(client, data):
    client.login("officer.shenzhen")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/reports/"' in html
    assert "panel-reports" in html
    other = client.application.test_client()
    other.login("trainee")
    html = other.get("/").get_data(as_text=True)
    assert 'href="/reports/"' not in html and "panel-reports" not in html


def test_pages_render_in_chinese(client, data):
    client.login("officer.shenzhen")
    client.set_cookie("lang", "zh_CN")
    response = client.get(f"/reports/enterprises/{data.enterprises['P'].id}" + Q)
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_exports_keep_text_that_looks_like_a_formula_as_text(client, data, factory, db):
    factory.enterprise(data.units["5301"], name_en='=HYPERLINK("http://x")', name_zh="=1+1")
    db.session.commit()
    client.login("officer.shenzhen")
    url = f"/reports/unit/{data.units['5301'].id}/export/enterprises"
    rows = csv_rows(client.get(url + ".csv" + Q, buffered=True))
    assert ['\'=HYPERLINK("http://x")'] == [r[0] for r in rows if "HYPERLINK" in r[0]]
    workbook = load_workbook(io.BytesIO(client.get(url + ".xlsx" + Q, buffered=True).get_data()))
    cells = [row[0] for row in workbook.worksheets[0].iter_rows() if "HYPERLINK" in str(row[0].value)]
    assert [(c.value, c.data_type) for c in cells] == [('=HYPERLINK("http://x")', "s")]


def test_an_expert_from_another_region_who_taught_here_can_be_filtered_by(client, data, db, factory, read):
    from lms.sessions.models import SessionExpert

    outsider = factory.user("expert", unit=data.units["2200"])  # Shanghai's regional expert
    db.session.add(SessionExpert(session_id=data.S1.id, expert_id=outsider.id, role="assistant"))
    db.session.commit()
    client.login("officer.shenzhen")
    page = read(client.get("/reports/" + Q))
    link = next(link for link in page.links["experts"] if f"expert={outsider.id}" in link)
    response = client.get(link.replace("&amp;", "&"))
    assert response.status_code == 200
    assert read(response).figures["attendance_rate"] == "50.0"  # S1: 2 of 4 confirmed seats
    assert f'<option value="{outsider.id}" selected>' in response.get_data(as_text=True)


def test_an_xlsx_download_starts_before_its_rows_are_read_and_holds_them_all(app, data, demo, monkeypatch):
    from lms.reports import exports, tables
    from lms.reports.filters import parse_filters

    read_rows = []
    real_iter_rows = tables.iter_rows

    def counting(report, name):
        for row in real_iter_rows(report, name):
            read_rows.append(row)
            yield row

    monkeypatch.setattr(exports, "iter_rows", counting)
    with app.test_request_context("/"):
        officer = demo.user("officer.shenzhen")
        report = tables.Report(officer, parse_filters(PERIOD, officer), unit=data.units["5301"])
        pieces = exports.xlsx_chunks(report, "enterprises")
        first = next(pieces)
        assert first.startswith(b"PK") and read_rows == []  # the workbook's parts leave first
        body = first + b"".join(pieces)
    sheet = load_workbook(io.BytesIO(body)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Enterprise" and sheet["A1"].font.bold
    assert [row[0] for row in values[1:]] == [row.values["label"] for row in read_rows]
    labels = {row.values["label"] for row in read_rows}
    assert {data.enterprises["P"].name_en, data.enterprises["F"].name_en} <= labels  # Futian's enterprises


def test_the_dashboard_panel_shows_the_totals_of_the_report_page(client, data, read, clock):
    from datetime import date

    clock.set(date(2025, 12, 31))  # "this year", the panel's period, is the data set's 2025
    client.login("officer.shenzhen")
    page = read(client.get("/reports/"))
    html = client.get("/").get_data(as_text=True)
    panel = html[html.index("panel-reports") :]
    for figure in ("completion_rate", "pass_rate", "average_score", "attendance_rate"):
        assert f"{page.figures[figure]} %" in panel, figure
    assert page.figures["mean_gain"] in panel and page.figures["satisfaction"] in panel
    assert page.figures["completion_rate"] == "44.4"
