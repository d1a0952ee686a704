"""Self-assessment rules: who fills, submits, reviews; scoring under the assessment's own standard version.

Plain functions taking the acting user; they raise domain errors and never commit (the view does). An
assessment against a retired (superseded or past its retirement date) version is read-only.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.scopes import enterprise_in_scope
from lms.config import setting
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.org.models import Enterprise
from lms.readiness.loader import applicable_version
from lms.readiness.models import Answer, Assessment, EvidenceFile
from lms.readiness.standards import (
    JUDGEMENTS,
    Verdict,
    all_items,
    financial_judgement,
    parse_indicators,
    score,
)

DEFAULT_ASSESSOR_POSITIONS = ("legal_representative", "senior_management", "department_staff")
STAFF = ("officer", "admin")


def assessor_positions() -> tuple[str, ...]:
    """Trainee positions that may fill an assessment (``LMS_READINESS_ASSESSOR_POSITIONS``)."""
    return tuple(setting("READINESS_ASSESSOR_POSITIONS")) or DEFAULT_ASSESSOR_POSITIONS


# -- permissions (one place) ---------------------------------------------------------------------------------


def can_view_enterprise(actor: User, enterprise: Enterprise | int) -> bool:
    enterprise_id = enterprise if isinstance(enterprise, int) else enterprise.id
    if actor.role == "expert":
        return (
            db.session.execute(
                sa.select(Assessment.id)
                .where(Assessment.enterprise_id == enterprise_id, Assessment.assigned_expert_id == actor.id)
                .limit(1)
            ).first()
            is not None
        )
    return enterprise_in_scope(actor, enterprise_id)


def can_view_assessment(actor: User, assessment: Assessment) -> bool:
    if actor.role == "expert":
        return assessment.assigned_expert_id == actor.id
    return enterprise_in_scope(actor, assessment.enterprise_id)


def can_fill(actor: User, enterprise_id: int) -> bool:
    return (
        actor.role == "trainee"
        and actor.enterprise_id == enterprise_id
        and actor.position in assessor_positions()
    )


def can_review(actor: User, assessment: Assessment) -> bool:
    if actor.role == "expert":
        return assessment.assigned_expert_id == actor.id
    return actor.role in STAFF and enterprise_in_scope(actor, assessment.enterprise_id)


def _require_writable(assessment: Assessment, today: date | None = None) -> None:
    if assessment.standard.retired(today):
        raise RuleViolation(
            _l(
                "Rule: %(standard)s is retired; assessments made under it are read-only. Start a new "
                "assessment under the standard that applies now.",
                standard=assessment.standard.label,
            ),
            code="readiness.retired",
        )


# -- filling -------------------------------------------------------------------------------------------------


def start_assessment(actor: User, enterprise: Enterprise, today: date | None = None) -> Assessment:
    """A new draft under the version that applies today (a reassessment is simply a new assessment)."""
    if not can_fill(actor, enterprise.id):
        raise NotPermitted(
            _l(
                "Only the enterprise's legal representative, senior managers and customs staff fill "
                "assessments."
            )
        )
    version = applicable_version(today)
    if version is None:
        raise RuleViolation(_l("No certification standard applies today: load the standards first."))
    open_one = db.session.execute(
        sa.select(Assessment.id).where(
            Assessment.enterprise_id == enterprise.id, Assessment.state.in_(("draft", "submitted"))
        )
    ).first()
    if open_one is not None:
        raise RuleViolation(
            _l("This enterprise already has an assessment in progress; finish it first."),
            code="readiness.open",
        )
    assessment = Assessment(
        enterprise=enterprise,
        standard=version,
        is_production=bool(enterprise.is_production),
        created_by_id=actor.id,
        indicators={},
    )
    for position, item in enumerate(all_items(version.data), start=1):
        assessment.answers.append(Answer(item_code=item["code"], position=position))
    db.session.add(assessment)
    db.session.flush()
    return assessment


def _require_filler(actor: User, assessment: Assessment) -> None:
    if not can_fill(actor, assessment.enterprise_id):
        raise NotPermitted(_l("You cannot change this assessment."))
    if assessment.state != "draft":
        raise RuleViolation(
            _l("Only a draft can be changed; this assessment was submitted."), code="readiness.state"
        )
    _require_writable(assessment)


def save_draft(
    actor: User,
    assessment: Assessment,
    *,
    judgements: dict[str, str | None],
    notes: dict[str, str],
    indicators: dict[str, str] | None = None,
) -> None:
    """Store the judgements, notes and indicators given. Indicators out of range raise IndicatorError (per
    field) before anything is changed."""
    _require_filler(actor, assessment)
    data = assessment.standard.data
    values = (
        parse_indicators(data, indicators) if indicators is not None else dict(assessment.indicators or {})
    )
    computed = {i["code"] for i in all_items(data) if i.get("computed")}
    for answer in assessment.answers:
        code = answer.item_code
        if code in judgements and code not in computed:
            value = judgements[code] or None
            if value is not None and value not in JUDGEMENTS:
                raise InvalidInput(_l("Choose a judgement from the list."), field=f"judgement-{code}")
            answer.judgement = value
        if code in notes:
            answer.note = (notes[code] or "").strip()[:4000]
    assessment.indicators = values
    financial = data.get("financial")
    if financial:
        answer = assessment.answer(financial["item"])
        if answer is not None:
            answer.judgement, _ = financial_judgement(data, values, assessment.is_production)
    db.session.flush()


def self_verdict(assessment: Assessment) -> Verdict:
    return score(assessment.standard.data, assessment.judgements(final=False))


def final_verdict(assessment: Assessment) -> Verdict:
    return score(assessment.standard.data, assessment.judgements(final=True))


def submit_assessment(actor: User, assessment: Assessment) -> Verdict:
    _require_filler(actor, assessment)
    verdict = self_verdict(assessment)
    if not verdict.complete:
        missing = next(values["codes"] for key, values in verdict.failures if key == "missing")
        raise RuleViolation(
            _l("Judge every item before submitting (missing: %(codes)s).", codes=", ".join(missing)),
            code="readiness.incomplete",
        )
    assessment.state = "submitted"
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = actor.id
    assessment.self_total = verdict.total
    assessment.self_passed = verdict.passed
    db.session.flush()
    return verdict


# -- review --------------------------------------------------------------------------------------------------


def assign_expert(actor: User, assessment: Assessment, expert: User | None) -> None:
    if actor.role not in STAFF or not enterprise_in_scope(actor, assessment.enterprise_id):
        raise NotPermitted(_l("Only customs in charge of the enterprise assign a reviewer."))
    if assessment.state == "reviewed":
        raise RuleViolation(_l("This assessment has been reviewed already."), code="readiness.state")
    if expert is not None and (expert.role != "expert" or not expert.active):
        raise InvalidInput(_l("Choose an active AEO expert."), field="expert_id")
    assessment.assigned_expert_id = expert.id if expert is not None else None
    db.session.flush()


def review_assessment(
    actor: User,
    assessment: Assessment,
    decisions: dict[str, tuple[str | None, str]],
    note: str = "",
) -> Verdict:
    """``decisions``: {item code: (own judgement or None to agree, reason)}. A judgement different from the
    enterprise's needs a reason. Records the reviewed assessment in the ledger, in this transaction."""
    if not can_review(actor, assessment):
        raise NotPermitted(_l("You cannot review this assessment."))
    if assessment.state != "submitted":
        raise RuleViolation(_l("Only a submitted assessment can be reviewed."), code="readiness.state")
    _require_writable(assessment)
    problems = {}
    for answer in assessment.answers:
        own, reason = decisions.get(answer.item_code, (None, ""))
        reason = (reason or "").strip()
        if own is not None and own not in JUDGEMENTS:
            problems[answer.item_code] = _l("Choose a judgement from the list.")
            continue
        if own is not None and own != answer.judgement and not reason:
            problems[answer.item_code] = _l("Give the reason for your own judgement.")
            continue
        answer.review_judgement = own if own != answer.judgement else None
        answer.review_reason = reason[:4000] if answer.review_judgement else ""
    if problems:
        error = InvalidInput(_l("Some items need attention (see below)."), field="items")
        error.problems = problems  # type: ignore[attr-defined]
        raise error
    verdict = final_verdict(assessment)
    assessment.state = "reviewed"
    assessment.reviewer_id = actor.id
    assessment.reviewed_at = utcnow()
    assessment.review_note = (note or "").strip()[:4000]
    assessment.final_total = verdict.total
    assessment.final_passed = verdict.passed
    db.session.flush()
    record_evidence("readiness_assessment_reviewed", assessment, actor)
    return verdict


