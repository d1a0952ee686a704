"""Running the application: logging with request ids, health and readiness, production start checks."""

from __future__ import annotations


def init_app(app) -> None:
    """Registers the health and readiness endpoints (/healthz, /readyz)."""
    from lms.ops import health

    app.register_blueprint(health.bp)
