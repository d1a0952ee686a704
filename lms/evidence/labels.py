"""Readable names for ledger kinds and subject types (unknown ones show their technical name)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

KIND_LABELS = {
    "attempt_graded": _l("Quiz attempt graded"),
    "essay_marked": _l("Essay marked"),
    "attendance_marked": _l("Attendance marked"),
    "course_completed": _l("Course completed"),
    "certificate_issued": _l("Certificate issued"),
    "certificate_revoked": _l("Certificate revoked"),
    "certificate_pseudonymised": _l("Certificate holder pseudonymised"),
    "key_list_confirmed": _l("Key training list confirmed"),
    "case_transition": _l("Cultivation case decision"),
    "certification_outcome": _l("Certification outcome"),
    "readiness_assessment_reviewed": _l("Readiness self-assessment reviewed"),
}
SUBJECT_LABELS = {
    "enrollment": _l("Enrolment"),
    "attempt": _l("Quiz attempt"),
    "registration": _l("Session registration"),
    "case_event": _l("Cultivation case step"),
    "cultivation_case": _l("Cultivation case"),
    "key_training_list": _l("Key training list"),
    "certificate": _l("Certificate"),
    "enterprise": _l("Enterprise"),
    "user": _l("Trainee"),
    "readiness_assessment": _l("Readiness self-assessment"),
}


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def subject_label(subject_type: str) -> str:
    label = SUBJECT_LABELS.get(subject_type)
    return str(label) if label is not None else subject_type
