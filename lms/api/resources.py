"""The /api/v1 resources. Each list and detail uses its page's query (the area's ``queries.py``) and scope
clauses, so the API shows exactly what the pages show to the same person; each write calls the page's
service, so the rules and ledger entries are the same."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_babel import gettext as _
from flask_smorest import abort
from marshmallow import Schema, fields, validate

from lms.api import schemas as s
from lms.api.core import PageArgs, api_blueprint, current_actor, get_or_404, keyset_page, require_role
from lms.api.cultivation import OpenCaseArgs, open_case
from lms.auth.scopes import enterprise_clause
from lms.config import setting
from lms.courses import permissions as course_permissions
from lms.courses import queries as course_queries
from lms.courses import services as course_services
from lms.courses.models import Course, Enrollment
from lms.cultivation import clock as case_clock
from lms.cultivation import queries as case_queries
from lms.cultivation import services as case_services
from lms.cultivation.models import CultivationCase
from lms.cultivation.permissions import STAFF, can_act_on_case
from lms.evidence import queries as certificate_queries
from lms.evidence.models import Certificate
from lms.evidence.permissions import certificate_clause
from lms.extensions import db, limiter
from lms.org import queries as org_queries
from lms.org.models import CREDIT_LEVELS, CustomsUnit, Enterprise, localized

units = api_blueprint("customs-units", "/customs-units", "Customs units in the caller's jurisdiction.")
enterprises = api_blueprint("enterprises", "/enterprises", "Enterprises with their credit history.")
enrollments = api_blueprint("enrolments", "/enrolments", "Enrolments, progress and completions.")
certificates = api_blueprint("certificates", "/certificates", "Completion certificates.")
verification = api_blueprint(
    "verification", "/verify", "Public verification of a certificate code (no token needed).", public=True
)
cases = api_blueprint("cultivation-cases", "/cultivation/cases", "Cultivation cases and their audit trail.")
ledger = api_blueprint("ledger", "/ledger", "The evidence ledger's verification status (administrators).")

BLUEPRINTS = (units, enterprises, enrollments, certificates, verification, cases, ledger)

STAFF_ONLY = ("officer", "admin")


# -- customs units ------------------------------------------------------------------------------------------


class UnitArgs(PageArgs):
    level = fields.String(load_default="", validate=validate.OneOf(["", "gacc", "regional", "local"]))


def _unit(unit: CustomsUnit) -> dict:
    return {
        "id": unit.id,
        "code": unit.code,
        "name": unit.name,
        "name_en": unit.name_en,
        "name_zh": unit.name_zh,
        "level": unit.level,
        "parent_id": unit.parent_id,
    }


@units.route("")
class UnitList(MethodView):
    @units.arguments(UnitArgs, location="query")
    @units.response(200, s.UnitPageSchema)
    def get(self, args):
        """Customs units in the caller's jurisdiction (officers: their unit and those below it)."""
        page = keyset_page(
            org_queries.customs_units(current_actor(), level=args["level"]), CustomsUnit.id, args
        )
        return {"items": [_unit(u) for u in page["items"]], "next_cursor": page["next_cursor"]}


@units.route("/<int:unit_id>")
class UnitDetail(MethodView):
    @units.response(200, s.UnitSchema)
    def get(self, unit_id):
        """One customs unit."""
        stmt = org_queries.customs_units(current_actor()).where(CustomsUnit.id == unit_id)
        return _unit(get_or_404(stmt))


# -- enterprises --------------------------------------------------------------------------------------------


class EnterpriseArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    unit = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    level = fields.String(load_default="", validate=validate.OneOf(["", *CREDIT_LEVELS]))
    key = fields.String(load_default="", validate=validate.OneOf(["", "0", "1"]))


def _enterprise(enterprise: Enterprise) -> dict:
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "name_en": enterprise.name_en,
        "name_zh": enterprise.name_zh,
        "uscc": enterprise.uscc,
        "customs_code": enterprise.customs_code,
        "business_type": enterprise.business_type,
        "unit_id": enterprise.unit_id,
        "is_key": enterprise.is_key,
        "credit_regime": enterprise.credit_regime,
        "credit_level": enterprise.credit_level,
        "credit_since": enterprise.credit_since,
    }


