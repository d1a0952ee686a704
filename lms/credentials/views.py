"""Public credential pages and documents: the DID document and key set, the signed status lists, the page
that checks a pasted or uploaded credential, and each credential's share page with its downloads.

Everything here is public: a credential's address carries its random uuid, which only its holder (and whoever
they share it with) knows.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, abort, current_app, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l

from lms.core.access import public_blueprint
from lms.credentials import services
from lms.credentials.forms import VerifyCredentialForm
from lms.credentials.keys import SigningKeyMissing, did_document, jwks
from lms.credentials.models import CredentialStatusList
from lms.credentials.verify import CredentialFormatError, check_label
from lms.extensions import db, limiter

bp = Blueprint("credentials", __name__)
public_blueprint(bp)  # public documents and checks
bp.add_app_template_global(check_label, "credential_check_label")
bp.add_app_template_global(services.share_url, "credential_share_url")


def _rate_limit() -> str:
    return current_app.config["CERTIFICATE_VERIFY_RATE_LIMIT"]


def _public_json(document: dict, mimetype: str = "application/json"):
    response = make_response(json.dumps(document, indent=2, ensure_ascii=False))
    response.mimetype = mimetype
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


# -- keys and status lists -----------------------------------------------------------------------------------


@bp.route("/.well-known/did.json")
def did_json():
    return _public_json(did_document(services.published_keyring(), services.issuer_did()))


@bp.route("/.well-known/jwks.json")
def jwks_json():
    return _public_json(jwks(services.published_keyring(), services.issuer_did()))


@bp.route("/credentials/status/<int:list_id>")
def status_list(list_id: int):
    status_list = db.get_or_404(CredentialStatusList, list_id)
    try:
        token = services.status_list_jws(status_list)
    except SigningKeyMissing:
        return jsonify(error=503, reason=str(_l("The status list cannot be signed: no signing key."))), 503
    response = make_response(token)
    response.mimetype = services.MEDIA_TYPE
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.set_etag(hashlib.sha256(token.encode()).hexdigest())
    return response.make_conditional(request)


# -- checking a credential -----------------------------------------------------------------------------------


@bp.route("/verify/credential", methods=["GET", "POST"])
@limiter.limit(_rate_limit, methods=["POST"])
def verify_credential():
    form = VerifyCredentialForm()
    report = None
    status = 200
    if form.validate_on_submit():
        data = form.submitted_data()
        if data is None:
            form.form_errors.append(str(_l("Paste a credential or choose a file.")))
            status = 400
        else:
            try:
                report = services.verify_here(data)
            except CredentialFormatError as error:
                form.form_errors.append(str(error))
                status = 400
    elif request.method == "POST":
        status = 400
    return render_template("credentials/verify.html", form=form, report=report), status


def _credential_or_404(token: str):
    credential = services.find_credential(token)
    # An empty token: the holder was pseudonymised and the signed document, which names them, is gone.
    if credential is None or not credential.jws:
        abort(404)
    return credential


@bp.route("/verify/credential/<token>")
@limiter.limit(_rate_limit)
def shared_credential(token: str):
    credential = _credential_or_404(token)
    report = services.verify_here(credential.jws)
    readable = json.dumps(report.credential, indent=2, ensure_ascii=False)
    return render_template(
        "credentials/shared.html",
        credential=credential,
        report=report,
        readable=readable,
        form=VerifyCredentialForm(formdata=None),
    )


def _download(body, mimetype: str, filename: str):
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/verify/credential/<token>/credential.json")
@limiter.limit(_rate_limit)
def credential_json(token: str):
    credential = _credential_or_404(token)
    body = json.dumps(services.enveloped(credential), indent=2)
    return _download(body, "application/json", f"credential-{credential.certificate.code}.json")


@bp.route("/verify/credential/<token>/credential.jwt")
@limiter.limit(_rate_limit)
def credential_jwt(token: str):
    credential = _credential_or_404(token)
    return _download(credential.jws, services.MEDIA_TYPE, f"credential-{credential.certificate.code}.jwt")


@bp.route("/verify/credential/<token>/badge.png")
@limiter.limit(_rate_limit)
def credential_badge(token: str):
    credential = _credential_or_404(token)
    return _download(
        services.baked_badge(credential), "image/png", f"badge-{credential.certificate.code}.png"
    )
