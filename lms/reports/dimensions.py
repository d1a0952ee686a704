"""Report scope and dimensions: the period and jurisdiction of a report, the unit, enterprise and course
axes, and the rounding of figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause
from lms.courses.models import Enrollment
from lms.database import utcnow
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise
from lms.reports.filters import Filters, local_midnight_utc
from lms.reports.models import GainPair, QuizResult
from lms.sessions.models import (
    Registration,
    SessionExpert,
    TrainingSession,
)

GRADED_PURPOSES = ("exam", "post_test")
ATTENDED = ("present", "late")
HUNDRED = Decimal(100)
RATE_Q = Decimal("0.1")
SCORE_Q = Decimal("0.01")
GAIN_Q = Decimal("0.001")
RATING_Q = Decimal("0.01")

# Funnel stages: key, the case state whose presence in the audit trail marks the stage, label.
FUNNEL_STAGES = (
    ("applied", None, _l("Applied")),
    ("listed", "listed", _l("On the key training list")),
    ("trained", "completed", _l("Training completed")),
    ("certification_applied", "certification_applied", _l("Applied for certification")),
    ("certified", "certified", _l("Certified")),
)
SCORE_BANDS = tuple((10 * i, 10 * i + 10) for i in range(10))  # the last band includes 100


def _ratio(part: int, whole: int, quantum: Decimal = RATE_Q, scale: int = 100) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * scale / Decimal(whole)).quantize(quantum, rounding=ROUND_HALF_UP)


def _number(value) -> Decimal:
    """A SQL aggregate (Decimal on PostgreSQL, float or int on SQLite) as a Decimal."""
    return Decimal(str(value)) if value is not None else Decimal(0)


def _mean(total, count: int, quantum: Decimal) -> Decimal | None:
    if not count:
        return None
    return (_number(total) / count).quantize(quantum, rounding=ROUND_HALF_UP)


# -- scope and dimensions ----------------------------------------------------------------------------------


@dataclass
class Scope:
    """Who asks, for which period and filters, narrowed to a unit's tree, an enterprise or a trainee."""

    actor: User
    filters: Filters
    unit: CustomsUnit | None = None
    enterprise_id: int | None = None
    user_id: int | None = None
    now: datetime = field(default_factory=utcnow)
    # One page of a table: only these enterprises or trainees (set from a Dim's keys).
    enterprise_ids: tuple | None = None
    user_ids: tuple | None = None
    covered: bool | None = field(default=None, repr=False)  # see ``stored``

    @property
    def start(self) -> datetime:
        return self.filters.start_utc

    @property
    def snapshot_key(self) -> tuple:
        """Who asks (and their jurisdiction), about what, with which filters: what a snapshot is kept by."""
        f = self.filters
        return (
            self.actor.id,
            self.actor.role,
            self.actor.unit_id,
            self.unit.id if self.unit is not None else None,
            self.enterprise_id,
            self.user_id,
            self.enterprise_ids,
            self.user_ids,
            (f.start, f.end, f.course_id, f.expert_id),
        )

    @property
    def stored(self) -> bool:
        """Whether the stored results answer for this period: it ends after every stored result, gain pair
        and enrolment (so no attempt after the period's end counts). Otherwise the figures are computed
        from the raw attempts, bounded in time. Asked once per page."""
        if self.covered is None:
            self.covered = stored_cover(self.end)
        return self.covered

    @property
    def rollups(self) -> bool:
        """Whether the rollups answer: stored results, whole months, a unit's tree, no expert filter."""
        return (
            self.filters.start.day == 1
            and self.enterprise_id is None
            and self.user_id is None
            and self.enterprise_ids is None
            and self.user_ids is None
            and self.filters.expert_id is None
            and self.actor.role in ("admin", "officer")
            and self.stored
        )

    @property
    def end(self) -> datetime:
        return self.filters.end_utc


def stored_cover(end: datetime) -> bool:
    """True when ``end`` is after every stored result, gain pair, enrolment and completion."""
    latest = db.session.execute(
        sa.select(
            sa.select(sa.func.max(QuizResult.last_at)).scalar_subquery(),
            sa.select(sa.func.max(GainPair.post_at)).scalar_subquery(),
            sa.select(sa.func.max(Enrollment.enrolled_at)).scalar_subquery(),
            sa.select(sa.func.max(Enrollment.completed_at)).scalar_subquery(),
        )
    ).one()
    return all(value is None or _aware(value) < end for value in latest)


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Dim:
    """How to group: ``total`` (one row, key None), ``unit`` (the children of ``node``, and ``node`` itself
    for the enterprises it supervises directly), ``enterprise``, ``trainee``, ``course``, ``expert``,
    ``month``, or ``unit_course`` ((own unit of the enterprise, course) pairs, which :func:`grid` adds up).
    ``keys`` restricts the rows to those keys (one page of a table)."""

    kind: str = "total"
    node: CustomsUnit | None = None
    keys: tuple | None = None


