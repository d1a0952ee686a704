"""Evidence pages: certificates (trainee, officers, admins), the public verification page, and the ledger
browser and check for admins.

The blueprint has no URL prefix: the public verification page lives at /verify (the address printed in the
QR code), everything else under /evidence/.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, current_app, make_response, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.auth.permissions import role_required
from lms.core.access import public
from lms.core.actions import act, on_form
from lms.core.confirm import confirmation_page
from lms.core.page_cache import kept, kept_for_visitors
from lms.core.web import int_arg, paginate
from lms.evidence import queries, services
from lms.evidence.forms import RevokeCertificateForm, RunVerificationForm, VerifyCodeForm
from lms.evidence.labels import kind_label, subject_label
from lms.evidence.ledger import KINDS, entries_for
from lms.evidence.models import CERTIFICATE_STATUSES, Certificate, LedgerEntry
from lms.evidence.permissions import can_revoke_certificate, certificate_clause, get_certificate_or_404
from lms.evidence.verify import check_entry, verify_ledger
from lms.extensions import db, limiter

bp = Blueprint("evidence", __name__)


# Template globals (not a context processor) so that macros imported by other areas' templates see them.
bp.add_app_template_global(kind_label, "ledger_kind_label")
bp.add_app_template_global(subject_label, "ledger_subject_label")
bp.add_app_template_global(services.display_code, "certificate_code")
bp.add_app_template_global(lambda hours: format_decimal(hours, format="#,##0.#"), "certificate_hours")


def _verify_rate_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]


# -- certificates --------------------------------------------------------------------------------------------


@bp.route("/evidence/certificates/mine")
@kept
@role_required("trainee")
def my_certificates():
    stmt = queries.my_certificates(current_user).options(*queries.SHOWN)
    return render_template("evidence/my_certificates.html", pagination=paginate(stmt))


@bp.route("/evidence/certificates")
@role_required("officer", "admin")
def certificate_list():
    q = (request.args.get("q") or "").strip()[:100]
    status = request.args.get("status") or ""
    course_id = int_arg("course")
    enterprise_id = int_arg("enterprise")
    stmt = queries.certificate_list(
        current_user, q=q, status=status, course_id=course_id, enterprise_id=enterprise_id
    ).options(*queries.SHOWN)
    courses = db.session.execute(
        sa.select(Certificate.course_id, sa.func.max(Certificate.course_title))
        .where(certificate_clause(current_user))
        .group_by(Certificate.course_id)
        .order_by(sa.func.max(Certificate.course_title))
    ).all()
    filters = {"q": q, "status": status, "course": course_id, "enterprise": enterprise_id}
    return render_template(
        "evidence/certificate_list.html",
        pagination=paginate(stmt),
        filters=filters,
        courses=courses,
        statuses=CERTIFICATE_STATUSES,
    )


@bp.route("/evidence/certificates/<int:certificate_id>")
@login_required
def certificate_detail(certificate_id: int):
    certificate = get_certificate_or_404(current_user, certificate_id)
    return _render_detail(certificate, RevokeCertificateForm())


def _render_detail(certificate: Certificate, form: RevokeCertificateForm, status: int = 200):
    may_revoke = not certificate.is_revoked and can_revoke_certificate(current_user, certificate)
    entries = entries_for("certificate", certificate.id)
    return render_template(
        "evidence/certificate_detail.html",
        certificate=certificate,
        form=form,
        may_revoke=may_revoke,
        entries=entries,
        verification_url=services.verification_url(certificate),
    ), status


@bp.route("/evidence/certificates/<int:certificate_id>/certificate.pdf")
@login_required
def certificate_pdf(certificate_id: int):
    from lms.evidence.pdf import render_certificate_pdf

    certificate = get_certificate_or_404(current_user, certificate_id)
    response = make_response(render_certificate_pdf(certificate))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{certificate.code}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/evidence/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@role_required("officer", "admin")
def certificate_revoke(certificate_id: int):
    return act(
        lambda certificate, f: services.revoke_certificate(current_user, certificate, f.reason.data),
        load=lambda: get_certificate_or_404(current_user, certificate_id),
        form=RevokeCertificateForm(),
        confirm=_revoke_confirmation,
        invalid=lambda certificate, form: (_revoke_confirmation(certificate, form), 400),
        refused=on_form(_revoke_confirmation),
        success=_("The certificate has been revoked and the trainee informed."),
        redirect_to=url_for("evidence.certificate_detail", certificate_id=certificate_id),
    )


def _revoke_confirmation(certificate, form):
    return confirmation_page(
        form,
        title=_("Revoke certificate %(code)s", code=certificate.code),
        question=_(
            "Revoke the certificate of %(name)s for “%(course)s”?",
            name=certificate.trainee_name,
            course=certificate.course_title,
        ),
        consequence=_(
            "A revoked certificate stays in the ledger and public verification shows it as no longer valid; "
            "this cannot be undone."
        ),
        submit_label=_("Revoke certificate"),
        back_url=url_for("evidence.certificate_detail", certificate_id=certificate.id),
    )


# -- public verification -------------------------------------------------------------------------------------


@bp.route("/verify")
@public
@limiter.limit(_verify_rate_limit)
def public_verify_form():
    form = VerifyCodeForm(formdata=request.args if "code" in request.args else None)
    if "code" in request.args and form.validate():
        code = services.normalise_code(form.code.data) or "-"
        return redirect(url_for("evidence.public_verify", code=code))
    return render_template("evidence/public_verify_form.html", form=form)


@bp.route("/verify/<code>")
@public
@limiter.limit(_verify_rate_limit)
def public_verify(code: str):
    # Always one indexed lookup, whatever was typed: a malformed code answers like an unknown one.
    certificate = queries.certificate_by_code(code)
    if certificate is None:
        return render_template("evidence/public_verify.html", certificate=None, form=VerifyCodeForm()), 404
    # A code is checked again and again (a QR code on a printed certificate): the page is rendered once per
    # language and kept while the certificate's row reads the same (revoking it changes the row).
    return kept_for_visitors(
        tuple(getattr(certificate, column.key) for column in Certificate.__table__.columns),
        lambda: render_template(
            "evidence/public_verify.html", certificate=certificate, form=VerifyCodeForm()
        ),
    )


# -- ledger (admins) -----------------------------------------------------------------------------------------


@bp.route("/evidence/ledger")
@role_required("admin")
def ledger():
    kind = (request.args.get("kind") or "").strip()[:40]
    subject_type = (request.args.get("subject_type") or "").strip()[:30]
    subject_id = int_arg("subject_id")
    stmt = (
        sa.select(LedgerEntry).options(sa.orm.joinedload(LedgerEntry.actor)).order_by(LedgerEntry.seq.desc())
    )
    if kind:
        stmt = stmt.where(LedgerEntry.kind == kind)
    if subject_type:
        stmt = stmt.where(LedgerEntry.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(LedgerEntry.subject_id == subject_id)
    kinds = sorted(set(KINDS) | {kind} - {""})
    subject_types = sorted({spec.subject_type for spec in KINDS.values()} | {subject_type} - {""})
    filters = {"kind": kind, "subject_type": subject_type, "subject_id": subject_id}
    return render_template(
        "evidence/ledger.html",
        pagination=paginate(stmt),
        filters=filters,
        kinds=kinds,
        subject_types=subject_types,
    )


@bp.route("/evidence/ledger/<int:seq>")
@role_required("admin")
def ledger_entry(seq: int):
    entry = db.first_or_404(sa.select(LedgerEntry).where(LedgerEntry.seq == seq))
    problems, is_latest = check_entry(entry)
    from lms.privacy.services import mask_payload

    # A pseudonymised person's name in an older entry is shown as their pseudonym (the entry is unchanged).
    payload = (
        json.dumps(mask_payload(json.loads(entry.payload)), indent=2, ensure_ascii=False, sort_keys=True)
        if entry.payload.startswith("{")
        else entry.payload
    )
    return render_template(
        "evidence/ledger_entry.html", entry=entry, problems=problems, is_latest=is_latest, payload=payload
    )


@bp.route("/evidence/verify", methods=["GET", "POST"])
@role_required("admin")
def verify_page():
    form = RunVerificationForm()
    result = None
    if form.validate_on_submit():
        result = verify_ledger(snapshot=True)
        db.session.rollback()  # read only: end the snapshot
    summary = db.session.execute(
        sa.select(
            sa.func.count(LedgerEntry.id), sa.func.max(LedgerEntry.seq), sa.func.max(LedgerEntry.created_at)
        )
    ).one()
    return render_template(
        "evidence/verify.html",
        form=form,
        result=result,
        total=summary[0],
        head_seq=summary[1],
        last_at=summary[2],
    )