# -- evidence files ------------------------------------------------------------------------------------------


def evidence_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "readiness-evidence"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_evidence(actor: User, answer: Answer, *, filename: str, stream) -> EvidenceFile:
    """Store a file for one item, checked like lesson attachments (size limit, type from the content)."""
    from lms.courses.services import store_upload

    _require_filler(actor, answer.assessment)
    upload = store_upload(evidence_folder(), filename=filename, stream=stream)
    file = EvidenceFile(**asdict(upload), uploaded_by_id=actor.id)
    answer.evidence.append(file)
    db.session.flush()
    return file


def remove_evidence(actor: User, file: EvidenceFile) -> str:
    _require_filler(actor, file.answer.assessment)
    stored = file.stored_name
    file.answer.evidence.remove(file)
    db.session.delete(file)
    db.session.flush()
    return stored


# -- lists ---------------------------------------------------------------------------------------------------


def assessments_of(enterprise_id: int) -> list[Assessment]:
    return list(
        db.session.execute(
            sa.select(Assessment)
            .where(Assessment.enterprise_id == enterprise_id)
            .order_by(Assessment.created_at, Assessment.id)
        ).scalars()
    )


def latest_judged(enterprise_id: int) -> Assessment | None:
    """The latest reviewed assessment, else the latest submitted one (what the maps and paths read)."""
    return db.session.execute(
        sa.select(Assessment)
        .where(Assessment.enterprise_id == enterprise_id, Assessment.state.in_(("reviewed", "submitted")))
        .order_by(
            (Assessment.state == "reviewed").desc(),
            sa.case(
                (Assessment.state == "reviewed", Assessment.reviewed_at), else_=Assessment.submitted_at
            ).desc(),
            Assessment.id.desc(),
        )
        .limit(1)
    ).scalar_one_or_none()
