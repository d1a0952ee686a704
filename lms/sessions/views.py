"""Sessions pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
