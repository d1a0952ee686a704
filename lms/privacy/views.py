"""Privacy pages: the notice (shown until accepted), My privacy (downloads, deletion request, who opened
my records), officers' exports of a person's data, the access log and deletion requests for administrators."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.models import User
from lms.auth.permissions import can_manage_user, role_required
from lms.auth.scopes import get_user_or_404
from lms.auth.security_log import record_security_event
from lms.core.access import public
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page
from lms.core.web import int_arg, is_safe_next, paginate
from lms.database import utcnow
from lms.extensions import db
from lms.privacy import notice as notices
from lms.privacy import services
from lms.privacy.export import personal_data, render_personal_data_pdf
from lms.privacy.forms import AcceptNoticeForm, DecisionForm, DeletionRequestForm, LeaverForm
from lms.privacy.models import DeletionRequest, PrivacyAcceptance, RecordAccess

bp = Blueprint("privacy", __name__, url_prefix="/privacy")


# Pages someone who has not accepted the current notice can still reach.
_NOTICE_OPEN = {
    "privacy.notice",
    "auth.logout",
    "static",
    "bootstrap.static",
    "core.set_language",
    "ops.healthz",
    "ops.readyz",
    "security.two_factor",
    "security.two_factor_enable",
}


@bp.before_app_request
def require_notice_acceptance():
    """Until a signed-in person accepts the current privacy notice, every page leads to it."""
    if request.endpoint is None or request.endpoint in _NOTICE_OPEN or not current_user.is_authenticated:
        return None
    if request.path.startswith("/api/"):
        return None  # the API answers to tokens, never to a browser session
    if not notices.needs_acceptance(current_user):
        return None
    if request.method == "GET" and not request.is_json:
        return redirect(url_for("privacy.notice", next=request.full_path.rstrip("?")))
    return jsonify(error=403, reason=_("Accept the privacy notice first.")), 403


def _language() -> str:
    locale = get_locale()
    return "zh_CN" if locale is not None and locale.language == "zh" else "en"


@bp.route("/notice", methods=["GET", "POST"])
@public  # anyone may read the notice (the footer links it); only a signed-in person accepts it
def notice():
    current = notices.current_version()
    if current is None:
        abort(404)
    version = request.args.get("version", type=int)
    version = current if version is None else version
    if version not in notices.published_versions():
        abort(404)
    text = notices.load_notice(version, _language())
    must_accept = current_user.is_authenticated and notices.needs_acceptance(current_user)
    form = AcceptNoticeForm(version=str(current), next=request.args.get("next", ""))
    if must_accept and form.validate_on_submit():
        if form.version.data != str(current):  # a newer version was published while the page was open
            flash(_("The notice has changed since you opened it. Please read the new version."), "warning")
            return redirect(url_for("privacy.notice", next=form.next.data))
        notices.accept_notice(current_user, current, _language())
        db.session.commit()
        flash(
            _("Thank you. You accepted version %(version)s of the privacy notice.", version=current),
            "success",
        )
        target = form.next.data
        return redirect(target if target and is_safe_next(target) else url_for("core.index"))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "privacy/notice.html",
            notice=text,
            form=form,
            must_accept=must_accept,
            previous=current_user.is_authenticated
            and (current_user.privacy_version or 0) > 0
            and must_accept,
            versions=notices.published_versions(),
        ),
        status,
    )


# -- a person's own data -------------------------------------------------------------------------------------


@bp.route("/")
@login_required
def mine():
    acceptances = (
        db.session.execute(
            sa.select(PrivacyAcceptance)
            .where(PrivacyAcceptance.user_id == current_user.id)
            .order_by(PrivacyAcceptance.accepted_at.desc())
        )
        .scalars()
        .all()
    )
    requests_ = (
        db.session.execute(
            sa.select(DeletionRequest)
            .where(DeletionRequest.user_id == current_user.id)
            .order_by(DeletionRequest.requested_at.desc())
        )
        .scalars()
        .all()
    )
    accesses = paginate(
        sa.select(RecordAccess)
        .where(RecordAccess.subject_id == current_user.id)
        .order_by(RecordAccess.at.desc(), RecordAccess.id.desc())
    )
    return render_template(
        "privacy/mine.html",
        acceptances=acceptances,
        deletion_requests=requests_,
        pending=any(r.status == "pending" for r in requests_),
        form=DeletionRequestForm(),
        accesses=accesses,
        retention=_retention_settings(),
    )


def _retention_settings() -> dict:
    return {
        "inactive_days": current_app.config["PRIVACY_INACTIVE_DAYS"],
        "leaver_days": current_app.config["PRIVACY_LEAVER_DAYS"],
    }


def _json_download(data: dict, filename: str):
    response = make_response(json.dumps(data, indent=2, ensure_ascii=False))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _pdf_download(data: dict, filename: str):
    response = make_response(render_personal_data_pdf(data, utcnow()))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/my-data.<fmt>")
@login_required
def my_data(fmt: str):
    if fmt not in ("json", "pdf"):
        abort(404)
    data = personal_data(current_user)
    if fmt == "json":
        return _json_download(data, "my-data.json")
    return _pdf_download(data, "my-data.pdf")


@bp.route("/deletion", methods=["POST"])
@role_required("trainee")
def request_deletion():
    target = url_for("privacy.mine")

    def invalid(_nothing, form):
        flash(_("The reason is too long."), "danger")
        return redirect(target)

    return act(
        lambda _nothing, f: services.request_deletion(current_user, f.reason.data or ""),
        form=DeletionRequestForm(),
        invalid=invalid,
        success=_(
            "Your request has been sent. An administrator will decide it; you will see the decision here."
        ),
        redirect_to=target,
    )


# -- officers and administrators -----------------------------------------------------------------------------


@bp.route("/people/<int:user_id>/export.<fmt>")
@role_required("officer", "admin")
def person_export(user_id: int, fmt: str):
    person = get_user_or_404(current_user, user_id)
    if fmt not in ("json", "pdf"):
        abort(404)
    data = personal_data(person)
    record_security_event("data_exported", user=person, actor=current_user, format=fmt)
    services.record_access(current_user, person, "export")
    db.session.commit()
    name = f"personal-data-{person.id}.{fmt}"
    return _json_download(data, name) if fmt == "json" else _pdf_download(data, name)


@bp.route("/people/<int:user_id>/left", methods=["POST"])
@role_required("officer", "admin")
def person_left(user_id: int):
    person = get_user_or_404(current_user, user_id)
    if not can_manage_user(current_user, person):
        abort(403)
    target = url_for("auth.user_detail", user_id=user_id)

    def invalid(person, form):
        flash(_("Give the date as YYYY-MM-DD."), "danger")
        return redirect(target)

    return act(
        lambda person, f: services.mark_left(current_user, person, f.left_on.data),
        load=lambda: person,
        form=(form := LeaverForm()),
        invalid=invalid,
        success=lambda _result: (
            _("Recorded: %(name)s left the enterprise.", name=person.display_name)
            if form.left_on.data
            else _("The leaving date has been cleared.")
        ),
        redirect_to=target,
    )


@bp.route("/access-log")
@role_required("admin")
def access_log():
    subject_id = int_arg("person")
    stmt = sa.select(RecordAccess).order_by(RecordAccess.at.desc(), RecordAccess.id.desc())
    subject = None
    if subject_id:
        subject = db.session.get(User, subject_id)
        stmt = stmt.where(RecordAccess.subject_id == subject_id)
    return render_template("privacy/access_log.html", pagination=paginate(stmt), subject=subject)


@bp.route("/requests")
@role_required("admin")
def requests():
    status = request.args.get("status") or "pending"
    stmt = sa.select(DeletionRequest).order_by(DeletionRequest.requested_at.desc(), DeletionRequest.id.desc())
    if status in ("pending", "approved", "rejected"):
        stmt = stmt.where(DeletionRequest.status == status)
    return render_template("privacy/requests.html", pagination=paginate(stmt), status=status)


@bp.route("/requests/<int:request_id>/<decision>", methods=["GET", "POST"])
@role_required("admin")
def decide(request_id: int, decision: str):
    if decision not in ("approve", "reject"):
        abort(404)
    approve = decision == "approve"
    return act(
        lambda deletion, f: services.decide_deletion(
            current_user, deletion, approve=approve, note=f.note.data or ""
        ),
        load=lambda: db.get_or_404(DeletionRequest, request_id),
        form=DecisionForm(),
        confirm=lambda deletion, form: _decision_page(deletion, form, approve),
        invalid=lambda deletion, form: (_decision_page(deletion, form, approve), 400),
        refused=on_form(lambda deletion, form: _decision_page(deletion, form, approve)),
        success=_("Approved: the person's personal information has been removed.")
        if approve
        else _("Request rejected."),
        redirect_to=url_for("privacy.requests"),
    )


def _decision_page(deletion: DeletionRequest, form, approve: bool):
    name = deletion.user.display_name
    if approve:
        return confirmation_page(
            form,
            title=_("Approve the deletion request"),
            question=_("Remove the personal information of %(name)s?", name=name),
            consequence=_(
                "Names, contacts and free text are removed for good and the account is closed; results, "
                "attendance and certificates stay under a pseudonym. This cannot be undone."
            ),
            submit_label=_("Approve and remove personal information"),
            back_url=url_for("privacy.requests"),
        )
    return confirmation_page(
        form,
        title=_("Reject the deletion request"),
        question=_("Reject the deletion request of %(name)s?", name=name),
        consequence=_("Say why: the person sees your note."),
        submit_label=_("Reject"),
        back_url=url_for("privacy.requests"),
    )
