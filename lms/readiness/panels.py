"""Readiness panels on other areas' pages: the enterprise page, the case page and the dashboard."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.core.panels import case_page, dashboard, enterprise_page
from lms.readiness import maps, paths, services


@enterprise_page.panel(
    "readiness",
    _l("AEO readiness"),
    ("officer", "admin", "trainee"),
    "readiness/panels/enterprise.html",
    order=55,
)
def _enterprise_panel(user, enterprise=None):
    if enterprise is None:
        return None
    assessments = services.assessments_of(enterprise.id)
    return {"enterprise": enterprise, "trend": maps.trend(assessments)}


@case_page.panel(
    "readiness",
    _l("Training that follows the readiness gaps"),
    ("officer", "admin"),
    "readiness/panels/case.html",
    order=45,
)
def _case_panel(user, case=None):
    if case is None:
        return None
    latest = services.latest_judged(case.enterprise_id)
    steps = paths.recommended_path(paths.gaps_of(latest))
    in_plan = {i.course_id for i in case.plan_items if i.course_id}
    return {
        "case": case,
        "latest": latest,
        "steps": steps,
        "in_plan": in_plan,
        "editable": paths.case_in_plan_state(case),
    }


@dashboard.panel("readiness", _l("AEO readiness"), ("trainee",), "readiness/panels/dashboard.html", order=40)
def _dashboard_panel(user):
    if user.enterprise_id is None:
        return None
    latest = services.latest_judged(user.enterprise_id)
    steps = paths.recommended_path(paths.gaps_of(latest))
    return {
        "latest": latest,
        "steps": steps[:3],
        "can_fill": services.can_fill(user, user.enterprise_id),
    }
