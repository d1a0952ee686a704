"""Enterprise pages for officers and admins: list with filters, detail with credit history, create, edit."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.scopes import get_enterprise_or_404, units_in_scope, user_clause
from lms.core.panels import enterprise_page
from lms.core.web import apply_domain_error, flash_form_errors, int_arg, paginate, refuse
from lms.errors import DomainError
from lms.extensions import db
from lms.org import queries, services
from lms.org.forms import CreditDecisionForm, EnterpriseForm
from lms.org.models import CREDIT_LEVELS

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
    if form.validate_on_submit():
        try:
            enterprise = services.create_enterprise(current_user, form.values())
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            _unit_choices(form)
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Enterprise created."), "success")
            return redirect(url_for("org.enterprise_detail", enterprise_id=enterprise.id))
    return render_template("org/enterprise_form.html", form=form, enterprise=None)


@bp.route("/<int:enterprise_id>/edit", methods=["GET", "POST"])
@role_required(*STAFF)
def enterprise_edit(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    form = EnterpriseForm(obj=enterprise)
    if request.method == "GET":
        form.is_production.data = "1" if enterprise.is_production else "0"
    _unit_choices(form)
    if form.validate_on_submit():
        try:
            services.update_enterprise(current_user, enterprise, form.values())
            db.session.flush()
        except DomainError as error:
            db.session.rollback()
            enterprise = get_enterprise_or_404(current_user, enterprise_id)
            _unit_choices(form)
            apply_domain_error(form, error)
        else:
            db.session.commit()
            flash(_("Enterprise saved."), "success")
            return redirect(url_for("org.enterprise_detail", enterprise_id=enterprise.id))
    return render_template("org/enterprise_form.html", form=form, enterprise=enterprise)


@bp.route("/<int:enterprise_id>/credit", methods=["POST"])
@role_required(*STAFF)
def enterprise_credit(enterprise_id: int):
    enterprise = get_enterprise_or_404(current_user, enterprise_id)
    form = CreditDecisionForm()
    if form.validate_on_submit():
        try:
            services.record_credit_decision(
                current_user,
                enterprise,
                level=form.level.data,
                decided_on=form.decided_on.data,
                reason=form.reason.data or "",
            )
            db.session.flush()
        except DomainError as error:
            refuse(error)
        else:
            db.session.commit()
            flash(_("Credit decision recorded."), "success")
    else:
        flash_form_errors(form)
    return redirect(url_for("org.enterprise_detail", enterprise_id=enterprise.id))
