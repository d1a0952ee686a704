"""Two-factor sign-in and enrolment, and the security event log for administrators."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from datetime import time as day_start

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth import throttle, twofactor
from lms.auth.forms import ConfirmForm, SecurityEventFilterForm, TwoFactorCodeForm, TwoFactorEnrolForm
from lms.auth.models import User
from lms.auth.permissions import role_required
from lms.auth.security_log import SECURITY_EVENTS, SecurityEvent
from lms.auth.views import client_address, finish_login
from lms.core.access import public
from lms.core.search import contains, contains_any
from lms.core.web import apply_domain_error, paginate
from lms.errors import DomainError
from lms.extensions import db, limiter

bp = Blueprint("security", __name__, url_prefix="/security")


# Pages a person who must enrol in two-factor authentication can still reach.
_ENROLMENT_OPEN = {
    "security.two_factor",
    "security.two_factor_enable",
    "auth.logout",
    "static",
    "core.set_language",
    "ops.healthz",
    "ops.readyz",
}


@bp.before_app_request
def require_two_factor_enrolment():
    """With TWO_FACTOR_REQUIRED, officers and administrators enrol before anything else."""
    if request.endpoint in _ENROLMENT_OPEN or not current_user.is_authenticated:
        return None
    if twofactor.must_enrol(current_user):
        flash(_("Your role requires two-factor authentication. Set it up to continue."), "info")
        return redirect(url_for("security.two_factor"))
    return None


PENDING_SECONDS = 600  # the password step is good for this long


def _pending_user() -> User | None:
    pending = session.get("two_factor")
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        session.pop("two_factor", None)
        return None
    user = db.session.get(User, pending.get("user"))
    return user if user is not None and user.active and user.two_factor_enabled else None


@bp.route("/two-factor/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def two_factor_login():
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        address = client_address()
        # Wrong codes count like wrong passwords: this address is refused for the account after too many.
        method = (
            None
            if throttle.locked_for(user, address)
            else twofactor.verify(user, form.code.data, address=address)
        )
        if method is None:
            throttle.record_failure(user, address)
        db.session.commit()
        if method is not None:
            pending = session.pop("two_factor")
            return finish_login(
                user, remember=pending.get("remember", False), target=pending.get("next", ""), method=method
            )
        form.code.errors = [*form.code.errors, _("This code is not valid.")]
    return render_template("security/two_factor_login.html", form=form)


@bp.route("/two-factor", methods=["GET"])
@login_required
def two_factor():
    if not twofactor.may_enrol(current_user):
        abort(404)
    if current_user.two_factor_enabled:
        return render_template("security/two_factor.html", enabled=True, form=ConfirmForm())
    secret = session.get("totp_enrol_secret") or twofactor.new_secret()
    session["totp_enrol_secret"] = secret
    uri = twofactor.provisioning_uri(current_user, secret)
    return render_template(
        "security/two_factor.html",
        enabled=False,
        form=TwoFactorEnrolForm(),
        secret=secret,
        qr=twofactor.qr_svg_data_uri(uri),
    )


@bp.route("/two-factor", methods=["POST"])
@login_required
def two_factor_enable():
    if not twofactor.may_enrol(current_user) or current_user.two_factor_enabled:
        abort(404)
    secret = session.get("totp_enrol_secret")
    form = TwoFactorEnrolForm()
    if secret and form.validate_on_submit():
        try:
            codes = twofactor.enable(current_user, secret, form.code.data)
        except DomainError as error:
            db.session.rollback()
            apply_domain_error(form, error)
        else:
            db.session.commit()
            session.pop("totp_enrol_secret", None)
            return render_template("security/recovery_codes.html", codes=codes)
    secret = secret or twofactor.new_secret()
    session["totp_enrol_secret"] = secret
    return render_template(
        "security/two_factor.html",
        enabled=False,
        form=form,
        secret=secret,
        qr=twofactor.qr_svg_data_uri(twofactor.provisioning_uri(current_user, secret)),
    ), 400


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes():
    if not current_user.two_factor_enabled or not ConfirmForm().validate_on_submit():
        abort(400)
    codes = twofactor.new_recovery_codes(current_user)
    db.session.commit()
    return render_template("security/recovery_codes.html", codes=codes)


@bp.route("/two-factor/disable", methods=["POST"])
@login_required
def two_factor_disable():
    if not current_user.two_factor_enabled or not ConfirmForm().validate_on_submit():
        abort(400)
    if current_app.config.get("TWO_FACTOR_REQUIRED") and current_user.role in twofactor.TWO_FACTOR_ROLES:
        flash(_("Your role requires two-factor authentication; it cannot be turned off."), "error")
        return redirect(url_for("security.two_factor"))
    twofactor.disable(current_user, current_user)
    db.session.commit()
    flash(_("Two-factor authentication is off."), "success")
    return redirect(url_for("security.two_factor"))


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@bp.route("/events")
@role_required("admin")
def events():
    form = SecurityEventFilterForm(request.args)
    form.kind.choices = [("", _("All events")), *((k, str(v)) for k, v in SECURITY_EVENTS.items())]
    stmt = sa.select(SecurityEvent).order_by(SecurityEvent.at.desc(), SecurityEvent.id.desc())
    status = 200
    if form.kind.data in SECURITY_EVENTS:
        stmt = stmt.where(SecurityEvent.kind == form.kind.data)
    account = (form.account.data or "").strip()
    if account:
        people = sa.select(User.id).where(
            contains_any((User.login_name, User.email, User.display_name), account)
        )
        stmt = stmt.where(
            sa.or_(SecurityEvent.user_id.in_(people), contains(SecurityEvent.identifier, account))
        )
    address = (form.address.data or "").strip()
    if address:
        stmt = stmt.where(contains(SecurityEvent.address, address))
    since, until = _day(form.since.data), _day(form.until.data)
    if (form.since.data and since is None) or (form.until.data and until is None):
        form.since.errors = [_("Give dates as YYYY-MM-DD.")]
        status = 400
    zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    from zoneinfo import ZoneInfo

    if since is not None:
        stmt = stmt.where(SecurityEvent.at >= datetime.combine(since, day_start(), ZoneInfo(zone)))
    if until is not None:
        stmt = stmt.where(
            SecurityEvent.at < datetime.combine(until + timedelta(days=1), day_start(), ZoneInfo(zone))
        )
    stmt = stmt.options(sa.orm.selectinload(SecurityEvent.user), sa.orm.selectinload(SecurityEvent.actor))
    return render_template("security/events.html", form=form, pagination=paginate(stmt)), status
