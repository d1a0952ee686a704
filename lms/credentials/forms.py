"""The public form that checks a credential."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from lms.credentials.verify import MAX_INPUT


class VerifyCredentialForm(FlaskForm):
    credential = TextAreaField(
        _l("Paste the credential (JSON or JWT)"), validators=[Optional(), Length(max=MAX_INPUT)]
    )
    file = FileField(_l("Or choose a file (JSON, JWT or PNG badge)"))
    submit = SubmitField(_l("Verify"))

    def submitted_data(self) -> bytes | str | None:
        """The uploaded file's bytes (at most one byte past the limit), else the pasted text."""
        upload = self.file.data
        if upload is not None and getattr(upload, "filename", ""):
            return upload.read(MAX_INPUT + 1)
        text = (self.credential.data or "").strip()
        return text or None
