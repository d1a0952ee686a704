"""Ledger entries of readiness: a reviewed self-assessment is an official fact.

The entry is written in the transaction that completes the review; afterwards the assessment and its answers
never change (services refuse it), so ``evidence verify`` can describe the record again and compare."""

from __future__ import annotations

from lms.evidence.ledger import evidence_kind
from lms.readiness.models import Assessment


@evidence_kind(
    "readiness_assessment_reviewed",
    subject_type="readiness_assessment",
    model=Assessment,
)
def describe_reviewed_assessment(assessment: Assessment) -> dict:
    return {
        "assessment_id": assessment.id,
        "enterprise_id": assessment.enterprise_id,
        "standard": assessment.standard.code,
        "standard_version": assessment.standard.number,
        "standard_hash": assessment.standard.source_hash,
        "indicators": dict(assessment.indicators or {}),
        "submitted_at": assessment.submitted_at,
        "reviewer_id": assessment.reviewer_id,
        "reviewed_at": assessment.reviewed_at,
        "items": {
            a.item_code: {"self": a.judgement, "final": a.final_judgement, "reason": a.review_reason}
            for a in assessment.answers
        },
        "total": assessment.final_total,
        "passed": bool(assessment.final_passed),
    }
