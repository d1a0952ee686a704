"""The cultivation area's idea of "today" (the one clock, in the customs time zone) and date arithmetic.

Flags, deadlines and "not in the future" rules all read :func:`today` (``clock.today()``), the day of
lms/core/clock.py in the site's time zone.
"""

from __future__ import annotations

import calendar
from datetime import date

from lms.core.clock import today

__all__ = ["add_months", "add_years", "today"]


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    return add_months(day, 12 * years)
