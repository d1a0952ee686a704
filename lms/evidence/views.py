"""Evidence pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evidence", __name__, url_prefix="/evidence")
