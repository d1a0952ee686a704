"""One clock (lms/core/clock.py): the only reader of the system time, and the one the fake clock moves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lms.core import clock as core_clock
from lms.cultivation import clock as cultivation_clock
from lms.database import utcnow
from lms.quizzes import clock as quiz_clock
from lms.sessions import services as session_services

LMS = Path(__file__).resolve().parents[2] / "lms"
SYSTEM_TIME = re.compile(r"datetime\.(utc)?now\(|date\.today\(")


def test_only_the_clock_reads_the_system_time():
    readers = sorted(
        str(path.relative_to(LMS))
        for path in LMS.rglob("*.py")
        if SYSTEM_TIME.search(path.read_text(encoding="utf-8"))
    )
    assert readers == ["core/clock.py"]


def test_every_area_reads_the_one_clock(app, clock):
    moment = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    clock.set(moment)
    with app.app_context():
        assert core_clock.now() == utcnow() == quiz_clock.now() == session_services.now() == moment
        assert cultivation_clock.today() == date(2026, 3, 1)  # 10:30 in Asia/Shanghai
    clock.set(date(2026, 5, 4))
    with app.app_context():
        assert cultivation_clock.today() == date(2026, 5, 4)
    before = core_clock.now()
    assert clock.advance(minutes=5) == core_clock.now() == before + timedelta(minutes=5)
