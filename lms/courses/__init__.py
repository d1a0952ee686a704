"""Courses area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the course pages, `flask courses`, the dashboard and course page panels, the navigation,
    the "lessons" completion requirement and the course_completed ledger kind (with its receiver)."""
    from lms.core.dashboard import nav_item

    # Their decorators fill the registries: the "lessons" requirement; the ledger kind and the receiver of
    # course_completed that records it; the dashboard and course page panels.
    from lms.courses import cli, completion, evidence, panels, permissions, views  # noqa: F401

    app.register_blueprint(views.bp)
    for command in cli.commands:
        app.cli.add_command(command)
    nav_item("courses.catalog", _l("Catalog"), None, order=10, group="courses")
    nav_item("courses.my_learning", _l("My learning"), ("trainee",), order=12, group="courses")
    nav_item("courses.authoring", _l("Authoring"), permissions.AUTHOR_ROLES, order=14, group="courses")
    nav_item("courses.reviews", _l("Reviews"), permissions.REVIEWER_ROLES, order=16, group="courses")
