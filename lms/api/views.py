"""Pages: personal access tokens on the account pages, service accounts for administrators."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.api import tokens
from lms.api.forms import RevokeForm, ServiceAccountForm, TokenForm
from lms.api.models import ApiToken, ServiceAccount
from lms.auth.permissions import role_required
from lms.auth.scopes import units_in_scope
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page
from lms.core.web import apply_domain_error
from lms.errors import DomainError
from lms.extensions import db
from lms.org.models import CustomsUnit

bp = Blueprint("api_tokens", __name__)


# -- personal access tokens ---------------------------------------------------------------------------------


def _create_token_from_form(owner) -> tuple[TokenForm, str | None, int]:
    """Make a token for ``owner`` from the posted form: the form to show next, the secret (shown once), the
    status code."""
    form = TokenForm()
    if not form.validate_on_submit():
        return form, None, 400 if form.is_submitted() else 200
    try:
        _token, secret = tokens.create_token(
            current_user, owner, name=form.name.data, scope=form.scope.data, days=form.expires_in_days.data
        )
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return form, None, error.status_code
    db.session.commit()
    return TokenForm(formdata=None), secret, 200


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def my_tokens():
    form, secret, status = _create_token_from_form(current_user)
    return render_template(
        "api/my_tokens.html",
        form=form,
        secret=secret,
        tokens=tokens.tokens_of(current_user),
        revoke_form=RevokeForm(),
    ), status


def _revoke(token: ApiToken, back_url: str):
    return act(
        lambda token, _f: tokens.revoke_token(current_user, token),
        load=lambda: token,
        form=RevokeForm(),
        confirm=lambda token, form: confirmation_page(
            form,
            title=_("Revoke a token"),
            question=_("Revoke the token “%(name)s”?", name=token.name),
            consequence=_("Systems using it are refused from now on; this cannot be undone."),
            submit_label=_("Revoke"),
            back_url=back_url,
        ),
        success=_("The token was revoked."),
        redirect_to=back_url,
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@login_required
def revoke_my_token(token_id: int):
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    ).scalar_one_or_none()
    if token is None:
        abort(404)
    return _revoke(token, url_for("api_tokens.my_tokens"))


# -- service accounts (administrators) ----------------------------------------------------------------------


def _unit_choices(form: ServiceAccountForm) -> None:
    form.unit_id.choices = [(u.id, f"{u.code} {u.name}") for u in units_in_scope(current_user)]


@bp.route("/admin/service-accounts", methods=["GET", "POST"])
@role_required("admin")
def service_accounts():
    form = ServiceAccountForm()
    _unit_choices(form)

    def page(_nothing, form):
        return render_template(
            "api/service_accounts.html", form=form, accounts=tokens.service_accounts()
        ), 400 if form.is_submitted() else 200

    return act(
        lambda _nothing, f: tokens.create_service_account(
            current_user,
            name=f.name.data,
            unit=db.session.get(CustomsUnit, f.unit_id.data),
            description=f.description.data or "",
        ),
        form=form,
        invalid=page,
        refused=on_form(page),
        success=_("The service account was created. Make a token for it below."),
        redirect_to=lambda account: url_for("api_tokens.service_account_detail", account_id=account.id),
    )


def _account_or_404(account_id: int) -> ServiceAccount:
    account = db.session.get(ServiceAccount, account_id)
    if account is None:
        abort(404)
    return account


@bp.route("/admin/service-accounts/<int:account_id>", methods=["GET", "POST"])
@role_required("admin")
def service_account_detail(account_id: int):
    account = _account_or_404(account_id)
    form, secret, status = _create_token_from_form(account.user)
    return render_template(
        "api/service_account_detail.html",
        account=account,
        form=form,
        secret=secret,
        tokens=tokens.tokens_of(account.user),
        revoke_form=RevokeForm(),
    ), status


@bp.route("/admin/service-accounts/<int:account_id>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@role_required("admin")
def revoke_service_token(account_id: int, token_id: int):
    account = _account_or_404(account_id)
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == account.user_id)
    ).scalar_one_or_none()
    if token is None:
        abort(404)
    return _revoke(token, url_for("api_tokens.service_account_detail", account_id=account.id))
