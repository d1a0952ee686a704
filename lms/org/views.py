"""Enterprise pages for officers and admins: list with filters, detail with credit history, create, edit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import get_enterprise_or_404, units_in_scope, user_clause
from lms.core.actions import act, flash_errors, on_form
from lms.core.panels import enterprise_page
from lms.core.web import int_arg, paginate
from lms.errors import DomainError
from lms.extensions import db
from lms.org import queries, services
from lms.org.forms import CreditDecisionForm, EnterpriseForm
from lms.org.models import CREDIT_LEVELS, Enterprise

bp = Blueprint("org", __name__, url_prefix="/enterprises")

STAFF = ("officer", "admin")


@bp.route("/")
@role_required(*STAFF)
def enterprise_list():
    q = (request.args.get("q") or "").strip()
    unit_id = int_arg("unit")
    level = request.args.get("level") or ""
    key = request.args.get("key") or ""
    stmt = queries.enterprise_list(current_user, q=q, unit_id=unit_id, level=level, key=key)
    return render_template(
        "org/enterprise_list.html",
        pagination=paginate(stmt),
        units=units_in_scope(current_user),
        levels=CREDIT_LEVELS,
        filters={"q": q, "unit": unit_id or "", "level": level, "key": key},
    )


@bp.route("/<int:enterprise_id>")
@role_required(*STAFF)
def enterprise_detail(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    trainees = (
        db.session.execute(
            sa.select(User)
            .where(User.enterprise_id == enterprise.id, user_clause(current_user))
            .order_by(User.display_name)
        )
        .scalars()
        .all()
    )
    return render_template(
        "org/enterprise_detail.html",
        enterprise=enterprise,
        trainees=trainees,
        credit_form=CreditDecisionForm(),
        enterprise_panels=enterprise_page.for_user(current_user, enterprise=enterprise),
    )


def _unit_choices(form: EnterpriseForm) -> None:
    form.unit_id.choices = [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user, ("local",))]


@bp.route("/new", methods=["GET", "POST"])
@role_required(*STAFF)
def enterprise_create():
    form = EnterpriseForm()
    _unit_choices(form)
    return act(
        lambda _nothing, f: services.create_enterprise(current_user, f.values()),
        form=form,
        invalid=_enterprise_form_page,
        refused=_enterprise_form_refused,
        success=_("Enterprise created."),
        redirect_to=lambda enterprise: url_for("org.enterprise_detail", enterprise_id=enterprise.id),
    )


def _enterprise_form_page(enterprise: Enterprise | None, form: EnterpriseForm):
    return render_template("org/enterprise_form.html", form=form, enterprise=enterprise)


def _enterprise_form_refused(enterprise: Enterprise | None, form: EnterpriseForm, error: DomainError):
    _unit_choices(form)
    return on_form(_enterprise_form_page, status=200)(enterprise, form, error)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def enterprise_edit(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    form = EnterpriseForm(obj=enterprise)
    if request.method == "GET":
        form.is_production.data = "1" if enterprise.is_production else "0"
    _unit_choices(form)
    return act(
        lambda enterprise, f: services.update_enterprise(current_user, enterprise, f.values()),
        load=lambda: enterprise,
        form=form,
        invalid=_enterprise_form_page,
        refused=_enterprise_form_refused,
        success=_("Enterprise saved."),
        redirect_to=url_for("org.enterprise_detail", enterprise_id=enterprise_id),
    )


@bp.route("/<int:enterprise_id>/credit", methods=["POST"])
@role_required(*STAFF)
def enterprise_credit(enterprise_id: int):
    target = url_for("org.enterprise_detail", enterprise_id=enterprise_id)
    return act(
        lambda enterprise, f: services.record_credit_decision(
            current_user,
            enterprise,
            level=f.level.data,
            decided_on=f.decided_on.data,
            reason=f.reason.data or "",
        ),
        load=lambda: get_enterprise_or_404(current_user, enterprise_id),
        form=CreditDecisionForm(),
        invalid=flash_errors(target),
        success=_("Credit decision recorded."),
        redirect_to=target,
    )
