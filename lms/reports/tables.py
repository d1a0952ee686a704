"""The report tables. One function builds the rows of each table, for the page and for its CSV and XLSX
exports alike, so a download always holds the numbers the page shows.

A :class:`Report` is one page: the actor, the filters and the node looked at (a customs unit, an enterprise
or a trainee). ``build_table(report, name, paginate=True)`` gives the page's table (long tables one page
at a time); ``iter_rows(report, name)`` yields every row, a chunk of keys at a time, for the exports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.auth.scopes import enterprise_clause
from lms.core.web import paginate
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.org.models import CustomsUnit, Enterprise, localized
from lms.reports import metrics, snapshot
from lms.reports.filters import Filters
from lms.reports.metrics import DIMENSIONS, FUNNEL_STAGES, SCORE_BANDS, Dim, Figures, Scope
from lms.sessions.models import FEEDBACK_QUESTIONS

EXPORT_CHUNK = 500


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    kind: str = "number"  # "text" or "number"


@dataclass
class Row:
    values: dict
    link: str | None = None


@dataclass
class Table:
    name: str
    title: object
    columns: list[Column]
    rows: list[Row]
    pagination: object | None = None
    note: object = ""
    page_arg: str = "page"  # the query argument of the table's pages


@dataclass
class ListPage:
    """One page of rows computed in full (the pager of templates/_macros.html reads it)."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    def slice(self, rows: list) -> list:
        start = (self.page - 1) * self.per_page
        return rows[start : start + self.per_page]


# The learning figures, as columns: key, label, value from a Figures.
FIGURE_COLUMNS: list[tuple[str, object, Callable[[Figures], object]]] = [
    ("enrolments", _l("Enrolments"), lambda f: f.completion.enrolments),
    ("completed", _l("Completed"), lambda f: f.completion.completed),
    ("completion_rate", _l("Completion rate (%)"), lambda f: f.completion.rate),
    ("results", _l("Graded results"), lambda f: f.outcomes.results),
    ("passed", _l("Passed"), lambda f: f.outcomes.passed),
    ("pass_rate", _l("Pass rate (%)"), lambda f: f.outcomes.pass_rate),
    ("average_score", _l("Average score (%)"), lambda f: f.outcomes.average),
    ("gain_trainees", _l("Pre- and post-tested"), lambda f: f.gain.trainees),
    ("mean_pre", _l("Mean pre-test (%)"), lambda f: f.gain.mean_pre),
    ("mean_post", _l("Mean post-test (%)"), lambda f: f.gain.mean_post),
    ("mean_points", _l("Mean gain (points)"), lambda f: f.gain.mean_points),
    ("mean_gain", _l("Mean normalised gain"), lambda f: f.gain.mean_normalised),
    ("registrations", _l("Confirmed registrations"), lambda f: f.attendance.confirmed),
    ("attended", _l("Present or late"), lambda f: f.attendance.attended),
    ("attendance_rate", _l("Attendance rate (%)"), lambda f: f.attendance.rate),
    ("responses", _l("Feedback responses"), lambda f: f.satisfaction.responses),
    ("satisfaction", _l("Satisfaction (1–5)"), lambda f: f.satisfaction.mean),
]
FUNNEL_COLUMNS = [(stage, label) for stage, _state, label in FUNNEL_STAGES]


def figure_columns() -> list[Column]:
    return [Column(key, label) for key, label, _get in FIGURE_COLUMNS]


def figure_values(figures: Figures | None) -> dict:
    figures = figures or Figures()
    return {key: get(figures) for key, _label, get in FIGURE_COLUMNS}


# -- the page's subject ------------------------------------------------------------------------------------


