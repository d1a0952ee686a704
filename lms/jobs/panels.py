"""The administrators' dashboard panel: background jobs, the outbox and messages that failed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.core.dashboard import dashboard_section


@dashboard_section("jobs", _l("Background jobs"), ("admin",), "core/sections/jobs.html", order=90)
def jobs_panel(user):
    from lms.jobs.status import jobs_status

    return {"status": jobs_status(failed_limit=10)}
