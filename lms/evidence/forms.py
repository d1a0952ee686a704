"""Evidence forms: revoking a certificate, running the ledger check, typing a verification code."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from lms.evidence.services import REVOKE_REASON_MAX


class RevokeCertificateForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for revoking"), validators=[DataRequired(), Length(max=REVOKE_REASON_MAX)]
    )
    submit = SubmitField(_l("Revoke certificate"))


class RunVerificationForm(FlaskForm):
    submit = SubmitField(_l("Verify the ledger now"))


class VerifyCodeForm(FlaskForm):
    """A GET form anyone may send: no session, so no CSRF token."""

    class Meta:
        csrf = False

    code = StringField(_l("Verification code"), validators=[DataRequired(), Length(max=40)])
    submit = SubmitField(_l("Check"))
