"""Completion requirement "quizzes": every quiz the course version requires is passed.

A quiz is passed when the trainee's result under the quiz's grading method (highest, last, first or
average of the graded attempts) reaches its pass mark.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from lms.courses.completion import RequirementStatus, requirement
from lms.extensions import db
from lms.i18n import join_list
from lms.quizzes.models import Quiz
from lms.quizzes.results import user_quiz_results


@requirement("quizzes")
def required_quizzes_passed(enrollment, version) -> RequirementStatus | None:
    keys = [k for k in (version.require_quizzes or []) if isinstance(k, str)]
    if not keys:
        return None
    quizzes = {
        quiz.key: quiz
        for quiz in db.session.execute(
            sa.select(Quiz).where(
                Quiz.course_id == enrollment.course_id, Quiz.key.in_(keys), Quiz.archived.is_(False)
            )
        ).scalars()
    }
    results = user_quiz_results(enrollment.user_id, quizzes.values())
    passed = [
        key for key in keys if key in quizzes and (result := results.get(quizzes[key].id)) and result.passed
    ]
    # In the reader's language when the version has a variant for it (as on the quiz pages).
    titles = join_list(version.quiz_title(k, quizzes[k].title) if k in quizzes else k for k in keys)
    return RequirementStatus(
        key="quizzes",
        label=_("Quizzes passed: %(titles)s", titles=titles),
        met=len(passed) == len(keys),
        detail=_("%(done)d of %(total)d passed", done=len(passed), total=len(keys)),
    )