@dataclass
class Report:
    actor: User
    filters: Filters
    unit: CustomsUnit | None = None
    enterprise: Enterprise | None = None
    trainee: User | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def level(self) -> str:
        if self.trainee is not None:
            return "trainee"
        if self.enterprise is not None:
            return "enterprise"
        return "unit"

    @cached_property
    def scope(self) -> Scope:
        if self.trainee is not None:
            return Scope(
                self.actor, self.filters, enterprise_id=self.trainee.enterprise_id, user_id=self.trainee.id
            )
        if self.enterprise is not None:
            return Scope(self.actor, self.filters, enterprise_id=self.enterprise.id)
        return Scope(self.actor, self.filters, unit=self.unit)

    @property
    def subject_id(self) -> int:
        return {"trainee": self.trainee, "enterprise": self.enterprise, "unit": self.unit}[self.level].id

    def page_url(self, **extra) -> str:
        """This page's address with the current filters (and ``extra`` arguments)."""
        args = dict(self.filters.args, **extra)
        if self.level == "trainee":
            return url_for("reports.trainee_page", user_id=self.trainee.id, **args)
        if self.level == "enterprise":
            return url_for("reports.enterprise_page", enterprise_id=self.enterprise.id, **args)
        return url_for("reports.unit_page", unit_id=self.unit.id, **args)

    def export_url(self, table: str, fmt: str) -> str:
        return url_for(
            "reports.export",
            level=self.level,
            subject_id=self.subject_id,
            table=table,
            fmt=fmt,
            **self.filters.args,
        )

    # Figures several tables share are computed once per page.
    def grid(self) -> metrics.Grid:
        """The totals, sub-units and courses of the page, from one statement per metric."""
        if "grid" not in self._cache:
            self._cache["grid"] = metrics.grid(
                self.scope, self.unit if self.level == "unit" else None, funnel=self.level != "trainee"
            )
        return self._cache["grid"]

    def total(self) -> Figures:
        return self.grid().total

    def funnel_total(self) -> metrics.Funnel:
        return self.grid().funnel

    @cached_property
    def child_units(self) -> list[CustomsUnit]:
        if self.level != "unit":
            return []
        return list(
            db.session.execute(
                sa.select(CustomsUnit).where(CustomsUnit.parent_id == self.unit.id).order_by(CustomsUnit.code)
            ).scalars()
        )

    def direct_enterprises_stmt(self) -> sa.Select:
        return (
            sa.select(Enterprise)
            .where(Enterprise.unit_id == self.unit.id, enterprise_clause(self.actor))
            .order_by(Enterprise.name_en, Enterprise.id)
        )

    def trainees_stmt(self) -> sa.Select:
        return (
            sa.select(User)
            .where(User.enterprise_id == self.enterprise.id, User.role == "trainee")
            .order_by(User.display_name, User.id)
        )


# -- table builders ----------------------------------------------------------------------------------------


@dataclass
class TableSpec:
    name: str
    title: object
    levels: tuple[str, ...]
    build: Callable[..., Table]
    columns: Callable[[], list[Column]]
    # For long tables: the rows a chunk of keys at a time, for the exports.
    iter_rows: Callable[[Report], Iterator[Row]] | None = None
    applies: Callable[[Report], bool] = lambda report: True


TABLES: dict[str, TableSpec] = {}


def table(name: str, title, levels: tuple[str, ...], columns: Callable[[], list[Column]], applies=None):
    def decorator(build):
        TABLES[name] = TableSpec(
            name=name,
            title=title,
            levels=levels,
            build=build,
            columns=columns,
            applies=applies or (lambda report: True),
        )
        return build

    return decorator


def tables_for(report: Report) -> list[str]:
    return [name for name, spec in TABLES.items() if report.level in spec.levels and spec.applies(report)]


def build_table(report: Report, name: str, paginate_rows: bool = True) -> Table:
    spec = TABLES[name]
    return spec.build(report, paginate_rows=paginate_rows)


def iter_rows(report: Report, name: str) -> Iterator[Row]:
    spec = TABLES[name]
    if spec.iter_rows is not None:
        yield from spec.iter_rows(report)
    else:
        yield from spec.build(report, paginate_rows=False).rows


def _label_column(label) -> Column:
    return Column("label", label, "text")


def _make(name: str, rows: list[Row], pagination=None, note="") -> Table:
    spec = TABLES[name]
    return Table(name, spec.title, spec.columns(), rows, pagination, note)


def report_url(report: Report, endpoint: str, **values) -> str:
    return url_for(endpoint, **dict(report.filters.args, **values))


def _summary_columns() -> list[Column]:
    return [_label_column(_l("Figure")), Column("value", _l("Value"))]


