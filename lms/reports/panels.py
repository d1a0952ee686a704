"""The reports' panels: headline figures of the jurisdiction on the dashboard, a link on enterprise pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.core.panels import dashboard, enterprise_page
from lms.core.replica import reading_from_replica
from lms.reports import metrics, snapshot
from lms.reports.filters import parse_filters
from lms.reports.permissions import REPORT_ROLES, root_unit
from lms.reports.tables import Report


@dashboard.panel(
    "reports", _l("Training effectiveness this year"), REPORT_ROLES, "reports/panels/dashboard.html", order=15
)
def _dashboard_panel(user):
    unit = root_unit(user)
    if unit is None:
        return None
    snapshot.allow()
    # Read as the report pages read: from the replica, and planned for this unit and period every time.
    with reading_from_replica():
        report = Report(user, parse_filters({}, user), unit=unit)
        # The totals alone (one statement per figure), not the page's grid of sub-units and courses.
        figures = metrics.figures(report.scope).get(None) or metrics.Figures()
        funnel = metrics.grouped("funnel", report.scope)
    return {
        "unit": unit,
        "figures": figures,
        "funnel": metrics.Funnel.of(funnel[None]) if None in funnel else metrics.Funnel(),
        "filters": report.filters,
        "as_of": snapshot.as_of(),
    }


@enterprise_page.panel(
    "reports", _l("Training report"), REPORT_ROLES, "reports/panels/enterprise.html", order=60
)
def _enterprise_panel(user, enterprise=None):
    if enterprise is None:
        return None
    return {"enterprise": enterprise}
