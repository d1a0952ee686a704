"""Panels the cultivation area adds to the dashboard and the enterprise page."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from lms.core.panels import dashboard, enterprise_page
from lms.cultivation import clock, eligibility, flags, services
from lms.cultivation.forms import ActionForm
from lms.cultivation.models import OPEN_STATES, CultivationCase
from lms.cultivation.permissions import STAFF, can_apply, case_clause
from lms.extensions import db
from lms.org.models import Enterprise

PANEL_LIMIT = 8


@dashboard.panel(
    "cultivation_flags", _l("Cultivation flags"), STAFF, "cultivation/panels/flags.html", order=15
)
def _flags(user):
    found = flags.flags_for(user)
    return {
        "flags": found[:PANEL_LIMIT],
        "more": max(0, len(found) - PANEL_LIMIT),
        "form": ActionForm(),
        "today": clock.today(),
    }


@dashboard.panel(
    "cultivation_to_screen",
    _l("Cultivation cases to screen"),
    STAFF,
    "cultivation/panels/to_screen.html",
    order=16,
)
def _to_screen(user):
    clause = sa.and_(case_clause(user), CultivationCase.state == "submitted")
    total = db.session.execute(
        sa.select(sa.func.count()).select_from(CultivationCase).where(clause)
    ).scalar_one()
    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .where(clause)
            .options(joinedload(CultivationCase.enterprise))
            .order_by(CultivationCase.opened_on, CultivationCase.id)
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"cases": cases, "total": total}


@dashboard.panel(
    "cultivation_my_enterprise",
    _l("Cultivation of my enterprise"),
    ("trainee",),
    "cultivation/panels/my_enterprise.html",
    order=15,
)
def _my_enterprise(user):
    if user.enterprise_id is None:
        return None
    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .where(CultivationCase.enterprise_id == user.enterprise_id)
            .order_by(CultivationCase.state.in_(OPEN_STATES).desc(), CultivationCase.opened_on.desc())
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    return {"cases": cases, "can_apply": can_apply(user)}


@enterprise_page.panel(
    "cultivation", _l("Cultivation"), STAFF, "cultivation/panels/enterprise.html", order=30
)
def _enterprise(user, enterprise: Enterprise, **context):
    cases = (
        db.session.execute(
            sa.select(CultivationCase)
            .where(CultivationCase.enterprise_id == enterprise.id, case_clause(user))
            .order_by(CultivationCase.opened_on.desc(), CultivationCase.id.desc())
            .limit(PANEL_LIMIT)
        )
        .scalars()
        .all()
    )
    today = clock.today()
    return {
        "enterprise": enterprise,
        "cases": cases,
        "rereview": services.enterprise_rereview(enterprise),
        "bars": eligibility.active_bars(enterprise, today),
        "today": today,
    }
