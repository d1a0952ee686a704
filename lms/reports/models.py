"""Results kept at write time, and the rollups the report figures read.

The raw records (attempts, enrolments) stay the truth. Beside them, in the same transaction as every change
to them (lms.reports.stored), the LMS keeps:

* ``quiz_result``: each trainee's result at each quiz under the quiz's grading method, and when it was last
  changed by a graded attempt;
* ``gain_pair``: each trainee's pre-test and post-test results of a course, and the normalised gain;
* ``enrolment_stat``: each enrolment's month and whether it is completed;
* ``seat_stat``: each confirmed seat at a session not cancelled, the month the session starts in and whether
  the trainee attended (whether the session has been taught yet changes with the clock, so the figures read
  that from the session when they are asked: lms.reports.figures);
* ``feedback_stat``: each feedback response, the month its session starts in and its four ratings;
* ``report_rollup``: the sums of those per (customs unit, course, local month), so a national dashboard
  reads thousands of rows.

Percentages are kept as integers in ten-thousandths (``*_e4``) and normalised gains in hundred-millionths
(``g_e8``), so that sums are exact on every database. ``unit_id`` is the unit the row was counted under
(the supervising unit of the trainee's enterprise; NULL when the user is not a trainee of an enterprise,
and then the row is not in any rollup). No foreign keys: a raw row is deleted before the stored rows
that follow it are (at commit). ``flask --app lms reports check`` recomputes all of it from the raw
records; ``flask --app lms reports rebuild`` rewrites it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.database import UTCDateTime
from lms.extensions import db

PERCENT_SCALE = 10_000
GAIN_SCALE = 100_000_000
BANDS = 10


class QuizResult(db.Model):
    __tablename__ = "quiz_result"
    __table_args__ = (
        sa.Index("ix_quiz_result_user", "user_id", "course_id"),
        sa.Index("ix_quiz_result_unit_last", "unit_id", "last_at"),
        sa.Index("ix_quiz_result_last_at", "last_at"),
    )

    quiz_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column()
    purpose: Mapped[str] = mapped_column(sa.String(20))
    unit_id: Mapped[int | None] = mapped_column()
    attempts: Mapped[int] = mapped_column()
    percent_e4: Mapped[int] = mapped_column(sa.BigInteger)
    passed: Mapped[bool] = mapped_column()
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(sa.String(7))

    @property
    def percent(self) -> Decimal:
        return Decimal(self.percent_e4) / PERCENT_SCALE


class GainPair(db.Model):
    __tablename__ = "gain_pair"
    __table_args__ = (
        sa.Index("ix_gain_pair_user", "user_id"),
        sa.Index("ix_gain_pair_post_at", "post_at"),
    )

    course_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    pre_quiz_id: Mapped[int] = mapped_column()
    post_quiz_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column()
    pre_e4: Mapped[int] = mapped_column(sa.BigInteger)
    post_e4: Mapped[int] = mapped_column(sa.BigInteger)
    g_e8: Mapped[int | None] = mapped_column(sa.BigInteger)
    post_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(sa.String(7))


class EnrolmentStat(db.Model):
    __tablename__ = "enrolment_stat"
    __table_args__ = (sa.Index("ix_enrolment_stat_user", "user_id"),)

    enrollment_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column()
    course_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(20))
    enrolled_month: Mapped[str] = mapped_column(sa.String(7))
    completed_month: Mapped[str | None] = mapped_column(sa.String(7))


class SeatStat(db.Model):
    __tablename__ = "seat_stat"
    __table_args__ = (
        sa.Index("ix_seat_stat_user", "user_id"),
        sa.Index("ix_seat_stat_session", "session_id"),
    )

    registration_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column()
    session_id: Mapped[int] = mapped_column()
    course_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column()
    month: Mapped[str] = mapped_column(sa.String(7))
    attended: Mapped[bool] = mapped_column()


class FeedbackStat(db.Model):
    __tablename__ = "feedback_stat"
    __table_args__ = (
        sa.Index("ix_feedback_stat_user", "user_id"),
        sa.Index("ix_feedback_stat_session", "session_id"),
    )

    feedback_id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column()
    session_id: Mapped[int] = mapped_column()
    course_id: Mapped[int] = mapped_column()
    unit_id: Mapped[int | None] = mapped_column()
    month: Mapped[str] = mapped_column(sa.String(7))
    content: Mapped[int] = mapped_column(sa.SmallInteger)
    expert: Mapped[int] = mapped_column(sa.SmallInteger)
    organisation: Mapped[int] = mapped_column(sa.SmallInteger)
    usefulness: Mapped[int] = mapped_column(sa.SmallInteger)


class ReportRollup(db.Model):
    """Sums per (metric, unit, course, local month). Metrics and their columns:

    * ``results`` (exam and post-test results, by the month of the result): n results, n2 passed,
      s1 sum of percent_e4, b0…b9 results per ten-point band;
    * ``gain`` (by the month of the post-test result): n pairs, s1 sum of pre_e4, s2 sum of post_e4,
      n2 pairs with a defined g, s3 sum of g_e8;
    * ``enrolled`` (by the month of enrolment): n enrolments, n2 completed now;
    * ``completed`` (by the month of completion, completed enrolments): n;
    * ``attendance`` (confirmed seats at sessions not cancelled, by the month the session starts in): n seats,
      n2 attended;
    * ``satisfaction`` (feedback, by the month the session starts in): n responses, s1…s4 the sums of the
      content, expert, organisation and usefulness ratings.
    """

    __tablename__ = "report_rollup"

    metric: Mapped[str] = mapped_column(sa.String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    n2: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    s1: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    s2: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    s3: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    s4: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    b0: Mapped[int] = mapped_column(default=0)
    b1: Mapped[int] = mapped_column(default=0)
    b2: Mapped[int] = mapped_column(default=0)
    b3: Mapped[int] = mapped_column(default=0)
    b4: Mapped[int] = mapped_column(default=0)
    b5: Mapped[int] = mapped_column(default=0)
    b6: Mapped[int] = mapped_column(default=0)
    b7: Mapped[int] = mapped_column(default=0)
    b8: Mapped[int] = mapped_column(default=0)
    b9: Mapped[int] = mapped_column(default=0)


ROLLUP_VALUES = ("n", "n2", "s1", "s2", "s3", "s4", *[f"b{i}" for i in range(BANDS)])
