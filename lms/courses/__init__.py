"""Courses area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the course pages, `flask courses`, the curriculum commands of `flask content` (load, render,
    export), the navigation, the dashboard panels, the "lessons" completion requirement and
    the course_completed ledger kind (with the receiver that records it)."""
    import lms.courses.authoring_views  # noqa: F401 - the authoring and life-cycle pages, routes of views.bp
    import lms.courses.completion  # noqa: F401 - registers the "lessons" completion requirement
    import lms.courses.evidence  # noqa: F401 - the course_completed ledger kind and the receiver recording it
    import lms.courses.panels  # noqa: F401 - the dashboard panels
    from lms.content.cli import cli as content_cli
    from lms.core.dashboard import nav_item
    from lms.courses import cli, permissions, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    for command in cli.content_commands:  # `flask content load|render|export`
        content_cli.add_command(command)
    nav_item("courses.catalog", _l("Catalog"), None, order=10, group="courses")
    nav_item("courses.my_learning", _l("My learning"), ("trainee",), order=12, group="courses")
    nav_item("courses.authoring", _l("Authoring"), permissions.AUTHOR_ROLES, order=14, group="courses")
    nav_item("courses.reviews", _l("Reviews"), permissions.REVIEWER_ROLES, order=16, group="courses")
