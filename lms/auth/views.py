"""Login, logout, password change, profile, and account management for officers and admins."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from lms.auth import queries, services, throttle
from lms.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    UserCreateForm,
)
from lms.auth.models import ROLES, User
from lms.auth.permissions import can_manage_user, role_required
from lms.auth.scopes import enterprise_clause, get_user_or_404, units_in_scope
from lms.auth.security_log import record_security_event
from lms.core.access import public
from lms.core.actions import act, flash_errors, on_form
from lms.core.forms import LogoutForm
from lms.core.panels import user_page
from lms.core.web import is_safe_next, paginate
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.org.models import CustomsUnit, Enterprise
from lms.privacy.forms import LeaverForm
from lms.privacy.services import log_access_now

bp = Blueprint("auth", __name__)


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(_login_rate_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.find_user_by_login(form.identifier.data)
        known = user is not None and throttle.is_known_device(
            user, request.cookies.get(throttle.DEVICE_COOKIE)
        )
        result = services.authenticate(
            form.identifier.data, form.password.data, address=client_address(), known_device=known
        )
        db.session.commit()  # failure counts, throttles and the security log are kept whatever the outcome
        if result.user is None:
            form.form_errors.append(result.error)
        elif result.user.two_factor_enabled:
            # The password was right; the second factor decides. Nothing is signed in until then.
            session["two_factor"] = {
                "user": result.user.id,
                "remember": bool(form.remember.data),
                "next": form.next.data or "",
                "at": time.time(),
            }
            return redirect(url_for("security.two_factor_login"))
        else:
            return finish_login(result.user, remember=form.remember.data, target=form.next.data)
    return render_template("auth/login.html", form=form)


def client_address() -> str:
    """The client's address (the proxy's X-Forwarded-For is trusted only with LMS_PROXY_COUNT set)."""
    return request.remote_addr or ""


def finish_login(user: User, *, remember: bool, target: str, method: str = "password"):
    services.complete_login(user, address=client_address(), method=method)
    db.session.commit()
    login_user(user, remember=remember)
    flash(_("Welcome, %(name)s.", name=user.display_name), "success")
    response = redirect(target if is_safe_next(target) else url_for("core.index"))
    # This browser is now known to the account: the account-wide throttle does not apply to it.
    response.set_cookie(
        throttle.DEVICE_COOKIE,
        throttle.device_cookie_value(user),
        max_age=throttle.DEVICE_COOKIE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.route("/logout", methods=["POST"])
@public
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        if current_user.is_authenticated:
            record_security_event("logout", user=current_user, address=client_address())
            db.session.commit()
        logout_user()
        flash(_("You have logged out."), "info")
    return redirect(url_for("core.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():

    def page(_nothing, form):
        return render_template("auth/change_password.html", form=form)

    return act(
        lambda _nothing, f: services.change_password(current_user, f.current_password.data, f.password.data),
        form=ChangePasswordForm(),
        invalid=page,
        refused=on_form(page, status=200),
        success=_("Your password has been changed."),
        redirect_to=url_for("auth.profile"),
    )


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.preferred_language.data = current_user.preferred_language or ""
        form.timezone.data = current_user.timezone or ""
    if form.validate_on_submit():
        current_user.display_name = form.display_name.data.strip()
        current_user.preferred_language = form.preferred_language.data or None
        current_user.timezone = form.timezone.data or None
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form, user=current_user)


# -- account management ------------------------------------------------------------------------------------


@bp.route("/users/")
@role_required("officer", "admin")
def user_list():
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role") or ""
    stmt = queries.user_list(current_user, q=q, role=role)
    return render_template("auth/user_list.html", pagination=paginate(stmt), q=q, role=role, roles=ROLES)


def _fill_user_choices(form: UserCreateForm) -> None:
    enterprises = db.session.execute(
        sa.select(Enterprise).where(enterprise_clause(current_user)).order_by(Enterprise.name_en)
    ).scalars()
    form.enterprise_id.choices = [(0, "—")] + [(e.id, f"{e.name} ({e.customs_code})") for e in enterprises]
    form.unit_id.choices = [(0, "—")] + [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user)]
    if current_user.role != "admin":
        form.role.choices = [(k, v) for k, v in ROLES.items() if k != "admin"]


@bp.route("/users/new", methods=["GET", "POST"])
@role_required("officer", "admin")
def user_create():
    form = UserCreateForm()
    _fill_user_choices(form)

    def create(_nothing, form: UserCreateForm) -> User:
        enterprise = db.session.get(Enterprise, form.enterprise_id.data) if form.enterprise_id.data else None
        unit = db.session.get(CustomsUnit, form.unit_id.data) if form.unit_id.data else None
        return services.create_user(
            current_user,
            login_name=form.login_name.data,
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            role=form.role.data,
            enterprise=enterprise,
            unit=unit,
            position=form.position.data or None,
            expert_level=form.expert_level.data or None,
            preferred_language=form.preferred_language.data or None,
        )

    def page(_nothing, form):
        return render_template("auth/user_form.html", form=form)

    def refused(_nothing, form, error: DomainError):
        _fill_user_choices(form)
        return on_form(page, status=200)(None, form, error)

    return act(
        create,
        form=form,
        invalid=page,
        refused=refused,
        success=lambda user: _("Account %(login)s created.", login=user.login_name),
        redirect_to=lambda user: url_for("auth.user_detail", user_id=user.id),
    )


@bp.route("/users/<int:user_id>")
@role_required("officer", "admin")
def user_detail(user_id: int):
    user = get_user_or_404(current_user, user_id)
    log_access_now(current_user, user, "profile")
    return render_template(
        "auth/user_detail.html",
        user=user,
        can_manage=can_manage_user(current_user, user),
        reset_form=ResetPasswordForm(),
        confirm_form=ConfirmForm(),
        user_panels=user_page.for_user(current_user, subject=user),
        leaver_form=LeaverForm(formdata=None, left_on=user.left_enterprise_on),
    )


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("officer", "admin")
def user_set_active(user_id: int):
    activate = request.form.get("active") == "1"

    def refused(user, form, error: DomainError):
        abort(403, str(error))

    return act(
        lambda user, _f: services.set_active(current_user, user, activate),
        load=lambda: get_user_or_404(current_user, user_id),
        form=ConfirmForm(),
        refused=refused,
        success=_("Account reactivated.") if activate else _("Account deactivated."),
        redirect_to=url_for("auth.user_detail", user_id=user_id),
    )


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@role_required("officer", "admin")
def user_reset_password(user_id: int):
    target = url_for("auth.user_detail", user_id=user_id)
    return act(
        lambda user, f: services.reset_password(current_user, user, f.password.data),
        load=lambda: get_user_or_404(current_user, user_id),
        form=ResetPasswordForm(),
        invalid=flash_errors(target),
        success=_("The password has been reset."),
        redirect_to=target,
    )
