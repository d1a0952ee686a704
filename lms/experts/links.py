"""Links from expert pages and notices to the training session pages."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

SESSION_ENDPOINT = "sessions.session_detail"


def session_url(session) -> str | None:
    """The path of the session's page (also outside a request, for notices written by commands)."""
    if SESSION_ENDPOINT not in current_app.view_functions:
        return None
    if has_request_context():
        return url_for(SESSION_ENDPOINT, session_id=session.id)
    return current_app.url_map.bind("localhost").build(SESSION_ENDPOINT, {"session_id": session.id})
