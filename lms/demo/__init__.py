"""Demo data: `flask --app lms demo load`. Each area adds a loader module; every loader is idempotent."""

from __future__ import annotations

import importlib
import importlib.util

DEMO_PASSWORD = "demo-2026"

# Run in this order; later areas build on the people and courses of earlier ones.
DEMO_MODULES = (
    "lms.demo.org",
    "lms.courses.demo",
    "lms.quizzes.demo",
    "lms.sessions.demo",
    "lms.experts.demo",
    "lms.cultivation.demo",
    "lms.evidence.demo",
    "lms.readiness.demo",
    "lms.demo.bilingual",
)


def load_demo(echo=print) -> None:
    """Load every area's demo data, committing after each area."""
    from lms.extensions import db

    for name in DEMO_MODULES:
        if importlib.util.find_spec(name) is None:
            continue
        module = importlib.import_module(name)
        summary = module.load()
        db.session.commit()
        if summary:
            echo(f"{name.split('.')[-2] if name.endswith('.demo') else name.split('.')[-1]}: {summary}")


def init_app(app) -> None:
    """Registers `flask demo`."""
    from lms.demo import cli

    app.cli.add_command(cli.cli)
