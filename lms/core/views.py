"""Home and dashboards, health check, language switch, error pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.auth.models import LANGUAGES, User
from lms.auth.scopes import enterprise_clause, user_clause
from lms.core.access import public
from lms.core.dashboard import dashboard_section, sections_for
from lms.core.page_cache import kept
from lms.core.web import is_safe_next
from lms.extensions import csrf, db
from lms.org.models import CREDIT_LEVELS, Enterprise

bp = Blueprint("core", __name__)


@bp.route("/")
@kept
@public
def index():
    if not current_user.is_authenticated:
        return render_template("core/landing.html")
    return render_template("core/dashboard.html", sections=sections_for(current_user))


@bp.route("/language", methods=["POST"])
@public
@csrf.exempt
def set_language():
    # A visitor who has not signed in has nothing a forged request could change but the language cookie, so
    # their switch carries no token: a public page (certificate verification, say) then sets no session
    # cookie. A signed-in user's switch also changes their account, and is checked as every other form.
    if current_user.is_authenticated:
        csrf.protect()
    language = request.form.get("language", "")
    target = request.form.get("next") or url_for("core.index")
    if not is_safe_next(target):
        target = url_for("core.index")
    response = make_response(redirect(target))
    if language in LANGUAGES:
        response.set_cookie(
            "lang",
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        if current_user.is_authenticated:
            current_user.preferred_language = language
            db.session.commit()
    return response


# -- dashboard sections shared by every role --------------------------------------------------------------


@dashboard_section(
    "my_enterprise", _l("My enterprise"), ("trainee",), "core/sections/my_enterprise.html", order=5
)
def _my_enterprise(user: User):
    return {"enterprise": user.enterprise}


@dashboard_section(
    "jurisdiction", _l("My jurisdiction"), ("officer", "admin"), "core/sections/jurisdiction.html", order=5
)
def _jurisdiction(user: User):
    by_level = {
        (level or "none"): count
        for level, count in db.session.execute(
            sa.select(Enterprise.credit_level, sa.func.count())
            .where(enterprise_clause(user))
            .group_by(Enterprise.credit_level)
        ).all()
    }
    key_count = db.session.execute(
        sa.select(sa.func.count()).select_from(Enterprise).where(enterprise_clause(user), Enterprise.is_key)
    ).scalar_one()
    trainees = db.session.execute(
        sa.select(sa.func.count()).select_from(User).where(user_clause(user), User.role == "trainee")
    ).scalar_one()
    return {
        "unit": user.unit,
        "levels": [(CREDIT_LEVELS[k], by_level.get(k, 0)) for k in CREDIT_LEVELS if by_level.get(k)],
        "unrated": by_level.get("none", 0),
        "total": sum(by_level.values()),
        "key_count": key_count,
        "trainees": trainees,
    }


@dashboard_section(
    "expert_profile", _l("My expert profile"), ("expert",), "core/sections/expert_profile.html", order=5
)
def _expert_profile(user: User):
    return {"user": user}
