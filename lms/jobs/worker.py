"""Celery entry point: ``celery -A lms.jobs.worker worker`` and ``celery -A lms.jobs.worker beat``."""

from __future__ import annotations

import sys

from lms import create_app
from lms.config import StartupRefused

try:
    flask_app = create_app()
except StartupRefused as error:
    print(f"lms: refusing to start: {error}", file=sys.stderr, flush=True)
    raise SystemExit(1) from None

celery = flask_app.extensions.get("lms_celery")
if celery is None:
    print(
        "lms: refusing to start: set LMS_CELERY_BROKER_URL (for example redis://127.0.0.1:6379/0) "
        "to run a worker or beat",
        file=sys.stderr,
        flush=True,
    )
    raise SystemExit(1)
app = celery
