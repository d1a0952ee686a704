"""Key training lists: build (ranked), adjust, confirm (fixed; its cases go on the list and into training),
and the rows shared by the page and the CSV/XLSX exports.

Confirming a list puts each included case on it (screened → listed) and starts its training
(listed → in_training) in the same transaction: once customs has fixed the list, training is what follows,
and both steps stay visible in each case's audit trail. Excluded cases stay screened for a later list.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload, selectinload

from lms.auth.models import POSITIONS
from lms.auth.scopes import unit_in_scope
from lms.core.spreadsheet import formula_safe
from lms.cultivation import clock, notices, settings
from lms.cultivation.models import CaseNominee, CultivationCase, KeyListEntry, KeyTrainingList
from lms.cultivation.ranking import CRITERIA, rank_key_training_list
from lms.database import utcnow
from lms.errors import InvalidInput, NotPermitted, RuleViolation
from lms.evidence.ledger import record_evidence
from lms.extensions import db
from lms.i18n import format_day
from lms.notifications.messages import Bilingual
from lms.org.models import CustomsUnit, Enterprise
from lms.org.services import unit_descendants

PERIOD_PATTERN = re.compile(r"^(\d{4})(-H[12]|-Q[1-4])?$")


def check_period(period: str | None) -> str:
    period = (period or "").strip().upper()
    if not PERIOD_PATTERN.match(period):
        raise InvalidInput(
            _l("Write the period as a year (2026), a half-year (2026-H2) or a quarter (2026-Q3)."),
            field="period",
        )
    return period


def _require_unit(actor, unit: CustomsUnit) -> None:
    if actor.role not in ("officer", "admin") or not unit_in_scope(actor, unit):
        raise NotPermitted(_l("This customs unit is outside your jurisdiction."), field="unit_id")


def candidate_cases(unit: CustomsUnit) -> list[CultivationCase]:
    """Screened cases of enterprises supervised by ``unit`` or a unit below it."""
    return list(
        db.session.execute(
            sa.select(CultivationCase)
            .join(Enterprise, Enterprise.id == CultivationCase.enterprise_id)
            .where(CultivationCase.state == "screened", Enterprise.unit_id.in_(unit_descendants(unit)))
            .options(joinedload(CultivationCase.enterprise), selectinload(CultivationCase.nominees))
            .order_by(CultivationCase.opened_at, CultivationCase.id)
        ).scalars()
    )


def _fill(key_list: KeyTrainingList) -> None:
    weights = {k: Decimal(v) for k, v in key_list.weights.items()}
    values = {k: Decimal(v) for k, v in key_list.position_values.items()}
    for ranked in rank_key_training_list(candidate_cases(key_list.unit), weights, values):
        db.session.add(
            KeyListEntry(
                key_list=key_list,
                case=ranked.case,
                position=ranked.rank,
                score_rank=ranked.rank,
                score=ranked.score,
                breakdown=ranked.breakdown_dict(),
            )
        )


def build_key_list(actor, unit: CustomsUnit, period: str) -> KeyTrainingList:
    _require_unit(actor, unit)
    period = check_period(period)
    existing = db.session.execute(
        sa.select(KeyTrainingList).where(KeyTrainingList.unit_id == unit.id, KeyTrainingList.period == period)
    ).scalar_one_or_none()
    if existing is not None:
        raise RuleViolation(
            _l(
                "Rule: one key training list per unit and period; %(unit)s already has one for %(period)s.",
                unit=unit.name,
                period=period,
            ),
            field="period",
            code="key_list.exists",
        )
    key_list = KeyTrainingList(
        unit=unit,
        period=period,
        created_by_id=actor.id,
        weights={k: str(v) for k, v in settings.ranking_weights().items()},
        position_values={k: str(v) for k, v in settings.position_values().items()},
    )
    db.session.add(key_list)
    db.session.flush()
    _fill(key_list)
    db.session.flush()
    return key_list


def _lock_list(actor, key_list: KeyTrainingList) -> KeyTrainingList:
    _require_unit(actor, key_list.unit)
    key_list = db.session.execute(
        sa.select(KeyTrainingList)
        .where(KeyTrainingList.id == key_list.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    if key_list.confirmed:
        raise RuleViolation(
            _l(
                "Rule: a confirmed key training list is fixed (confirmed on %(day)s).",
                day=format_day(key_list.confirmed_at.date()),
            ),
            code="key_list.confirmed",
        )
    return key_list


def refresh_key_list(actor, key_list: KeyTrainingList) -> KeyTrainingList:
    """Rank again from the cases screened now; adjustments are dropped."""
    key_list = _lock_list(actor, key_list)
    for entry in list(key_list.entries):
        db.session.delete(entry)
    db.session.flush()
    db.session.expire(key_list, ["entries"])
    key_list.weights = {k: str(v) for k, v in settings.ranking_weights().items()}
    key_list.position_values = {k: str(v) for k, v in settings.position_values().items()}
    _fill(key_list)
    db.session.flush()
    return key_list


def _adjust_note(entry: KeyListEntry, actor, action: str, reason: str) -> None:
    """Keep the adjustment as data (shown in each reader's language), not as text in the actor's."""
    entry.adjustments = [
        *(entry.adjustments or []),
        {"on": clock.today().isoformat(), "by": actor.display_name, "action": action, "reason": reason},
    ]


def _clean_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _l("Rule: every adjustment of the ranking states its reason."),
            field="reason",
            code="key_list.reason",
        )
    return reason


def _entry_of(key_list: KeyTrainingList, entry_id: int) -> KeyListEntry:
    for entry in key_list.entries:
        if entry.id == entry_id:
            return entry
    raise InvalidInput(_l("This case is not on this list."))


def set_included(
    actor, key_list: KeyTrainingList, entry_id: int, included: bool, reason: str
) -> KeyListEntry:
    key_list = _lock_list(actor, key_list)
    reason = _clean_reason(reason)
    entry = _entry_of(key_list, entry_id)
    if entry.included == included:
        raise RuleViolation(
            _l("This case is already included.") if included else _l("This case is already excluded.")
        )
    entry.included = included
    _adjust_note(entry, actor, "included" if included else "excluded", reason)
    db.session.flush()
    return entry


def move_entry(actor, key_list: KeyTrainingList, entry_id: int, direction: str, reason: str) -> KeyListEntry:
    key_list = _lock_list(actor, key_list)
    reason = _clean_reason(reason)
    if direction not in ("up", "down"):
        raise InvalidInput(_l("Move a case up or down."))
    entries = sorted(key_list.entries, key=lambda e: e.position)
    entry = _entry_of(key_list, entry_id)
    index = entries.index(entry)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(entries):
        raise RuleViolation(
            _l("This case is already first.") if direction == "up" else _l("This case is already last.")
        )
    other = entries[other_index]
    mine, theirs = entry.position, other.position
    # Positions are unique per list: park this entry past the end while the other one moves.
    entry.position = max(e.position for e in entries) + 1
    db.session.flush()
    other.position = mine
    db.session.flush()
    entry.position = theirs
    _adjust_note(entry, actor, "moved_up" if direction == "up" else "moved_down", reason)
    db.session.flush()
    return entry


def confirm_key_list(
    actor, key_list: KeyTrainingList, *, start: bool = True, notes: str = ""
) -> KeyTrainingList:
    """Fix the list; its included cases go on it and, unless ``start`` is False, into training at once."""
    from lms.cultivation.services import list_case, start_training

    key_list = _lock_list(actor, key_list)
    included = [e for e in sorted(key_list.entries, key=lambda e: e.position) if e.included]
    if not included:
        raise RuleViolation(
            _l("Rule: a key training list is confirmed with at least one case on it."), code="key_list.empty"
        )
    for entry in included:
        if entry.case.state != "screened":
            raise RuleViolation(
                _l(
                    "Case %(ref)s is no longer screened (%(state)s); rank the list again.",
                    ref=entry.case.reference,
                    state=entry.case.state_label,
                ),
                code="key_list.stale",
            )
    key_list.confirmed = True
    key_list.confirmed_at = utcnow()
    key_list.confirmed_by_id = actor.id
    db.session.flush()
    for entry in included:
        list_case(actor, entry.case, key_list, notes=notes)
        if start:
            start_training(actor, entry.case, notes=notes, notify=False)
    record_evidence("key_list_confirmed", key_list, actor)
    unit = key_list.unit
    for entry in included:
        notices.notify_case(
            entry.case,
            "list_confirmed" if start else "listed",
            period=key_list.period,
            unit=Bilingual(unit.name_en, unit.name_zh),
        )
    return key_list


# -- rows for the page and the exports ----------------------------------------------------------------------


@dataclass
class ListRow:
    entry: KeyListEntry
    rank: int | None
    points: dict[str, Decimal]
    bases: dict[str, str]

    @property
    def case(self) -> CultivationCase:
        return self.entry.case


def load_list(key_list_id: int, clause) -> KeyTrainingList | None:
    return db.session.execute(
        sa.select(KeyTrainingList)
        .where(KeyTrainingList.id == key_list_id, clause)
        .options(
            joinedload(KeyTrainingList.unit),
            selectinload(KeyTrainingList.entries)
            .joinedload(KeyListEntry.case)
            .joinedload(CultivationCase.enterprise),
            selectinload(KeyTrainingList.entries)
            .joinedload(KeyListEntry.case)
            .selectinload(CultivationCase.nominees)
            .joinedload(CaseNominee.user),
        )
    ).scalar_one_or_none()


def list_rows(key_list: KeyTrainingList) -> list[ListRow]:
    rows = []
    rank = 0
    for entry in sorted(key_list.entries, key=lambda e: e.position):
        if entry.included:
            rank += 1
        breakdown = entry.breakdown or {}
        rows.append(
            ListRow(
                entry=entry,
                rank=rank if entry.included else None,
                points={k: Decimal(breakdown.get(k, {}).get("points", "0")) for k in CRITERIA},
                bases={k: breakdown.get(k, {}).get("basis", "") for k in CRITERIA},
            )
        )
    return rows


def basis_text(key: str, basis: str) -> str:
    if key in ("key_enterprise", "aeo_willingness"):
        return _("Yes") if basis == "yes" else _("No")
    if key == "nominee_positions":
        return str(POSITIONS[basis]) if basis in POSITIONS else "—"
    return basis or "—"


def export_header() -> list[str]:
    header = [
        _("Rank"),
        _("Case"),
        _("Enterprise"),
        _("Unified social credit code"),
        _("Training type"),
        _("Category"),
    ]
    for label in CRITERIA.values():
        header += [str(label), _("%(criterion)s points", criterion=str(label))]
    return header + [_("Score"), _("Included"), _("Adjustments")]


def export_rows(key_list: KeyTrainingList) -> list[list]:
    out = []
    for row in list_rows(key_list):
        case = row.case
        values = [
            row.rank if row.rank is not None else "",
            case.reference,
            case.enterprise.name,
            case.enterprise.uscc,
            case.training_type_label,
            case.category_label,
        ]
        for key in CRITERIA:
            values += [basis_text(key, row.bases[key]), row.points[key]]
        values += [
            row.entry.score,
            _("Yes") if row.entry.included else _("No"),
            "\n".join(row.entry.adjustment_lines()),
        ]
        out.append(values)
    return out


def export_csv(key_list: KeyTrainingList) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(export_header())
    for values in export_rows(key_list):
        writer.writerow([formula_safe(v) for v in values])
    return "\ufeff" + buffer.getvalue()  # a BOM, so spreadsheet programs read the Chinese names as UTF-8


def export_xlsx(key_list: KeyTrainingList) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = f"{key_list.unit.code} {key_list.period}"[:31]
    sheet.append(export_header())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in export_rows(key_list):
        sheet.append([formula_safe(v) if isinstance(v, str) else v for v in values])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
