"""AEO Training Center LMS: the Flask application factory."""

from __future__ import annotations

import os

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from lms import (  # the area packages: each __init__ holds the area's init_app
    api,
    auth,
    content,
    core,
    courses,
    credentials,
    cultivation,
    demo,
    evidence,
    experts,
    jobs,
    notifications,
    ops,
    org,
    privacy,
    quizzes,
    readiness,
    reports,
    sessions,
    xapi,
)
from lms.config import INSTANCE_DIR, MIGRATIONS_DIR, STATIC_DIR, TEMPLATE_DIR, config_for, load_settings
from lms.core.access import init_app as init_access
from lms.core.page_cache import init_app as init_page_cache
from lms.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
from lms.jobs.celery import init_celery
from lms.ops.logs import configure_logging, init_request_ids
from lms.ops.startup import refuse_unready_production

# The areas, in this order. Each one's init_app(app) registers everything it adds: blueprints, command groups,
# navigation, panels, ledger kinds, completion requirements, curriculum hooks, outbox senders (see
# docs/architecture.md). Registries are keyed by name, so creating a second app registers nothing twice.
AREAS = (
    ops,
    core,
    auth,
    org,
    content,
    courses,
    quizzes,
    sessions,
    experts,
    cultivation,
    evidence,
    credentials,
    xapi,
    reports,
    notifications,
    jobs,
    readiness,
    api,
    privacy,
    demo,
)


def create_app(config: dict | str | None = None) -> Flask:
    from lms.i18n import share_wtforms_translations

    app = Flask(
        __name__,
        template_folder=str(TEMPLATE_DIR),
        static_folder=str(STATIC_DIR),
        instance_path=str(INSTANCE_DIR),
    )
    overrides = config if isinstance(config, dict) else {}
    config_class = config_for(overrides.get("LMS_ENV") or (config if isinstance(config, str) else None))
    app.config.from_object(config_class)
    load_settings(app, overrides)  # the environment, then the overrides; refuses bad values in one line
    # Rate limits go to Redis when the deployment has one (several web nodes share the counters).
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://") and app.config.get("REDIS_URL"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    configure_logging(app)
    config_class.check(app)

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    if app.config["PROXY_COUNT"]:
        # Client addresses (throttling, the security log) and https links come from the trusted proxy.
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    _init_extensions(app)
    init_request_ids(app)
    # A kept page is served before anything loads the user (the areas' hooks do; WTForms' catalog needs the
    # reader's language).
    init_page_cache(app)
    app.before_request(share_wtforms_translations)
    app.url_map.converters["int"] = BoundedIntConverter
    for area in AREAS:
        area.init_app(app)
    _register_templating(app)
    _register_errors(app)
    _register_security_headers(app)
    init_access(app)  # after the request id, so that a refused request is logged with it
    init_celery(app)
    if config_class.ENV_NAME == "production":
        refuse_unready_production(app)
    config_class.warn(app)
    return app


