"""Quizzes pages."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("quizzes", __name__, url_prefix="/quizzes")
