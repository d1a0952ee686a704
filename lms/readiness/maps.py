"""Readiness maps: an enterprise's items coloured by judgement (then and now), and the jurisdiction's heat
map."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from lms.auth.scopes import enterprise_clause, unit_ids_in_scope
from lms.extensions import db
from lms.org.models import Enterprise
from lms.readiness.models import Assessment
from lms.readiness.standards import GAP_JUDGEMENTS, MODULES, SEVERITY, all_items

GAP_POINTS = {"does_not_meet": 2, "basically_meets": 1}


def gap_points(judgements: dict[str, str | None]) -> int:
    return sum(GAP_POINTS.get(j or "", 0) for j in judgements.values())


def worst(judgements: list[str | None]) -> str | None:
    given = [j for j in judgements if j]
    if not given:
        return None
    return min(given, key=lambda j: SEVERITY[j])


@dataclass
class ItemCell:
    code: str
    item: dict
    then: str | None
    now: str | None

    @property
    def moved_to_meets(self) -> bool:
        return self.then in GAP_JUDGEMENTS and self.now == "meets"


@dataclass
class ModuleRow:
    code: str
    title_en: str
    title_zh: str
    cells: list[ItemCell] = field(default_factory=list)


def enterprise_map(first: Assessment | None, latest: Assessment | None) -> list[ModuleRow]:
    """Modules and items of the latest assessment's standard, with the first and latest final judgements."""
    if latest is None:
        return []
    then = first.judgements() if first is not None and first.id != latest.id else {}
    now = latest.judgements()
    data = latest.standard.data
    rows = [ModuleRow(m["code"], m["title_en"], m["title_zh"]) for m in data["modules"]]
    if data.get("additional"):
        rows.append(ModuleRow("additional", "Additional items", "附加项"))
    by_code = {r.code: r for r in rows}
    for item in all_items(data):
        by_code[item["module"]].cells.append(
            ItemCell(item["code"], item, then.get(item["code"]), now.get(item["code"]))
        )
    return rows


# -- the jurisdiction's heat map -----------------------------------------------------------------------------


@dataclass
class HeatRow:
    enterprise: Enterprise
    assessment: Assessment
    judgements: dict[str, str | None]
    modules: dict[str, str | None]  # worst judgement per module
    gaps: int

    @property
    def total(self) -> int | None:
        return (
            self.assessment.final_total if self.assessment.state == "reviewed" else self.assessment.self_total
        )

    @property
    def passed(self) -> bool | None:
        return (
            self.assessment.final_passed
            if self.assessment.state == "reviewed"
            else self.assessment.self_passed
        )


def heat_rows(actor, unit=None, sort: str = "gap") -> list[HeatRow]:
    """The latest judged (reviewed, else submitted) assessment of every enterprise in scope (and under
    ``unit``)."""
    stmt = (
        sa.select(Assessment)
        .join(Enterprise, Enterprise.id == Assessment.enterprise_id)
        .where(Assessment.state.in_(("reviewed", "submitted")), enterprise_clause(actor))
        .options(
            selectinload(Assessment.answers),
            selectinload(Assessment.standard),
            selectinload(Assessment.enterprise),
        )
        .order_by(Assessment.enterprise_id, Assessment.id)
    )
    if unit is not None:
        stmt = stmt.where(Enterprise.unit_id.in_(unit_ids_in_scope_of(unit)))
    latest: dict[int, Assessment] = {}
    for assessment in db.session.execute(stmt).scalars():
        current = latest.get(assessment.enterprise_id)
        if current is None or _rank(assessment) > _rank(current):
            latest[assessment.enterprise_id] = assessment
    rows = []
    for assessment in latest.values():
        judgements = assessment.judgements()
        modules = {}
        for item in all_items(assessment.standard.data):
            modules.setdefault(item["module"], []).append(judgements.get(item["code"]))
        rows.append(
            HeatRow(
                enterprise=assessment.enterprise,
                assessment=assessment,
                judgements=judgements,
                modules={m: worst(v) for m, v in modules.items() if m in MODULES},
                gaps=gap_points(judgements),
            )
        )
    if sort == "name":
        rows.sort(key=lambda r: r.enterprise.name)
    elif sort == "total":
        rows.sort(key=lambda r: (r.total is None, r.total or 0, r.enterprise.name))
    else:
        rows.sort(key=lambda r: (-r.gaps, r.enterprise.name))
    return rows


def _rank(assessment: Assessment):
    return (assessment.state == "reviewed", assessment.when, assessment.id)


def unit_ids_in_scope_of(unit) -> sa.Select:
    from lms.org.models import CustomsUnit

    return sa.select(CustomsUnit.id).where(CustomsUnit.path.startswith(unit.path, autoescape=True))


def item_columns(rows: list[HeatRow]) -> list[dict]:
    """The union of the rows' items, in the order of the standards (newest standard first)."""
    seen: dict[str, dict] = {}
    versions = sorted({r.assessment.standard for r in rows}, key=lambda v: v.effective_from, reverse=True)
    for version in versions:
        for item in all_items(version.data):
            seen.setdefault(item["code"], item)
    return sorted(
        seen.values(), key=lambda i: (MODULES.index(i["module"]) if i["module"] in MODULES else 9, i["code"])
    )


def trend(assessments: list[Assessment]) -> list[dict]:
    """One point per submitted or reviewed assessment, oldest first: total, verdict, gaps."""
    points = []
    for a in assessments:
        if a.state == "draft":
            continue
        reviewed = a.state == "reviewed"
        judgements = a.judgements(final=reviewed)
        points.append(
            {
                "assessment": a,
                "total": a.final_total if reviewed else a.self_total,
                "passed": a.final_passed if reviewed else a.self_passed,
                "gaps": gap_points(judgements),
                "meets": sum(1 for j in judgements.values() if j == "meets"),
            }
        )
    return points


# Used by the officer's heat map for an unscoped actor check in views.
__all__ = ["enterprise_map", "heat_rows", "item_columns", "trend", "unit_ids_in_scope", "worst"]