@enterprises.route("")
class EnterpriseList(MethodView):
    @enterprises.arguments(EnterpriseArgs, location="query")
    @enterprises.response(200, s.EnterprisePageSchema)
    def get(self, args):
        """Enterprises in the caller's jurisdiction, with the enterprise list page's filters (officers and
        administrators)."""
        require_role(*STAFF_ONLY)
        stmt = org_queries.enterprise_list(
            current_actor(), q=args["q"].strip(), unit_id=args["unit"], level=args["level"], key=args["key"]
        )
        page = keyset_page(stmt, Enterprise.id, args)
        return {"items": [_enterprise(e) for e in page["items"]], "next_cursor": page["next_cursor"]}


@enterprises.route("/<int:enterprise_id>")
class EnterpriseDetail(MethodView):
    @enterprises.response(200, s.EnterpriseDetailSchema)
    def get(self, enterprise_id):
        """One enterprise with its dated credit decisions, newest first."""
        require_role(*STAFF_ONLY)
        enterprise = get_or_404(
            sa.select(Enterprise).where(Enterprise.id == enterprise_id, enterprise_clause(current_actor()))
        )
        history = db.session.execute(org_queries.credit_history(enterprise)).scalars()
        body = _enterprise(enterprise)
        body["credit_history"] = [
            {
                "id": r.id,
                "regime": r.regime,
                "regime_label": r.regime_label,
                "level": r.level,
                "level_label": r.level_label,
                "decided_on": r.decided_on,
                "reason": r.reason,
                "source": r.source,
            }
            for r in history
        ]
        return body


# -- enrolments and completions ------------------------------------------------------------------------------


class EnrollmentArgs(PageArgs):
    course = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    status = fields.String(load_default="", validate=validate.OneOf(["", "active", "completed", "withdrawn"]))
    enterprise = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))


def _enrollments(rows: list[Enrollment]) -> list[dict]:
    progress = course_services.progress_for(rows)
    out = []
    for e in rows:
        p = progress.get(e.id)
        out.append(
            {
                "id": e.id,
                "user_id": e.user_id,
                "trainee_name": e.user.display_name,
                "enterprise_id": e.user.enterprise_id,
                "course_id": e.course_id,
                "course_slug": e.course.slug,
                "course_title": e.course.title,
                "status": e.status,
                "enrolled_at": e.enrolled_at,
                "completed_at": e.completed_at,
                "completed_version_id": e.completed_version_id,
                "lessons_done": p.done if p else 0,
                "lessons_total": p.total if p else 0,
            }
        )
    return out


def _enrollment_query(actor, args: dict | None = None) -> sa.Select:
    args = args or {}
    if actor.role == "trainee":
        stmt = course_queries.my_enrollments(actor)
        if args.get("course"):
            stmt = stmt.where(Enrollment.course_id == args["course"])
        if args.get("status"):
            stmt = stmt.where(Enrollment.status == args["status"])
        if args.get("enterprise") and args["enterprise"] != actor.enterprise_id:
            stmt = stmt.where(sa.false())
        return stmt
    if actor.role not in course_permissions.ENROLLER_ROLES:
        abort(403)
    return course_queries.enrollments_in_scope(
        actor,
        course_id=args.get("course"),
        status=args.get("status") or "",
        enterprise_id=args.get("enterprise"),
    )


@enrollments.route("")
class EnrollmentList(MethodView):
    @enrollments.arguments(EnrollmentArgs, location="query")
    @enrollments.response(200, s.EnrollmentPageSchema)
    def get(self, args):
        """Enrolments with progress: a trainee's own; an officer's, of the people in their jurisdiction.
        ``status=completed`` lists completions."""
        page = keyset_page(_enrollment_query(current_actor(), args), Enrollment.id, args)
        return {"items": _enrollments(page["items"]), "next_cursor": page["next_cursor"]}

    @enrollments.arguments(s.EnrollArgs)
    @enrollments.response(201, s.EnrollResultSchema)
    def post(self, args):
        """Enrol trainees of the caller's jurisdiction in a course (officers and administrators), as the
        course page's “Enrol trainees” does."""
        actor = current_actor()
        require_role(*course_permissions.ENROLLER_ROLES)
        course = db.session.get(Course, args["course_id"])
        if course is None:
            abort(404)
        ids = set(args["trainee_ids"])
        trainees = list(db.session.execute(course_queries.users_in_scope(actor, ids)).scalars())
        if len(trainees) != len(ids):
            abort(404)
        made = [course_services.enroll(actor, course, trainee) for trainee in trainees]
        db.session.flush()
        result = _enrollments(made)
        db.session.commit()
        return {"items": result}