@table("summary", _l("Headline figures"), ("unit", "enterprise", "trainee"), _summary_columns)
def _summary(report: Report, paginate_rows: bool = True) -> Table:
    values = figure_values(report.total())
    rows = [
        Row({"key": key, "label": str(label), "value": values[key]}) for key, label, _get in FIGURE_COLUMNS
    ]
    if report.level != "trainee":
        funnel = report.funnel_total()
        for stage, label in FUNNEL_COLUMNS:
            rows.append(
                Row(
                    {
                        "key": f"funnel_{stage}",
                        "label": _("Cultivation cases: %(stage)s", stage=label),
                        "value": funnel.count(stage),
                    }
                )
            )
    return _make("summary", rows)


def _has_children(report: Report) -> bool:
    return bool(report.child_units)


def _unit_keys(report: Report) -> list[tuple[int, str, str | None]]:
    """(unit id, label, link) for each sub-unit, and the unit itself if it supervises enterprises directly."""
    if "unit_keys" not in report._cache:
        keys = [
            (u.id, u.name, report_url(report, "reports.unit_page", unit_id=u.id)) for u in report.child_units
        ]
        direct = db.session.execute(
            sa.select(sa.func.count()).select_from(report.direct_enterprises_stmt().subquery())
        ).scalar_one()
        if direct:
            keys.append(
                (
                    report.unit.id,
                    _("%(unit)s (supervised directly)", unit=report.unit.name),
                    "#table-enterprises",
                )
            )
        report._cache["unit_keys"] = keys
    return report._cache["unit_keys"]


def _units_columns() -> list[Column]:
    return [_label_column(_l("Customs unit")), *figure_columns()]


@table("units", _l("By customs unit"), ("unit",), _units_columns, applies=_has_children)
def _units(report: Report, paginate_rows: bool = True) -> Table:
    data = report.grid().by_unit
    return _make(
        "units",
        [
            Row({"label": label, **figure_values(data.get(key))}, link)
            for key, label, link in _unit_keys(report)
        ],
    )


def _unit_funnel_columns() -> list[Column]:
    return [_label_column(_l("Customs unit")), *[Column(stage, label) for stage, label in FUNNEL_COLUMNS]]


@table(
    "unit_funnel",
    _l("Cultivation funnel by customs unit"),
    ("unit",),
    _unit_funnel_columns,
    applies=_has_children,
)
def _unit_funnel(report: Report, paginate_rows: bool = True) -> Table:
    data = report.grid().funnel_by_unit
    rows = []
    for key, label, link in _unit_keys(report):
        funnel = data.get(key) or metrics.Funnel()
        rows.append(
            Row({"label": label, **{stage: funnel.count(stage) for stage, _x in FUNNEL_COLUMNS}}, link)
        )
    return _make("unit_funnel", rows)


def _enterprise_rows(report: Report, enterprises: list[Enterprise]) -> list[Row]:
    keys = tuple(e.id for e in enterprises)
    if not keys:
        return []
    data = metrics.figures(report.scope, Dim("enterprise", keys=keys))
    funnels = metrics.funnel(report.scope, Dim("enterprise", keys=keys))
    rows = []
    for e in enterprises:
        funnel = funnels.get(e.id) or metrics.Funnel()
        rows.append(
            Row(
                {
                    "label": e.name,
                    "credit_level": e.credit_level_label,
                    **figure_values(data.get(e.id)),
                    "cases": funnel.count("applied"),
                    "certified": funnel.count("certified"),
                },
                report_url(report, "reports.enterprise_page", enterprise_id=e.id),
            )
        )
    return rows


def _enterprise_columns() -> list[Column]:
    return [
        _label_column(_l("Enterprise")),
        Column("credit_level", _l("Credit status"), "text"),
        *figure_columns(),
        Column("cases", _l("Cultivation cases opened")),
        Column("certified", _l("Cases certified")),
    ]


def _chunks(stmt) -> Iterator[list]:
    """The objects of ``stmt`` EXPORT_CHUNK at a time (offsets over a stable order)."""
    offset = 0
    while True:
        chunk = list(db.session.execute(stmt.limit(EXPORT_CHUNK).offset(offset)).scalars())
        if chunk:
            yield chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        offset += EXPORT_CHUNK


def _lists_enterprises(report: Report) -> bool:
    """A unit page lists the enterprises the unit supervises itself (all of them when it has no sub-units)."""
    return not report.child_units or any(key == report.unit.id for key, _label, _link in _unit_keys(report))


