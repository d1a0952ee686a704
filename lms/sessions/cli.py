"""`flask --app lms sessions ...` commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("sessions", help="Sessions commands.")