def _init_extensions(app: Flask) -> None:
    from lms import models  # noqa: F401 - every model must be known to the metadata
    from lms.core import (
        pgconn,  # noqa: F401 - psycopg connections that keep their prepared statements
        pool,  # noqa: F401 - checks pooled PostgreSQL connections (instead of pre-ping)
    )
    from lms.i18n import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    bootstrap.init_app(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = app.config["SESSION_PROTECTION"]

    @login_manager.user_loader
    def load_user(user_id: str):
        from lms.auth.session_user import load_session_user

        try:
            return load_session_user(int(user_id))
        except (TypeError, ValueError):
            return None


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, write-ahead logging, wait on locks instead of failing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        # Let SQLAlchemy, not the driver, start transactions (see _sqlite_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(connection):
    """SQLite: take the write lock when a transaction starts.

    A deferred transaction that reads and then writes fails at once when another writer got in between;
    beginning IMMEDIATE makes writers queue instead (busy_timeout), so check-then-write rules such as
    capacity, attempt limits and the ledger chain hold under concurrent requests.
    """
    if connection.dialect.name == "sqlite":
        # A replica connection only reads: a deferred BEGIN takes no write lock.
        read_only = connection.get_execution_options().get("lms_read_only")
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` that answers 404 for numbers no database column holds, instead of overflowing."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def _register_templating(app: Flask) -> None:
    from flask_babel import get_locale
    from flask_login import current_user

    from lms.auth.models import LANGUAGES
    from lms.auth.session_user import unread_for_page
    from lms.content.markdown import render_markdown, render_rich
    from lms.core.dashboard import nav_menus_for
    from lms.core.forms import LanguageForm, LogoutForm
    from lms.i18n import format_clock, format_day, format_when, install_fast_gettext, timezone_label

    install_fast_gettext(app.jinja_env)
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.filters["rich"] = render_rich
    # Every date and time on a page goes through these: a short or a long form, in the reader's time zone.
    app.jinja_env.filters["localtime"] = format_when
    app.jinja_env.filters["localdate"] = format_day
    app.jinja_env.filters["localclock"] = format_clock
    app.jinja_env.add_extension("jinja2.ext.do")
    # A global as well as Flask-Login's context variable, so that templates included from macros see it.
    app.jinja_env.globals["current_user"] = current_user

    @app.context_processor
    def inject_globals():
        locale = get_locale()
        return {
            "languages": LANGUAGES,
            "current_language": str(locale) if locale else "en",
            "timezone_name": timezone_label(),
            # formdata=None: these forms never read the request (an oversized body must not break
            # the error page).
            # No token for a visitor who has not signed in (see core.set_language): such a page writes no
            # session, so it sets no cookie.
            "language_form": LanguageForm(
                formdata=None,
                language=str(locale) if locale else "en",
                next=request.full_path.rstrip("?"),
                meta={"csrf": current_user.is_authenticated},
            ),
            "logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None,
            "unread_notifications": unread_for_page(current_user) if current_user.is_authenticated else 0,
        }

    @app.context_processor
    def inject_navigation():
        bar, account = nav_menus_for(current_user, app.view_functions)
        return {"nav_bar": bar, "nav_account": account}


def _wants_json() -> bool:
    if request.path.startswith("/api/") or request.is_json:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _register_errors(app: Flask) -> None:
    from lms.api import API_PREFIX
    from lms.api.problems import domain_problem, http_problem, problem
    from lms.errors import DomainError

    def render_error(code: int, reason: str | None = None):
        if request.path.startswith(API_PREFIX):
            return problem(code, reason)
        if _wants_json():
            return jsonify(error=code, reason=reason or ""), code
        return render_template("errors/error.html", code=code, reason=reason), code

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if request.path.startswith(API_PREFIX):
            return http_problem(error)
        # Only a reason given on purpose (abort(403, "...")) is shown; werkzeug's stock texts are not.
        given = error.description if error.description != type(error).description else None
        return render_error(error.code, given)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400, str(_l("The form has expired or was not sent from this site. Please try again."))
        )

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        if request.path.startswith(API_PREFIX):
            return domain_problem(error)
        return render_error(error.status_code, str(error))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500)


def _register_security_headers(app: Flask) -> None:
    policy = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; "
        "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    )

    always = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if app.config["SESSION_COOKIE_SECURE"]:
        always.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))

    @app.after_request
    def security_headers(response):
        # Each header unless the view set its own. One pass over the response's few headers: werkzeug's
        # setdefault looks each one up by raising and catching a KeyError.
        present = {name.lower() for name, _value in response.headers}
        missing = [(name, value) for name, value in always if name.lower() not in present]
        if response.mimetype == "text/html" and "cache-control" not in present:
            missing.append(("Cache-Control", "no-store"))
        response.headers.extend(missing)
        return response