TOTAL = Dim()


def dim_key(dim: Dim) -> tuple:
    return (dim.kind, dim.node.id if dim.node is not None else None, dim.keys)


def _narrowed(scope: Scope, dim: Dim) -> Scope:
    """Push a page's keys down into the scope, so that only those enterprises' or trainees' facts are read."""
    if dim.keys is None:
        return scope
    if dim.kind == "enterprise":
        return replace(scope, enterprise_ids=tuple(dim.keys))
    if dim.kind == "trainee":
        return replace(scope, user_ids=tuple(dim.keys))
    return scope


def enterprise_clauses(scope: Scope) -> list:
    """The enterprises in the actor's jurisdiction (lms.auth.scopes) and in the scope's narrowing."""
    clauses = [enterprise_clause(scope.actor)]
    if scope.unit is not None:
        clauses.append(
            Enterprise.unit_id.in_(
                sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(scope.unit.path, autoescape=True))
            )
        )
    if scope.enterprise_id is not None:
        clauses.append(Enterprise.id == scope.enterprise_id)
    if scope.enterprise_ids is not None:
        clauses.append(Enterprise.id.in_(list(scope.enterprise_ids)))
    return clauses


def _user_clauses(scope: Scope) -> list:
    clauses = [User.role == "trainee"]
    if scope.user_id is not None:
        clauses.append(User.id == scope.user_id)
    if scope.user_ids is not None:
        clauses.append(User.id.in_(list(scope.user_ids)))
    return clauses


def _with_trainees(stmt, scope: Scope, user_col):
    """Join the fact's trainee and their enterprise, keeping the trainees within the scope."""
    stmt = stmt.join(User, User.id == user_col).join(Enterprise, Enterprise.id == User.enterprise_id)
    return stmt.where(*_user_clauses(scope), *enterprise_clauses(scope))