@table(
    "enterprises",
    _l("Enterprises supervised directly"),
    ("unit",),
    _enterprise_columns,
    applies=_lists_enterprises,
)
def _enterprises(report: Report, paginate_rows: bool = True) -> Table:
    stmt = report.direct_enterprises_stmt()
    pagination = paginate(stmt) if paginate_rows else None
    items = list(pagination.items) if pagination is not None else list(db.session.execute(stmt).scalars())
    return _make("enterprises", _enterprise_rows(report, items), pagination)


def _iter_enterprises(report: Report) -> Iterator[Row]:
    for chunk in _chunks(report.direct_enterprises_stmt()):
        yield from _enterprise_rows(report, chunk)


TABLES["enterprises"].iter_rows = _iter_enterprises


def _trainee_rows(report: Report, trainees: list[User]) -> list[Row]:
    keys = tuple(t.id for t in trainees)
    if not keys:
        return []
    data = metrics.figures(report.scope, Dim("trainee", keys=keys))
    return [
        Row(
            {"label": t.display_name, "position": t.position_label, **figure_values(data.get(t.id))},
            report_url(report, "reports.trainee_page", user_id=t.id),
        )
        for t in trainees
    ]


def _trainee_columns() -> list[Column]:
    return [_label_column(_l("Trainee")), Column("position", _l("Position"), "text"), *figure_columns()]


@table("trainees", _l("By trainee"), ("enterprise",), _trainee_columns)
def _trainees(report: Report, paginate_rows: bool = True) -> Table:
    stmt = report.trainees_stmt()
    pagination = paginate(stmt) if paginate_rows else None
    items = list(pagination.items) if pagination is not None else list(db.session.execute(stmt).scalars())
    return _make("trainees", _trainee_rows(report, items), pagination)


def _iter_trainees(report: Report) -> Iterator[Row]:
    for chunk in _chunks(report.trainees_stmt()):
        yield from _trainee_rows(report, chunk)


TABLES["trainees"].iter_rows = _iter_trainees


def course_titles(ids) -> dict[int, str]:
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Course.id, Course.slug, CourseVersion.title)
        .outerjoin(CourseVersion, CourseVersion.id == Course.published_version_id)
        .where(Course.id.in_(ids))
    ).all()
    return {r.id: r.title or r.slug for r in rows}


def _courses_columns() -> list[Column]:
    return [_label_column(_l("Course")), *figure_columns()]


@table("courses", _l("By course"), ("unit", "enterprise", "trainee"), _courses_columns)
def _courses(report: Report, paginate_rows: bool = True) -> Table:
    data = report.grid().by_course
    titles = course_titles(data)
    keys = sorted(data, key=lambda k: (titles.get(k, "").lower(), k))
    return _make(
        "courses",
        [
            Row({"label": titles.get(k, str(k)), **figure_values(data[k])}, report.page_url(course=k))
            for k in keys
        ],
    )


def _experts_columns() -> list[Column]:
    return [_label_column(_l("Expert")), *figure_columns()]


EXPERTS_NOTE = _l(
    "Session figures count for every expert assigned to the session; enrolments and results count for "
    "the experts of the course's sessions where the trainee had a confirmed seat."
)


def _expert_keys(report: Report) -> list[tuple[int, str]]:
    """(expert id, name) of every expert the table lists, by name."""
    if "expert_keys" not in report._cache:
        report._cache["expert_keys"] = snapshot.remembered(
            ("expert keys", str(get_locale()), report.scope.snapshot_key), lambda: _expert_names(report.scope)
        )
    return report._cache["expert_keys"]


def _expert_names(scope: Scope) -> list[tuple[int, str]]:
    ids = metrics.expert_ids(scope).subquery()
    rows = db.session.execute(
        sa.select(User.id, User.display_name).where(User.id.in_(sa.select(ids.c.expert_id)))
    ).all()
    return sorted(((r.id, r.display_name) for r in rows), key=lambda r: (r[1].lower(), r[0]))


def _expert_rows(report: Report, experts: list[tuple[int, str]]) -> list[Row]:
    if not experts:
        return []
    data = metrics.figures(report.scope, Dim("expert", keys=tuple(k for k, _name in experts)))
    return [
        Row({"label": name, **figure_values(data.get(k))}, report.page_url(expert=k)) for k, name in experts
    ]


