"""The JSON API at /api/v1, described by an OpenAPI 3.1 document generated from the code (flask-smorest).

Authentication is by bearer token only (personal access tokens and service-account tokens, lms/api/tokens.py);
the session cookie never authenticates it and it takes no CSRF token. Every error is RFC 9457 problem details
(lms/api/problems.py). See docs/api.md.
"""

from __future__ import annotations

from flask import Blueprint, Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_smorest import Api

from lms.core.access import public_blueprint

API_PREFIX = "/api/"


class LmsApi(Api):
    """flask-smorest's Api without its app-wide error handler: the app's own handlers answer problem details
    under /api and error pages elsewhere."""

    def _register_error_handlers(self):
        pass


# The interactive reference: Swagger UI served from static/vendor (no CDN), started by a script file so that
# the Content-Security-Policy keeps script-src 'self' without 'unsafe-inline'.
reference = public_blueprint(Blueprint("api_reference", __name__))


@reference.route("/api/v1/docs")
def reference_page():
    return render_template("api/reference.html")


def init_app(app: Flask) -> None:
    """Registers the token pages (personal access tokens, service accounts) with their navigation, and the
    JSON API with its OpenAPI document and reference page."""
    from lms.api import views
    from lms.core.dashboard import nav_item

    app.register_blueprint(views.bp)
    nav_item(
        "api_tokens.my_tokens",
        _l("API tokens"),
        ("trainee", "expert", "officer", "admin"),
        order=90,
        group="account",
    )
    nav_item("api_tokens.service_accounts", _l("Service accounts"), ("admin",), order=72, group="admin")
    init_api(app)


def init_api(app: Flask) -> None:
    from lms.api.courses import courses
    from lms.api.cultivation import cultivation
    from lms.api.problems import PROBLEM_MIMETYPE
    from lms.api.quizzes import attempts
    from lms.api.reports import reports
    from lms.api.resources import BLUEPRINTS
    from lms.api.schemas import ProblemSchema
    from lms.api.sessions import sessions
    from lms.api.users import users

    app.config.setdefault("API_TITLE", "AEO Training Center LMS API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.1.0")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "security": [{"bearerAuth": []}],
            "info": {
                "description": "Bearer-token JSON API of the AEO Training Center LMS. "
                "Errors are RFC 9457 problem details. Lists are cursor-paginated in ascending id order. "
                "See docs/api.md for the "
                "versioning policy."
            },
        },
    )
    LmsApi.ERROR_SCHEMA = ProblemSchema
    LmsApi.DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"
    api = LmsApi(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token or service account token.",
        },
    )
    for blp in (*BLUEPRINTS, courses, sessions, cultivation, attempts, users, reports):
        api.register_blueprint(blp)
    # Problem details are served as application/problem+json (the error responses are built lazily, so the
    # document is adjusted as it is written).
    to_dict = api.spec.to_dict

    def spec_dict() -> dict:
        document = to_dict()
        for response in document.get("components", {}).get("responses", {}).values():
            content = response.get("content", {})
            if "application/json" in content and "$ref" in str(content["application/json"]):
                if "ProblemSchema" in str(content["application/json"]) or "Problem" in str(content):
                    content[PROBLEM_MIMETYPE] = content.pop("application/json")
        return document

    api.spec.to_dict = spec_dict
    # The OpenAPI document is public.
    public_blueprint(app.blueprints["api-docs"])
    app.register_blueprint(reference)
    app.extensions["lms-api"] = api
