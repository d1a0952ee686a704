"""The one fake clock: moves lms.core.clock (``now()``, ``today()``, and every stored time) for one test."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from lms.core import clock as core_clock


class FakeClock:
    """Unset, it reads the system time; ``set(moment)`` or ``set(day)`` stops it there until moved again.

    ``set(day)`` puts it at noon of that day in the site's time zone, so that ``today()`` is ``day``;
    ``advance(minutes=1)`` moves it on (from the system time when it was not set).
    """

    def __init__(self, monkeypatch, start: datetime | None = None):
        self.moment = start
        monkeypatch.setattr(core_clock, "_source", self.now)

    def now(self) -> datetime:
        return self.moment if self.moment is not None else core_clock.system_now()

    __call__ = now

    @property
    def current(self) -> datetime:
        return self.now()

    @property
    def day(self) -> date:
        return core_clock.today()

    def today(self) -> date:
        return core_clock.today()

    def set(self, when: datetime | date) -> None:
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(12), tzinfo=core_clock.site_zone())
        self.moment = when.astimezone(UTC)

    def advance(self, **delta) -> datetime:
        self.moment = self.now() + timedelta(**delta)
        return self.moment
