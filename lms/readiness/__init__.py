"""AEO readiness: the certification standard as versioned data, self-assessments with review, readiness maps,
learning paths that follow the gaps, and the effect of training on the standard's items."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l


def init_app(app) -> None:
    """Registers the readiness pages, `flask standards`, the navigation, the curriculum hooks (standard items
    in course.md), the readiness_assessment_reviewed ledger kind, and the enterprise, case and dashboard
    panels."""
    import lms.readiness.evidence  # noqa: F401 - the readiness_assessment_reviewed ledger kind
    import lms.readiness.panels  # noqa: F401 - the enterprise, case and dashboard panels
    from lms.core.dashboard import nav_item
    from lms.readiness import cli, curriculum, views

    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
    curriculum.register()
    nav_item("readiness.index", _l("AEO readiness"), views.ALL, order=45, group="cultivation")
