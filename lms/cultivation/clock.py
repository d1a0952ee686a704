"""The cultivation area's idea of "today", in the customs time zone.

Flags, deadlines and "not in the future" rules all read :func:`today` through this module
(``clock.today()``), so a test or a command can move the clock by replacing it.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def today() -> date:
    zone = (
        current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
        if has_app_context()
        else "Asia/Shanghai"
    )
    return datetime.now(ZoneInfo(zone)).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
