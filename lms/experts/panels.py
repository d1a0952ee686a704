"""Panels the experts area adds to other pages: the session page, the dashboard, the account page."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from lms.core.panels import ALL_ROLES, dashboard, session_page, user_page
from lms.experts.forms import AssignForm, ConfirmForm
from lms.experts.permissions import STAFF, can_assign_on_session, can_view_expert
from lms.experts.queries import (
    candidate_experts,
    session_assignments,
    session_is_open_for_assignment,
    upcoming_assignments,
)
from lms.sessions.models import EXPERT_ROLES


@session_page.panel("experts", _l("Experts"), ALL_ROLES, "experts/panels/session_experts.html", order=30)
def session_experts(user, session=None, **context):
    if session is None:
        return None
    can_assign = can_assign_on_session(user, session)
    data = {
        "session": session,
        "assignments": session_assignments(session),
        "can_assign": can_assign,
        # Profile links only for those who can open them (the organisers and GACC).
        "link_profiles": can_assign or user.role == "admin",
        "roles": EXPERT_ROLES,
    }
    if can_assign:
        data["open"] = session_is_open_for_assignment(session)
        form = AssignForm(next=request.path, formdata=None)
        form.expert_id.choices = [(e.id, e.display_name) for e in candidate_experts(user)]
        data["form"] = form
        data["confirm_form"] = ConfirmForm(formdata=None)
    return data


@dashboard.panel(
    "expert_assignments",
    _l("My upcoming sessions as expert"),
    ("expert",),
    "experts/panels/dashboard_assignments.html",
    order=6,
)
def dashboard_assignments(user):
    from lms.experts.links import session_url

    return {
        "assignments": upcoming_assignments(user, limit=8),
        "session_url": session_url,
        "roles": EXPERT_ROLES,
    }


@user_page.panel("expert_profile", _l("Expert profile"), STAFF, "experts/panels/user_expert.html", order=40)
def expert_profile_link(user, subject=None, **context):
    if subject is None or subject.role != "expert" or not can_view_expert(user, subject):
        return None
    return {"expert": subject}
