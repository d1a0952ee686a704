"""Ledger entries for quiz results: written in the transaction that grades or marks the attempt."""

from __future__ import annotations

from decimal import Decimal

from lms.evidence.ledger import evidence_kind
from lms.quizzes.models import Attempt

_FOUR_PLACES = Decimal("0.0001")


def _amount(value) -> str | None:
    if value is None:
        return None
    if type(value) is not Decimal:
        value = Decimal(value)
    # Quantized, its exponent is -4: str() gives the fixed-point text format(..., "f") gives, in a third of
    # the time (``evidence verify`` describes a million attempts).
    return str(value.quantize(_FOUR_PLACES))


def describe_attempt(attempt: Attempt) -> dict:
    """The result facts of an attempt, reproducible from its row."""
    return {
        "attempt_id": attempt.id,
        "user_id": attempt.user_id,
        "quiz_id": attempt.quiz_id,
        "number": attempt.number,
        "score": _amount(attempt.score),
        "max_score": _amount(attempt.max_score),
        "percent": _amount(attempt.percent),
        "passed": attempt.passed,
        "status": attempt.status,
    }


evidence_kind(
    "attempt_graded", subject_type="attempt", model=Attempt, group="attempt_result", columns_only=True
)(describe_attempt)
evidence_kind(
    "essay_marked", subject_type="attempt", model=Attempt, group="attempt_result", columns_only=True
)(describe_attempt)
