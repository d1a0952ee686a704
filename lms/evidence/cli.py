"""`flask --app lms evidence ...` commands."""

from __future__ import annotations

from flask.cli import AppGroup

cli = AppGroup("evidence", help="Evidence commands.")
