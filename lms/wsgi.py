"""The WSGI entry point for gunicorn (``lms.wsgi:app``): a refused start prints one line and exits 1."""

from __future__ import annotations

import sys

from lms import create_app
from lms.config import StartupRefused

try:
    app = create_app()
except StartupRefused as error:
    print(f"lms: refusing to start: {error}", file=sys.stderr, flush=True)
    raise SystemExit(1) from None
