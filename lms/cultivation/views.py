"""Cultivation pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cultivation", __name__, url_prefix="/cultivation")
