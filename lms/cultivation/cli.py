"""`flask --app lms cultivation ...` commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("cultivation", help="Cultivation commands.")
