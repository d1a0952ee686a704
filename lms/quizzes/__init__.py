"""Quizzes: question bank, question types, attempts, grading, GIFT, item analysis."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the quiz pages, `flask quizzes`, the navigation, the "quizzes" completion requirement, the
    curriculum hooks (quiz banks and pre/post tests in course.md), the ledger kinds and the panels."""
    import lms.quizzes.bank_views  # noqa: F401 - the question bank and GIFT pages, routes of views.bp
    import lms.quizzes.completion  # noqa: F401 - registers the "quizzes" completion requirement
    import lms.quizzes.evidence  # noqa: F401 - the attempt_graded and essay_marked ledger kinds
    import lms.quizzes.panels  # noqa: F401 - the course page and dashboard panels
    from lms.core.dashboard import nav_item
    from lms.quizzes import cli, curriculum, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    curriculum.register()
    nav_item(
        "quizzes.index", _l("Quizzes"), ("trainee", "expert", "officer", "admin"), order=20, group="courses"
    )
    nav_item("quizzes.marking", _l("Marking"), ("expert", "admin"), order=21, group="courses")
