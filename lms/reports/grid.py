"""All figures at once: a report's figures per dimension, the unit-by-figure grid, the page's statements."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from lms.org.models import CustomsUnit
from lms.reports import snapshot
from lms.reports.dimensions import TOTAL, Dim, Scope, _add_into, child_of
from lms.reports.figures import (
    LEARNING,
    METRICS,
    Attendance,
    Completion,
    Funnel,
    Gain,
    Outcomes,
    Satisfaction,
    completion_trend,
    grouped,
    grouped_afresh,
    scale_rows,
)

# -- all figures at once -----------------------------------------------------------------------------------


@dataclass
class Figures:
    completion: Completion = field(default_factory=Completion)
    outcomes: Outcomes = field(default_factory=Outcomes)
    gain: Gain = field(default_factory=Gain)
    attendance: Attendance = field(default_factory=Attendance)
    satisfaction: Satisfaction = field(default_factory=Satisfaction)


def _assemble(parts: dict[str, dict], total: bool) -> dict:
    keys = {None} if total else set().union(*[set(p) for p in parts.values()])
    return {
        key: Figures(**{name: METRICS[name][1].of(part[key]) for name, part in parts.items() if key in part})
        for key in keys
    }


def figures(scope: Scope, dim: Dim = TOTAL) -> dict:
    """{key: Figures} for every key that has any figure (five statements whatever the number of rows)."""
    parts = {name: grouped(name, scope, dim) for name in LEARNING}
    return _assemble(parts, dim.kind == "total")


@dataclass
class Grid:
    """The figures of a scope in total, per sub-unit of ``node`` and per course, and its funnel."""

    total: Figures
    by_unit: dict
    by_course: dict
    funnel: Funnel
    funnel_by_unit: dict


def grid(scope: Scope, node: CustomsUnit | None, *, funnel: bool = True) -> Grid:
    """Everything a report page shows per unit and per course, from one statement per metric grouped by
    (the enterprise's own unit, course): the totals, the sub-units and the courses are sums of those rows.
    A report snapshot keeps the grid, not the thousands of (unit, course) rows it is made of."""
    return snapshot.remembered(
        ("grid", scope.snapshot_key, node.id if node is not None else None, funnel),
        lambda: _grid(scope, node, funnel),
    )


def _grid(scope: Scope, node: CustomsUnit | None, funnel: bool) -> Grid:
    mapping = child_of(node) if node is not None else {}
    totals: dict = {}
    units: dict = {}
    courses: dict = {}
    for name in (*LEARNING, "funnel") if funnel else LEARNING:
        total_part, unit_part, course_part = {}, {}, {}
        # Added up as stored (integers) and scaled once per cell: the same exact Decimals, less work.
        rows, scales = grouped_afresh(name, scope, Dim("unit_course"), scaled=False)
        for (unit_id, course_id), values in rows.items():
            _add_into(total_part, None, values)
            if unit_id in mapping:
                _add_into(unit_part, mapping[unit_id], values)
            if course_id is not None:
                _add_into(course_part, course_id, values)
        totals[name] = scale_rows(total_part, scales)
        units[name] = scale_rows(unit_part, scales)
        courses[name] = scale_rows(course_part, scales)
    funnel_cls = METRICS["funnel"][1]
    learning = list(LEARNING)
    total = _assemble({n: totals[n] for n in learning}, True)[None]
    return Grid(
        total=total,
        by_unit=_assemble({n: units[n] for n in learning}, False),
        by_course=_assemble({n: courses[n] for n in learning}, False),
        funnel=funnel_cls.of(totals["funnel"][None]) if None in totals.get("funnel", {}) else Funnel(),
        funnel_by_unit={key: funnel_cls.of(values) for key, values in units.get("funnel", {}).items()},
    )


def page_statements(scope: Scope) -> list[tuple[str, Callable[[], object]]]:
    """The statements behind a unit's report page, by name, each as a call that runs it (for timing them)."""
    statements: list[tuple[str, Callable[[], object]]] = [
        (f"{name} by unit and course", partial(grouped, name, scope, Dim("unit_course")))
        for name in (*LEARNING, "funnel")
    ]
    statements += [(f"{name} by expert", partial(grouped, name, scope, Dim("expert"))) for name in LEARNING]
    statements.append(("completions by month", partial(completion_trend, scope)))
    return statements
