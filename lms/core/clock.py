"""The one clock: every rule, deadline and stored time reads :func:`now` (aware, UTC) or :func:`today`.

Tests move it with the ``clock`` fixture (tests/support/clock.py), which replaces the source below; nothing
else in the application reads the system time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Shanghai"


def system_now() -> datetime:
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_now


def now() -> datetime:
    """The current time, aware, in UTC."""
    return _source()


def site_zone() -> ZoneInfo:
    """The site's time zone (``LMS_TIMEZONE``): customs days and local times on pages."""
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def today() -> date:
    """Today in the site's time zone: the day customs rules count in."""
    return now().astimezone(site_zone()).date()
