"""`flask --app lms quizzes ...` commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("quizzes", help="Quizzes commands.")
