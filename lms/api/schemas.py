"""marshmallow schemas of the API's bodies. Input schemas refuse unknown fields (marshmallow's default)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from lms.api.core import MAX_ID, PageSchema, day_field


def Id(**kwargs):  # noqa: N802 - reads like a field class
    """An integer id: positive and within what a database column holds."""
    return fields.Integer(validate=validate.Range(1, MAX_ID), **kwargs)


class ProblemSchema(Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    errors = fields.List(
        fields.Dict(),
        metadata={"description": "One entry per invalid field: {field, detail}."},
    )


class UnitSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True, metadata={"description": "In the Accept-Language language."})
    name_en = fields.String(required=True)
    name_zh = fields.String(required=True)
    level = fields.String(required=True, validate=validate.OneOf(["gacc", "regional", "local"]))
    parent_id = fields.Integer(allow_none=True, required=True)


class UnitPageSchema(PageSchema):
    items = fields.List(fields.Nested(UnitSchema), required=True)


class CreditRecordSchema(Schema):
    id = fields.Integer(required=True)
    regime = fields.String(required=True)
    regime_label = fields.String(required=True)
    level = fields.String(required=True)
    level_label = fields.String(required=True)
    decided_on = fields.Date(required=True)
    reason = fields.String(required=True)
    source = fields.String(required=True)


class EnterpriseSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    name_en = fields.String(required=True)
    name_zh = fields.String(required=True)
    uscc = fields.String(required=True)
    customs_code = fields.String(required=True)
    business_type = fields.String(required=True)
    unit_id = fields.Integer(required=True)
    is_key = fields.Boolean(required=True)
    credit_regime = fields.String(allow_none=True, required=True)
    credit_level = fields.String(allow_none=True, required=True)
    credit_since = fields.Date(allow_none=True, required=True)


class EnterpriseDetailSchema(EnterpriseSchema):
    credit_history = fields.List(fields.Nested(CreditRecordSchema), required=True)


class EnterprisePageSchema(PageSchema):
    items = fields.List(fields.Nested(EnterpriseSchema), required=True)


class EnrollmentSchema(Schema):
    id = fields.Integer(required=True)
    user_id = fields.Integer(required=True)
    trainee_name = fields.String(required=True)
    enterprise_id = fields.Integer(allow_none=True, required=True)
    course_id = fields.Integer(required=True)
    course_slug = fields.String(required=True)
    course_title = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["active", "completed", "withdrawn"]))
    enrolled_at = fields.DateTime(required=True)
    completed_at = fields.DateTime(allow_none=True, required=True)
    completed_version_id = fields.Integer(allow_none=True, required=True)
    lessons_done = fields.Integer(required=True)
    lessons_total = fields.Integer(required=True)


class EnrollmentPageSchema(PageSchema):
    items = fields.List(fields.Nested(EnrollmentSchema), required=True)


class EnrollArgs(Schema):
    course_id = Id(required=True)
    trainee_ids = fields.List(Id(), required=True, validate=validate.Length(1, 200))


class EnrollResultSchema(Schema):
    items = fields.List(fields.Nested(EnrollmentSchema), required=True)


class CertificateSchema(Schema):
    id = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "As printed, e.g. ABCDE-FGHJK."})
    user_id = fields.Integer(required=True)
    trainee_name = fields.String(required=True)
    enterprise_id = fields.Integer(allow_none=True, required=True)
    enterprise_name = fields.String(required=True)
    course_id = fields.Integer(required=True)
    course_version_id = fields.Integer(required=True)
    course_title = fields.String(required=True)
    hours = fields.Float(required=True)
    completed_at = fields.DateTime(required=True)
    issued_at = fields.DateTime(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked"]))
    revoked_at = fields.DateTime(allow_none=True, required=True)
    revoke_reason = fields.String(allow_none=True, required=True)
    verification_url = fields.String(required=True)


class CertificatePageSchema(PageSchema):
    items = fields.List(fields.Nested(CertificateSchema), required=True)


class VerificationSchema(Schema):
    code = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["valid", "revoked"]))
    status_label = fields.String(required=True)
    trainee_name = fields.String(required=True)
    enterprise_name = fields.String(required=True)
    course_title = fields.String(required=True)
    hours = fields.Float(required=True)
    completed_at = fields.DateTime(required=True)
    issued_at = fields.DateTime(required=True)
    revoked_at = fields.DateTime(allow_none=True, required=True)


class CaseEventSchema(Schema):
    id = fields.Integer(required=True)
    transition = fields.String(required=True)
    from_state = fields.String(allow_none=True, required=True)
    to_state = fields.String(required=True)
    actor_id = fields.Integer(allow_none=True, required=True)
    actor_name = fields.String(allow_none=True, required=True)
    occurred_at = fields.DateTime(required=True)
    effective_on = fields.Date(required=True)
    reason_code = fields.String(allow_none=True, required=True)
    reason_text = fields.String(required=True)
    notes = fields.String(required=True)


class CaseSchema(Schema):
    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    enterprise_id = fields.Integer(required=True)
    enterprise_name = fields.String(required=True)
    training_type = fields.String(required=True)
    category = fields.String(required=True)
    state = fields.String(required=True)
    state_label = fields.String(required=True)
    opened_on = fields.Date(required=True)
    state_changed_at = fields.DateTime(required=True)
    certification_applied_on = fields.Date(allow_none=True, required=True)
    outcome_level = fields.String(allow_none=True, required=True)
    outcome_decided_on = fields.Date(allow_none=True, required=True)


class CaseDetailSchema(CaseSchema):
    allowed_transitions = fields.List(fields.String(), required=True)
    events = fields.List(fields.Nested(CaseEventSchema), required=True)


class CasePageSchema(PageSchema):
    items = fields.List(fields.Nested(CaseSchema), required=True)


class OutcomeArgs(Schema):
    outcome = fields.String(required=True, validate=validate.OneOf(["certified", "not_certified"]))
    level = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(["advanced_certified", "certified"]),
        metadata={"description": "The level granted; required when certified."},
    )
    decided_on = day_field(
        load_default=None, allow_none=True, metadata={"description": "The decision date; today when omitted."}
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=4000),
        metadata={"description": "Required when not certified."},
    )
    notes = fields.String(load_default="", validate=validate.Length(max=4000))


class LedgerStatusSchema(Schema):
    entries = fields.Integer(required=True)
    last_seq = fields.Integer(allow_none=True, required=True)
    ok = fields.Boolean(required=True)
    problems = fields.List(fields.String(), required=True)