@enrollments.route("/<int:enrollment_id>")
class EnrollmentDetail(MethodView):
    @enrollments.response(200, s.EnrollmentSchema)
    def get(self, enrollment_id):
        """One enrolment with its progress."""
        stmt = _enrollment_query(current_actor()).where(Enrollment.id == enrollment_id)
        return _enrollments([get_or_404(stmt)])[0]


# -- certificates and verification ---------------------------------------------------------------------------


class CertificateArgs(PageArgs):
    q = fields.String(load_default="", validate=validate.Length(max=100))
    status = fields.String(load_default="", validate=validate.OneOf(["", "valid", "revoked"]))
    course = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    enterprise = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))


def _certificate(c: Certificate) -> dict:
    from lms.evidence.services import display_code, verification_url

    return {
        "id": c.id,
        "code": display_code(c.code),
        "user_id": c.user_id,
        "trainee_name": c.trainee_name,
        "enterprise_id": c.enterprise_id,
        "enterprise_name": localized(c.enterprise_name_en, c.enterprise_name_zh),
        "course_id": c.course_id,
        "course_version_id": c.course_version_id,
        "course_title": c.course_title,
        "hours": float(c.hours),
        "completed_at": c.completed_at,
        "issued_at": c.issued_at,
        "status": c.status,
        "revoked_at": c.revoked_at,
        "revoke_reason": c.revoke_reason,
        "verification_url": verification_url(c),
    }


@certificates.route("")
class CertificateList(MethodView):
    @certificates.arguments(CertificateArgs, location="query")
    @certificates.response(200, s.CertificatePageSchema)
    def get(self, args):
        """Certificates: a trainee's own; an officer's, of the enterprises in their jurisdiction; with the
        certificate list page's filters."""
        actor = current_actor()
        if actor.role == "trainee":
            stmt = certificate_queries.my_certificates(actor)
        elif actor.role in STAFF_ONLY:
            stmt = certificate_queries.certificate_list(
                actor,
                q=args["q"].strip(),
                status=args["status"],
                course_id=args["course"],
                enterprise_id=args["enterprise"],
            )
        else:
            abort(403)
        page = keyset_page(stmt, Certificate.id, args)
        return {"items": [_certificate(c) for c in page["items"]], "next_cursor": page["next_cursor"]}


@certificates.route("/<int:certificate_id>")
class CertificateDetail(MethodView):
    @certificates.response(200, s.CertificateSchema)
    def get(self, certificate_id):
        """One certificate."""
        actor = current_actor()
        stmt = sa.select(Certificate).where(Certificate.id == certificate_id, certificate_clause(actor))
        return _certificate(get_or_404(stmt))


def _verify_rate_limit() -> str:

    return setting("CERTIFICATE_VERIFY_RATE_LIMIT")


@verification.route("/<string(maxlength=40):code>")
class Verification(MethodView):
    decorators = [limiter.limit(_verify_rate_limit)]

    @verification.response(200, s.VerificationSchema)
    def get(self, code):
        """What the public verification page shows for a certificate code (no token needed)."""
        from lms.evidence.services import display_code

        certificate = certificate_queries.certificate_by_code(code)
        if certificate is None:
            abort(404, message=_("No certificate has this code."))
        return {
            "code": display_code(certificate.code),
            "status": certificate.status,
            "status_label": certificate.status_label,
            "trainee_name": certificate.trainee_name,
            "enterprise_name": localized(certificate.enterprise_name_en, certificate.enterprise_name_zh),
            "course_title": certificate.course_title,
            "hours": float(certificate.hours),
            "completed_at": certificate.completed_at,
            "issued_at": certificate.issued_at,
            "revoked_at": certificate.revoked_at,
        }


# -- cultivation cases ---------------------------------------------------------------------------------------


class CaseArgs(PageArgs):
    state = fields.String(load_default="", validate=validate.Length(max=30))
    type = fields.String(load_default="", validate=validate.Length(max=30))
    unit = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))
    q = fields.String(load_default="", validate=validate.Length(max=100))


