"""Course completions are evidence: one ledger entry, written in the transaction that completes the course."""

from __future__ import annotations

from lms.courses.completion import course_completed
from lms.courses.models import Enrollment
from lms.evidence.ledger import evidence_kind, record_evidence


@evidence_kind("course_completed", subject_type="enrollment", model=Enrollment, columns_only=True)
def describe_completion(enrollment: Enrollment) -> dict:
    return {
        "user_id": enrollment.user_id,
        "course_id": enrollment.course_id,
        "version_id": enrollment.completed_version_id,
        "completed_at": enrollment.completed_at,
    }


@course_completed.connect
def _record_completion(enrollment: Enrollment, actor=None, **extra) -> None:
    record_evidence("course_completed", enrollment, actor)