def trainee_ids(scope: Scope) -> sa.Select:
    return (
        sa.select(User.id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(*_user_clauses(scope), *enterprise_clauses(scope))
    )


def _taught(expert_ids=None) -> sa.Subquery:
    """(expert, trainee, course): the trainee had a confirmed seat at a non-cancelled session of the course
    that the expert was assigned to. ``expert_ids``: only these experts' (one page of a table), so that the
    distinct triples are taken over their sessions rather than over every seat."""
    stmt = (
        sa.select(SessionExpert.expert_id, Registration.user_id, TrainingSession.course_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .join(Registration, Registration.session_id == TrainingSession.id)
        .where(Registration.status == "confirmed", TrainingSession.status != "cancelled")
    )
    if expert_ids is not None:
        stmt = stmt.where(SessionExpert.expert_id.in_(list(expert_ids)))
    return stmt.distinct().subquery("taught")


def expert_ids(scope: Scope) -> sa.Select:
    """The experts a by-expert table lists: those who taught (a confirmed seat at a non-cancelled session of
    theirs) a trainee within the scope, in the course and expert filtered by.

    Asked as "assigned to a session that has such a seat", so that no (expert, trainee, course) triple is
    built: the national list reads each session's seats once."""
    seated = (
        sa.select(Registration.session_id)
        .join(User, User.id == Registration.user_id)
        .join(Enterprise, Enterprise.id == User.enterprise_id)
        .where(Registration.status == "confirmed", *_user_clauses(scope), *enterprise_clauses(scope))
    )
    stmt = (
        sa.select(SessionExpert.expert_id)
        .join(TrainingSession, TrainingSession.id == SessionExpert.session_id)
        .where(TrainingSession.status != "cancelled", SessionExpert.session_id.in_(seated))
        .distinct()
    )
    if scope.filters.course_id is not None:
        stmt = stmt.where(TrainingSession.course_id == scope.filters.course_id)
    if scope.filters.expert_id is not None:
        stmt = stmt.where(SessionExpert.expert_id == scope.filters.expert_id)
    return stmt


def _taught_by(expert_id: int, user_col, course_col) -> sa.ColumnElement[bool]:
    # Aliases: the outer query may join these tables itself (expert dimension, session facts).
    se, ts, reg = (
        aliased(SessionExpert, name="tb_expert"),
        aliased(TrainingSession, name="tb_session"),
        aliased(Registration, name="tb_registration"),
    )
    return sa.exists(
        sa.select(se.id)
        .join(ts, ts.id == se.session_id)
        .join(reg, reg.session_id == ts.id)
        .where(
            se.expert_id == expert_id,
            reg.user_id == user_col,
            ts.course_id == course_col,
            reg.status == "confirmed",
            ts.status != "cancelled",
        )
    )


def month_case(column, months: list[date], *, dates: bool = False):
    """The local month ``column`` falls in, as 'YYYY-MM' (boundaries computed here, so SQLite and PostgreSQL
    agree and the time zone is exact). ``dates``: the column holds local dates, not UTC times."""
    whens = []
    for index, first in enumerate(months):
        following = (
            months[index + 1]
            if index + 1 < len(months)
            else date(first.year + first.month // 12, first.month % 12 + 1, 1)
        )
        whens.append(
            (column < (following if dates else local_midnight_utc(following)), first.strftime("%Y-%m"))
        )
    return sa.case(*whens, else_=sa.null())


def _apply_dim(
    stmt, scope: Scope, dim: Dim, *, user_col=None, course_col=None, session_col=None, time_col=None
):
    """Add the joins and the key columns for ``dim``; apply the course and expert filters.
    Returns the statement and the number of key columns it ends with."""
    filters = scope.filters
    if filters.course_id is not None and course_col is not None:
        stmt = stmt.where(course_col == filters.course_id)
    if filters.expert_id is not None:
        if session_col is not None:
            assigned = aliased(SessionExpert, name="filter_expert")
            stmt = stmt.where(
                sa.exists(
                    sa.select(assigned.id).where(
                        assigned.session_id == session_col, assigned.expert_id == filters.expert_id
                    )
                )
            )
        elif user_col is not None and course_col is not None:
            stmt = stmt.where(_taught_by(filters.expert_id, user_col, course_col))
    if dim.kind == "total":
        return stmt, 0
    if dim.kind == "unit_course":
        if course_col is None:  # facts without a course (the funnel): grouped by unit only
            return stmt.add_columns(Enterprise.unit_id, sa.null()).group_by(Enterprise.unit_id), 2
        return stmt.add_columns(Enterprise.unit_id, course_col).group_by(Enterprise.unit_id, course_col), 2
    if dim.kind == "unit":
        # Grouped by the enterprise's own unit here; _rows adds the units up into the node's children.
        key = Enterprise.unit_id
    elif dim.kind == "enterprise":
        key = Enterprise.id
    elif dim.kind == "trainee":
        key = user_col
    elif dim.kind == "course":
        key = course_col
    elif dim.kind == "expert":
        if session_col is not None:
            stmt = stmt.join(SessionExpert, SessionExpert.session_id == session_col)
            key = SessionExpert.expert_id
        else:
            taught = _taught(dim.keys)
            stmt = stmt.join(taught, sa.and_(taught.c.user_id == user_col, taught.c.course_id == course_col))
            key = taught.c.expert_id
    elif dim.kind == "month":
        key = month_case(time_col, scope.filters.months(), dates=isinstance(time_col.type, sa.Date))
    else:
        raise ValueError(f"unknown dimension {dim.kind}")
    if dim.keys is not None and dim.kind not in ("unit", "enterprise", "trainee"):
        stmt = stmt.where(key.in_(list(dim.keys)))
    return stmt.add_columns(key.label("key")).group_by(key), 1


def child_of(node: CustomsUnit) -> dict[int, int]:
    """{unit id: the child of ``node`` it lies under (``node`` itself for node)} over node's tree."""
    out = {}
    below_node = sa.select(CustomsUnit.id, CustomsUnit.path).where(
        CustomsUnit.path.startswith(node.path, autoescape=True)
    )
    for unit_id, path in db.session.execute(below_node).all():
        below = path[len(node.path) :].strip("/")
        out[unit_id] = int(below.split("/")[0]) if below else node.id
    return out


def _add(a, b):
    if a is None:
        return b
    if b is None:
        return a
    if type(a) is float or type(b) is float:  # SQLite's sums of REAL columns: exact through their text
        return _number(a) + _number(b)
    return a + b  # ints and Decimals add exactly


def _add_into(out: dict, key, values: list) -> None:
    out[key] = [_add(a, b) for a, b in zip(out[key], values, strict=True)] if key in out else list(values)


def _rows(stmt, dim: Dim, nkeys: int) -> dict:
    """{key: [aggregates]}; the key is the statement's last column(s) (None for the total).

    Every aggregate is a count or a sum, so the figures of a sub-unit are the sums over the units below it:
    the statement groups by the enterprise's own unit, and the (few) unit rows are added up here.
    """
    rows = db.session.execute(stmt).all()
    if nkeys == 0:
        return {None: list(rows[0])} if rows else {}
    if nkeys == 2:
        return {(row[-2], row[-1]): list(row[:-2]) for row in rows}
    if dim.kind != "unit":
        return {row[-1]: list(row[:-1]) for row in rows}
    mapping = child_of(dim.node)
    out: dict = {}
    for row in rows:
        key = mapping.get(row[-1])
        if key is not None and (dim.keys is None or key in dim.keys):
            _add_into(out, key, list(row[:-1]))
    return out