def _case(case: CultivationCase) -> dict:
    return {
        "id": case.id,
        "reference": case.reference,
        "enterprise_id": case.enterprise_id,
        "enterprise_name": case.enterprise.name,
        "training_type": case.training_type,
        "category": case.category,
        "state": case.state,
        "state_label": case.state_label,
        "opened_on": case.opened_on,
        "state_changed_at": case.state_changed_at,
        "certification_applied_on": case.certification_applied_on,
        "outcome_level": case.outcome_level,
        "outcome_decided_on": case.outcome_decided_on,
    }


def _case_detail(case: CultivationCase) -> dict:
    actor = current_actor()
    body = _case(case)
    body["allowed_transitions"] = (
        case_services.allowed_transitions(case) if can_act_on_case(actor, case) else []
    )
    body["events"] = [
        {
            "id": e.id,
            "transition": e.transition,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "actor_id": e.actor_id,
            "actor_name": e.actor.display_name if e.actor else None,
            "occurred_at": e.occurred_at,
            "effective_on": e.effective_on,
            "reason_code": e.reason_code,
            "reason_text": e.reason_text,
            "notes": e.notes,
        }
        for e in db.session.execute(case_queries.case_events(case)).scalars()
    ]
    return body


@cases.route("")
class CaseList(MethodView):
    @cases.arguments(CaseArgs, location="query")
    @cases.response(200, s.CasePageSchema)
    def get(self, args):
        """Cases in the caller's jurisdiction, with the case list page's filters; for a trainee, their
        enterprise's cases (their “Cultivation” page)."""
        actor = current_actor()
        if actor.role == "trainee":
            stmt = case_queries.my_cases(actor)
        else:
            require_role(*STAFF)
            stmt = case_queries.case_list(
                actor, state=args["state"], training_type=args["type"], unit_id=args["unit"], q=args["q"]
            )
        page = keyset_page(stmt, CultivationCase.id, args)
        return {"items": [_case(c) for c in page["items"]], "next_cursor": page["next_cursor"]}

    @cases.arguments(OpenCaseArgs)
    @cases.response(201, s.CaseDetailSchema)
    def post(self, args):
        """Open a case: a trainee (legal representative or senior manager) applies for their enterprise; an
        officer nominates an enterprise of their jurisdiction (the application and nomination rules)."""
        return open_case(args)


@cases.route("/<int:case_id>")
class CaseDetail(MethodView):
    @cases.response(200, s.CaseDetailSchema)
    def get(self, case_id):
        """One case with its audit trail (trainees: their enterprise's cases)."""
        return _case_detail(get_or_404(case_queries.case_in_scope(current_actor(), case_id)))


@cases.route("/<int:case_id>/outcome")
class CaseOutcome(MethodView):
    @cases.arguments(s.OutcomeArgs)
    @cases.response(200, s.CaseDetailSchema)
    def post(self, args, case_id):
        """Record the certification outcome of a case, as the case page's “Record the outcome” does (the same
        rules, credit decision and ledger entry)."""
        actor = current_actor()
        require_role(*STAFF)
        case = get_or_404(case_queries.case_in_scope(actor, case_id))
        if not can_act_on_case(actor, case):
            abort(403)
        # The page's form starts with today's date; the API takes today when no date is given.
        decided_on = args["decided_on"] or case_clock.today()
        if args["outcome"] == "certified":
            case_services.certify_case(
                actor, case, level=args["level"], decided_on=decided_on, notes=args["notes"]
            )
        else:
            case_services.not_certify_case(
                actor, case, reason=args["reason"], decided_on=decided_on, notes=args["notes"]
            )
        db.session.commit()
        return _case_detail(get_or_404(case_queries.case_in_scope(actor, case_id)))


# -- ledger ------------------------------------------------------------------------------------------------


class NoArgs(Schema):
    pass


@ledger.route("/status")
class LedgerStatus(MethodView):
    @ledger.response(200, s.LedgerStatusSchema)
    def get(self):
        """Check the evidence ledger's chain and records now, as the ledger check page does (admins)."""
        from lms.evidence.models import LedgerEntry
        from lms.evidence.verify import verify_ledger

        require_role("admin")
        result = verify_ledger()
        db.session.commit()
        count = db.session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one()
        return {
            "entries": count,
            "last_seq": result.head_seq,
            "ok": result.ok,
            "problems": [f"#{p.seq} {p.subject}: {p.reason}" for p in result.problems],
        }
