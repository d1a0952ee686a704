"""Enterprise and credit decision forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from lms.org.models import BUSINESS_TYPES, CREDIT_LEVELS


class EnterpriseForm(FlaskForm):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=200)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=200)])
    uscc = StringField(_l("Unified social credit code"), validators=[DataRequired(), Length(max=32)])
    customs_code = StringField(_l("Customs registration code"), validators=[DataRequired(), Length(max=32)])
    business_type = SelectField(_l("Business type"), choices=list(BUSINESS_TYPES.items()))
    is_production = SelectField(
        _l("Production or non-production"),
        choices=[("1", _l("Production enterprise")), ("0", _l("Non-production enterprise"))],
    )
    unit_id = SelectField(_l("Supervising local customs"), coerce=int, choices=[], validate_choice=False)
    is_key = BooleanField(_l("Key enterprise"))
    aeo_willing = BooleanField(_l("Willing to become an AEO"))
    credit_score = IntegerField(
        _l("Credit assessment score (0–100)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    submit = SubmitField(_l("Save"))

    def values(self) -> dict:
        return {
            "name_en": self.name_en.data.strip(),
            "name_zh": self.name_zh.data.strip(),
            "uscc": self.uscc.data,
            "customs_code": self.customs_code.data,
            "business_type": self.business_type.data,
            "is_production": self.is_production.data == "1",
            "unit_id": self.unit_id.data,
            "is_key": bool(self.is_key.data),
            "aeo_willing": bool(self.aeo_willing.data),
            "credit_score": self.credit_score.data,
        }


class CreditDecisionForm(FlaskForm):
    level = SelectField(_l("Credit level"), choices=list(CREDIT_LEVELS.items()))
    decided_on = DateField(_l("Decision date"), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason or reference"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Record decision"))
