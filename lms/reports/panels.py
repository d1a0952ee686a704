"""The reports' panels: headline figures of the jurisdiction on the dashboard, a link on enterprise pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.core.panels import dashboard, enterprise_page
from lms.reports import snapshot
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
    report = Report(user, parse_filters({}, user), unit=unit)
    return {
        "unit": unit,
        "figures": report.total(),
        "funnel": report.funnel_total(),
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
