"""Quizzes pages."""

from __future__ import annotations

from flask import Blueprint

from lms.quizzes import completion as _completion  # noqa: F401 - registers the "quizzes" requirement
from lms.quizzes import curriculum as _curriculum  # noqa: F401 - registers the loader hook
from lms.quizzes import evidence as _evidence  # noqa: F401 - registers the ledger kinds

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
