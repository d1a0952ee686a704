"""Demo quiz activity: graded pre/post tests, varied scores, one essay waiting; loading twice adds nothing."""

from __future__ import annotations

import sqlalchemy as sa

from lms.courses import demo as courses_demo
from lms.evidence.models import LedgerEntry
from lms.quizzes import demo as quizzes_demo
from lms.quizzes.analysis import analyse_quiz
from lms.quizzes.gain import learning_gains
from lms.quizzes.models import Attempt, Quiz


def test_demo_attempts(db, demo):
    courses_demo.load()
    db.session.commit()
    summary = quizzes_demo.load()
    db.session.commit()
    assert "quiz attempts graded" in summary
    statuses = db.session.execute(sa.select(Attempt.status, sa.func.count()).group_by(Attempt.status)).all()
    counts = dict(statuses)
    assert counts.get("needs_marking") == 1 and counts["graded"] >= 20 and "in_progress" not in counts
    percents = (
        db.session.execute(sa.select(Attempt.percent).where(Attempt.status == "graded")).scalars().all()
    )
    assert len(set(percents)) >= 8  # varied scores
    gains = learning_gains()
    assert len(gains) >= 8 and sum(g.gain for g in gains) > 0
    trainee = demo.user("trainee")
    assert any(g.user_id == trainee.id for g in gains)  # the main demo trainee sees a gain
    post = (
        db.session.execute(sa.select(Quiz).join(Quiz.course).where(Quiz.key == "post-test").order_by(Quiz.id))
        .scalars()
        .first()
    )
    analysis = analyse_quiz(post)
    assert analysis.attempts >= 4 and any(i.discrimination for i in analysis.items)
    entries = db.session.execute(
        sa.select(sa.func.count(LedgerEntry.id)).where(
            LedgerEntry.kind.in_(("attempt_graded", "essay_marked"))
        )
    ).scalar_one()

    again = quizzes_demo.load()
    db.session.commit()
    assert again.startswith("0 quiz attempts graded, 0 extra enrolments, 0 essay attempts")
    assert (
        db.session.execute(
            sa.select(sa.func.count(LedgerEntry.id)).where(
                LedgerEntry.kind.in_(("attempt_graded", "essay_marked"))
            )
        ).scalar_one()
        == entries
    )
