"""Report snapshots: a page reloaded within REPORT_SNAPSHOT_SECONDS shows the figures computed then and says
when; "compute afresh", the end of the window, exports and other people always see the records as they are."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from lms.reports import snapshot
from tests.reports.conftest import PERIOD, csv_rows

Q = "?" + urlencode(PERIOD)


@pytest.fixture
def snapshots(app, monkeypatch):
    monkeypatch.setitem(app.config, "REPORT_SNAPSHOT_SECONDS", 60)
    with app.app_context():
        snapshot.forget()
    yield
    with app.app_context():
        snapshot.forget()


def _one_more_completion(data):
    """T5 (Futian) completes course B: the Shenzhen completion rate goes from 4 of 9 to 5 of 10."""
    data.enroll("E12", data.users["T5"], data.B, "2025-08-01", status="completed", completed="2025-08-20")
    data.db.session.commit()


def test_a_reload_within_the_window_shows_the_same_figures_and_says_when(
    client, data, read, clock, snapshots
):
    clock.set(clock.now().replace(hour=9, minute=30, second=0, microsecond=0))
    client.login("officer.shenzhen")
    first = client.get("/reports/" + Q)
    assert read(first).figures["completion_rate"] == "44.4"
    note = first.get_data(as_text=True)
    assert 'id="snapshot-note"' in note and "a reload within 60 seconds shows the same figures" in note

    _one_more_completion(data)
    clock.advance(seconds=30)
    again = client.get("/reports/" + Q)
    assert read(again).figures["completion_rate"] == "44.4"  # the snapshot, as the note says
    assert "Compute them afresh" in again.get_data(as_text=True)

    afresh = client.get("/reports/" + Q + "&fresh=1")
    assert read(afresh).figures["completion_rate"] == "50.0"
    assert "Compute them afresh" not in afresh.get_data(as_text=True)  # nothing older to recompute


def test_the_window_ends_and_the_page_computes_afresh(client, data, read, clock, snapshots):
    client.login("officer.shenzhen")
    assert read(client.get("/reports/" + Q)).figures["completion_rate"] == "44.4"
    _one_more_completion(data)
    clock.advance(seconds=61)
    assert read(client.get("/reports/" + Q)).figures["completion_rate"] == "50.0"


def test_exports_compute_afresh_while_the_page_keeps_its_snapshot(client, data, read, snapshots):
    client.login("officer.shenzhen")
    page = client.get("/reports/" + Q)
    assert read(page).figures["completion_rate"] == "44.4"
    _one_more_completion(data)
    unit = data.units["5300"].id
    exported = client.get(f"/reports/unit/{unit}/export/summary.csv" + Q, buffered=True)
    assert exported.status_code == 200
    rows = {row[0]: row for row in csv_rows(exported)[1:]}
    assert any("50.0" in row for row in rows.values()), rows
    assert read(client.get("/reports/" + Q)).figures["completion_rate"] == "44.4"


@pytest.mark.parametrize("other", ["officer.futian", "admin"])
def test_nobody_reads_figures_computed_for_someone_else(client, app, data, read, snapshots, other):
    unit = data.units["5301"].id  # Futian: inside both the Shenzhen officer's and the other's jurisdiction
    client.login("officer.shenzhen")
    assert read(client.get(f"/reports/units/{unit}" + Q)).figures["completion_rate"] == "50.0"
    client.submit("/logout")
    _one_more_completion(data)
    client.login(other)
    page = client.get(f"/reports/units/{unit}" + Q)
    assert page.status_code == 200
    assert read(page).figures["completion_rate"] == "57.1"  # 4 of 7: their own computation, after the change


def test_no_note_when_snapshots_are_off(client, data, read):
    client.login("officer.shenzhen")
    page = client.get("/reports/" + Q)
    assert read(page).figures["completion_rate"] == "44.4"
    assert 'id="snapshot-note"' not in page.get_data(as_text=True)


def test_the_dashboard_panel_says_when_its_figures_were_computed(client, data, snapshots):
    client.login("officer.shenzhen")
    home = client.get("/")
    assert home.status_code == 200
    assert "Figures computed at" in home.get_data(as_text=True)