@table("experts", _l("By expert"), ("unit", "enterprise"), _experts_columns)
def _experts(report: Report, paginate_rows: bool = True) -> Table:
    experts = _expert_keys(report)
    pagination = None
    if paginate_rows:  # a page of experts at a time (their figures only); the downloads have them all
        pagination = ListPage(_page_arg(EXPERTS_PAGE_ARG), current_app.config["PER_PAGE"], len(experts))
        pagination.page = min(pagination.page, pagination.pages)
        experts = pagination.slice(experts)
    table = _make("experts", _expert_rows(report, experts), pagination, note=EXPERTS_NOTE)
    table.page_arg = EXPERTS_PAGE_ARG
    return table


def _iter_experts(report: Report) -> Iterator[Row]:
    experts = _expert_keys(report)
    for start in range(0, len(experts), EXPORT_CHUNK):
        yield from _expert_rows(report, experts[start : start + EXPORT_CHUNK])


TABLES["experts"].iter_rows = _iter_experts


EXPERTS_PAGE_ARG = "experts_page"


def _page_arg(name: str) -> int:
    try:
        return max(1, int(request.args.get(name, 1)))
    except ValueError:
        return 1


def _trend_columns() -> list[Column]:
    return [
        _label_column(_l("Month")),
        Column("enrolments", _l("Enrolments made")),
        Column("completions", _l("Enrolments completed")),
    ]


@table("trend", _l("Completions by month"), ("unit", "enterprise", "trainee"), _trend_columns)
def _trend(report: Report, paginate_rows: bool = True) -> Table:
    return _make(
        "trend",
        [
            Row(
                {
                    "label": format_date(p.month, "yyyy-MM"),
                    "enrolments": p.enrolments,
                    "completions": p.completions,
                }
            )
            for p in metrics.completion_trend(report.scope)
        ],
    )


def _funnel_columns() -> list[Column]:
    return [
        _label_column(_l("Stage")),
        Column("cases", _l("Cases")),
        Column("share", _l("Share of applied (%)")),
    ]


@table("funnel", _l("Cultivation funnel"), ("unit", "enterprise"), _funnel_columns)
def _funnel(report: Report, paginate_rows: bool = True) -> Table:
    funnel = report.funnel_total()
    return _make(
        "funnel",
        [
            Row(
                {
                    "key": stage,
                    "label": str(label),
                    "cases": funnel.count(stage),
                    "share": funnel.share(stage),
                }
            )
            for stage, label in FUNNEL_COLUMNS
        ],
    )


def band_label(low: int, high: int) -> str:
    return f"{low}–{high}" if high == 100 else f"{low}–{high - 1}"


def _scores_columns() -> list[Column]:
    return [_label_column(_l("Score (%)")), Column("results", _l("Graded results"))]


@table("scores", _l("Score distribution"), ("unit", "enterprise", "trainee"), _scores_columns)
def _scores(report: Report, paginate_rows: bool = True) -> Table:
    return _make(
        "scores",
        [
            Row({"label": band_label(low, high), "results": count})
            for (low, high), count in zip(SCORE_BANDS, report.total().outcomes.bands, strict=True)
        ],
    )


def _satisfaction_columns() -> list[Column]:
    return [
        _label_column(_l("Question")),
        Column("mean", _l("Mean rating (1–5)")),
        Column("responses", _l("Feedback responses")),
    ]


@table(
    "satisfaction", _l("Satisfaction by question"), ("unit", "enterprise", "trainee"), _satisfaction_columns
)
def _satisfaction(report: Report, paginate_rows: bool = True) -> Table:
    sat = report.total().satisfaction
    rows = [
        Row(
            {
                "key": d,
                "label": str(FEEDBACK_QUESTIONS[d]),
                "mean": sat.dimension_mean(d),
                "responses": sat.responses,
            }
        )
        for d in DIMENSIONS
    ]
    rows.append(
        Row({"key": "all", "label": _("All questions"), "mean": sat.mean, "responses": sat.responses})
    )
    return _make("satisfaction", rows)


def enterprise_name(enterprise: Enterprise) -> str:
    return localized(enterprise.name_en, enterprise.name_zh)


def plain(value) -> object:
    """A cell value for the exports: numbers stay numbers, None becomes empty."""
    if value is None:
        return ""
    if isinstance(value, Decimal | int):
        return value
    return str(value)
