"""The certificate panels of the dashboard (a trainee's own), an enterprise's page and an account's page."""

from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.core.panels import dashboard, enterprise_page, user_page
from lms.evidence.models import Certificate
from lms.evidence.permissions import certificate_clause
from lms.evidence.queries import latest_certificates

TEMPLATE = "evidence/panels/certificates.html"


@dashboard.panel("my_certificates", _l("My certificates"), ("trainee",), TEMPLATE, order=30)
def _my_certificates_panel(user: User):
    certificates = latest_certificates(Certificate.user_id == user.id)
    if not certificates:
        return None
    return {
        "certificates": certificates,
        "more_url": url_for("evidence.my_certificates"),
        "show_trainee": False,
    }


@enterprise_page.panel("certificates", _l("Certificates"), ("officer", "admin"), TEMPLATE, order=60)
def _enterprise_certificates_panel(user: User, enterprise=None, **_context):
    if enterprise is None:
        return None
    return {
        "certificates": latest_certificates(
            Certificate.enterprise_id == enterprise.id, certificate_clause(user)
        ),
        "show_trainee": True,
        "more_url": url_for("evidence.certificate_list", enterprise=enterprise.id),
    }


@user_page.panel("certificates", _l("Certificates"), ("officer", "admin"), TEMPLATE, order=60)
def _user_certificates_panel(user: User, subject=None, **_context):
    if subject is None or subject.role != "trainee":
        return None
    certificates = latest_certificates(
        Certificate.user_id == subject.id, certificate_clause(user), limit=None
    )
    return {"certificates": certificates, "show_trainee": False, "more_url": None}
