"""Item analysis of a quiz: how each question behaved over the graded attempts.

* **Facility index**: the mean mark of the question as a percentage of its maximum (100 = everyone right).
* **Discrimination index** (upper–lower groups, Kelley's 27%): the graded attempts are ranked by their
  total percentage; the top 27% form the upper group and the bottom 27% the lower group (at least one
  attempt each; ties broken by attempt order). The index is the mean fraction earned on the question in the
  upper group minus that in the lower group, from −1 to 1. A question that strong trainees get right and weak
  ones get wrong scores high; a negative index means weaker trainees did better — the key may be wrong.
* **Picks**: how often each choice was selected (choice and true/false questions) or each typed answer given;
  the question type says which (``QuestionType.analysis``, ``pick_options``, ``pick_keys``).
* **Flags**: too easy (facility ≥ 90), too hard (facility ≤ 20), negative discrimination (index < 0).

Every graded attempt counts (not only first attempts). The figures come from SQL aggregates (with window
functions for the ranking); only the picks are counted in Python, from one query of the responses.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.spreadsheet import formula_safe
from lms.extensions import db
from lms.quizzes.models import Attempt, AttemptQuestion, Question, QuestionVersion, Quiz
from lms.quizzes.qtypes import QUESTION_TYPES
from lms.quizzes.results import as_percent

GROUP_SHARE = Decimal("0.27")
TOO_EASY = Decimal(90)
TOO_HARD = Decimal(20)
TOP_TYPED_ANSWERS = 5
FLAGS = {
    "too_easy": _l("Too easy"),
    "too_hard": _l("Too hard"),
    "negative_discrimination": _l("Negative discrimination"),
}


def group_size(attempts: int) -> int:
    """Attempts in each of the upper and lower groups: 27% of them, rounded half up, at least one."""
    if attempts <= 0:
        return 0
    return max(1, int((GROUP_SHARE * attempts).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


@dataclass
class Pick:
    label: str
    count: int
    share: Decimal  # percent of the attempts that had the question
    correct: bool


@dataclass
class ItemStats:
    question_id: int
    name: str
    qtype: str
    attempts: int
    unanswered: int
    facility: Decimal | None
    discrimination: Decimal | None
    upper_mean: Decimal | None
    lower_mean: Decimal | None
    picks: list[Pick] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def flag_labels(self) -> list[str]:
        return [str(FLAGS[f]) for f in self.flags]


@dataclass
class QuizAnalysis:
    quiz: Quiz
    attempts: int
    group_size: int
    mean_percent: Decimal | None
    items: list[ItemStats]


def _dec(value, places="0.0001") -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def analyse_quiz(quiz: Quiz) -> QuizAnalysis:
    graded = sa.and_(Attempt.quiz_id == quiz.id, Attempt.status == "graded")
    total, mean = db.session.execute(
        sa.select(sa.func.count(Attempt.id), sa.func.avg(Attempt.percent)).where(graded)
    ).one()
    k = group_size(total)
    if not total:
        return QuizAnalysis(quiz=quiz, attempts=0, group_size=0, mean_percent=None, items=[])
    ranked = (
        sa.select(
            Attempt.id.label("attempt_id"),
            sa.func.row_number().over(order_by=(Attempt.percent.desc(), Attempt.id.asc())).label("rank_high"),
            sa.func.row_number().over(order_by=(Attempt.percent.asc(), Attempt.id.desc())).label("rank_low"),
        )
        .where(graded)
        .subquery("ranked")
    )
    fraction = AttemptQuestion.fraction
    stmt = (
        sa.select(
            AttemptQuestion.question_id,
            Question.name,
            Question.qtype,
            sa.func.count(AttemptQuestion.id).label("n"),
            sa.func.sum(sa.case((AttemptQuestion.response.is_(None), 1), else_=0)).label("unanswered"),
            sa.func.avg(fraction).label("mean"),
            sa.func.avg(sa.case((ranked.c.rank_high <= k, fraction))).label("upper"),
            sa.func.avg(sa.case((ranked.c.rank_low <= k, fraction))).label("lower"),
        )
        .join(ranked, ranked.c.attempt_id == AttemptQuestion.attempt_id)
        .join(Question, Question.id == AttemptQuestion.question_id)
        .where(AttemptQuestion.max_mark > 0)
        .group_by(AttemptQuestion.question_id, Question.name, Question.qtype)
        .order_by(AttemptQuestion.question_id)
    )
    items = []
    for row in db.session.execute(stmt):
        facility = _dec(Decimal(str(row.mean)) * 100, "0.01") if row.mean is not None else None
        upper, lower = _dec(row.upper), _dec(row.lower)
        discrimination = (upper - lower) if total >= 2 and upper is not None and lower is not None else None
        item = ItemStats(
            question_id=row.question_id,
            name=row.name,
            qtype=row.qtype,
            attempts=row.n,
            unanswered=int(row.unanswered or 0),
            facility=facility,
            discrimination=discrimination,
            upper_mean=upper,
            lower_mean=lower,
        )
        if facility is not None and facility >= TOO_EASY:
            item.flags.append("too_easy")
        if facility is not None and facility <= TOO_HARD:
            item.flags.append("too_hard")
        if discrimination is not None and discrimination < 0:
            item.flags.append("negative_discrimination")
        items.append(item)
    _count_picks(quiz, items)
    return QuizAnalysis(quiz=quiz, attempts=total, group_size=k, mean_percent=as_percent(mean), items=items)


def _count_picks(quiz: Quiz, items: list[ItemStats]) -> None:
    wanted = {i.question_id: i for i in items if _analysis(i.qtype) is not None}
    if not wanted:
        return
    rows = db.session.execute(
        sa.select(AttemptQuestion.question_id, AttemptQuestion.question_version_id, AttemptQuestion.response)
        .join(Attempt, Attempt.id == AttemptQuestion.attempt_id)
        .where(
            Attempt.quiz_id == quiz.id,
            Attempt.status == "graded",
            AttemptQuestion.question_id.in_(list(wanted)),
        )
    ).all()
    version_ids = {r.question_version_id for r in rows}
    versions = (
        {
            v.id: v
            for v in db.session.execute(
                sa.select(QuestionVersion)
                .where(QuestionVersion.id.in_(version_ids))
                .order_by(QuestionVersion.number)
            ).scalars()
        }
        if version_ids
        else {}
    )
    counts: dict[int, Counter] = defaultdict(Counter)
    labels: dict[int, dict] = defaultdict(dict)  # question -> key -> (label, correct)
    for version in sorted(versions.values(), key=lambda v: v.number):  # the latest wording wins
        if _analysis(version.qtype) == "options":
            labels[version.question_id].update(QUESTION_TYPES[version.qtype].pick_options(version.data))
    for row in rows:
        item = wanted[row.question_id]
        response = row.response
        if response is None:
            continue
        counts[row.question_id].update(QUESTION_TYPES[item.qtype].pick_keys(response))
    for question_id, item in wanted.items():
        n = item.attempts or 1
        counted = counts.get(question_id, Counter())
        if _analysis(item.qtype) == "typed":
            for text, count in counted.most_common(TOP_TYPED_ANSWERS):
                item.picks.append(Pick(label=text, count=count, share=_share(count, n), correct=False))
            continue
        for key, (label, correct) in labels.get(question_id, {}).items():
            item.picks.append(
                Pick(
                    label=label,
                    count=counted.get(key, 0),
                    share=_share(counted.get(key, 0), n),
                    correct=correct,
                )
            )


def _analysis(qtype: str) -> str | None:
    """How the type's picks are counted ("options", "typed"; None: not at all)."""
    cls = QUESTION_TYPES.get(qtype)
    return cls.analysis if cls is not None else None


def _share(count: int, n: int) -> Decimal:
    return (Decimal(count) * 100 / Decimal(n)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _cell(value) -> str:
    """Text a spreadsheet will not run as a formula."""
    return formula_safe("" if value is None else str(value))


def analysis_csv(analysis: QuizAnalysis) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Question"),
            _("Type"),
            _("Attempts"),
            _("Unanswered"),
            _("Facility index (%)"),
            _("Discrimination index"),
            _("Upper group mean"),
            _("Lower group mean"),
            _("Flags"),
            _("Picks"),
        ]
    )
    for item in analysis.items:
        picks = "; ".join(f"{p.label}: {p.count}" for p in item.picks)
        writer.writerow(
            [
                _cell(item.name),
                item.qtype,
                item.attempts,
                item.unanswered,
                "" if item.facility is None else item.facility,
                "" if item.discrimination is None else item.discrimination,
                "" if item.upper_mean is None else item.upper_mean,
                "" if item.lower_mean is None else item.lower_mean,
                ", ".join(item.flag_labels),
                _cell(picks),
            ]
        )
    return out.getvalue()
