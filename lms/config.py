"""Configuration classes. Environment variables override the defaults; tests pass their own."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
# A checkout has templates/ beside lms/; an installed wheel carries them inside the package (see setup.py).
FROM_CHECKOUT = (PROJECT_ROOT / "templates" / "base.html").is_file()
TEMPLATE_DIR = PROJECT_ROOT / "templates" if FROM_CHECKOUT else PACKAGE_DIR / "templates"
STATIC_DIR = PROJECT_ROOT / "static" if FROM_CHECKOUT else PACKAGE_DIR / "static"
SHIPPED_DIR = PROJECT_ROOT if FROM_CHECKOUT else PACKAGE_DIR / "shipped"
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
# An installed application keeps its SQLite file and uploads in ./instance unless told otherwise.
INSTANCE_DIR = Path(
    os.environ.get("LMS_INSTANCE_PATH")
    or (PROJECT_ROOT / "instance" if FROM_CHECKOUT else Path.cwd() / "instance")
)
# The development key: production refuses it (and anything short).
DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def default_sqlite_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'lms.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Send PostgreSQL URLs through psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class StartupRefused(RuntimeError):
    """The application refuses to start; the message is one line an operator can act on."""


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or DEVELOPMENT_SECRET_KEY
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL") or default_sqlite_url())
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SITE_URL = os.environ.get("LMS_SITE_URL", "http://127.0.0.1:5000")

    # Languages and time: UTC in the database, local time on the page.
    LANGUAGES = ["en", "zh_CN"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("LMS_TIMEZONE", "Asia/Shanghai")
    # Bootstrap-Flask serves its bundled Bootstrap files itself: nothing loads from a CDN.
    BOOTSTRAP_SERVE_LOCAL = True

    # Accounts
    LOGIN_MAX_FAILURES = _env_int("LMS_LOGIN_MAX_FAILURES", 5)
    LOGIN_LOCKOUT_MINUTES = _env_int("LMS_LOGIN_LOCKOUT_MINUTES", 15)
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_HASH_METHOD = "scrypt"
    SESSION_PROTECTION = "strong"

    # Cookies
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False

    # Forms
    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    MAX_CONTENT_LENGTH = 25 * 1024 * 1024

    # Rate limits (Redis in production through RATELIMIT_STORAGE_URI)
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_RATE_LIMIT = os.environ.get("LMS_LOGIN_RATE_LIMIT", "20 per minute")
    # The JSON API (/api/v1): requests per token, and the largest request body
    API_RATE_LIMIT = "600 per minute"
    API_MAX_BODY_BYTES = 64 * 1024

    PER_PAGE = 25

    # Credit regimes: the decree in force from each date (GACC Decree 225, 237, 251, then 282). The dates of
    # the two earlier decrees come from a secondary summary (domain notes, P): configuration, not code.
    CREDIT_REGIMES = [
        ("decree_225", date(2014, 12, 1)),
        ("decree_237", date(2018, 5, 1)),
        ("decree_251", date(2021, 11, 1)),
        ("decree_282", date(2026, 4, 1)),
    ]

    # Files uploaded by authors live outside static/.
    UPLOAD_FOLDER = os.environ.get("LMS_UPLOAD_FOLDER") or str(INSTANCE_DIR / "uploads")
    COURSES_DIR = str(SHIPPED_DIR / "courses")
    QUIZZES_DIR = str(SHIPPED_DIR / "quizzes")
    STANDARDS_DIR = str(SHIPPED_DIR / "standards")  # AEO certification standards as data (lms/readiness)

    # Mail: printed to the log unless an SMTP host is set.
    MAIL_SERVER = os.environ.get("LMS_SMTP_HOST", "")
    MAIL_PORT = _env_int("LMS_SMTP_PORT", 25)
    MAIL_USERNAME = os.environ.get("LMS_SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("LMS_SMTP_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("LMS_SMTP_TLS", "") == "1"
    MAIL_SENDER = os.environ.get("LMS_MAIL_SENDER", "aeo-lms@localhost")
    MAIL_TIMEOUT = 10

    # Read replica for reports and exports (the primary when unset).
    DATABASE_REPLICA_URL = normalise_database_url(os.environ.get("LMS_DATABASE_REPLICA_URL", ""))

    # Background work. Without a broker, outbox messages are delivered inline and jobs run from the CLI.
    CELERY_BROKER_URL = os.environ.get("LMS_CELERY_BROKER_URL", "")
    REDIS_URL = os.environ.get("LMS_REDIS_URL", "")  # rate limits and readiness, when no Redis broker is set
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_BACKOFF_SECONDS = 30  # doubled after every failed attempt ...
    OUTBOX_BACKOFF_MAX_SECONDS = 3600  # ... up to this
    OUTBOX_LEASE_SECONDS = 300  # a message claimed by a worker that died is claimed again after this
    # Crontab lines in LMS_TIMEZONE; empty turns a job off.
    SCHEDULE_CULTIVATION_REMIND = "0 7 * * *"
    SCHEDULE_CULTIVATION_FLAGS = "30 7 * * *"
    SCHEDULE_QUIZZES_CLOSE_OVERDUE = "*/5 * * * *"
    SCHEDULE_SESSIONS_COMPLETE_ENDED = "15 * * * *"
    SCHEDULE_EVIDENCE_XAPI_SEND = "*/30 * * * *"
    SCHEDULE_OUTBOX_SWEEP = "* * * * *"
    SCHEDULE_PRIVACY_PSEUDONYMISE = "30 3 * * *"

    # Personal information (PIPL): retention and the privacy notice (lms/privacy)
    PRIVACY_INACTIVE_DAYS = 1095  # trainees not signed in for this long are pseudonymised (0: never)
    PRIVACY_LEAVER_DAYS = 30  # ... and those who left their enterprise this many days ago
    PRIVACY_PSEUDONYM_KEY = ""  # HMAC key of the stable pseudonyms (empty: SECRET_KEY)
    PRIVACY_NOTICE_DIR = ""  # folder of the versioned notice files (empty: lms/privacy/notices)

    # Proxies in front of the web nodes whose X-Forwarded-For/-Proto/-Host are trusted (0: none)
    PROXY_COUNT = 0

    # Logs: "text" or "json" (one object per line, with the request id)
    LOG_FORMAT = "text"
    LOG_LEVEL = "INFO"

    # Accounts hardened (OWASP ASVS level 2)
    PASSWORD_MIN_SCORE = 3  # zxcvbn score 0-4 a new password must reach
    LOGIN_ACCOUNT_RATE_LIMIT = "60 per hour"  # attempts on one account from all addresses
    TWO_FACTOR_REQUIRED = False  # officers and administrators must enrol TOTP before using the site
    TWO_FACTOR_ISSUER = "AEO LMS"

    # Verifiable credentials (Open Badges 3.0). The signing keys live outside the repository; development
    # generates one on first use, production needs `flask --app lms credentials keygen`.
    CREDENTIALS_KEY_DIR = os.environ.get("LMS_CREDENTIALS_KEY_DIR") or str(INSTANCE_DIR / "credential-keys")
    CREDENTIALS_AUTO_KEYGEN = os.environ.get("LMS_CREDENTIALS_AUTO_KEYGEN", "1") == "1"
    CREDENTIALS_VALID_DAYS = _env_int("LMS_CREDENTIALS_VALID_DAYS", 0)  # 0: credentials do not expire
    CREDENTIALS_ISSUER_NAME = os.environ.get("LMS_CREDENTIALS_ISSUER_NAME", "AEO Training Center")

    @classmethod
    def check(cls, app) -> None:
        """Called by the factory after loading; production refuses unsafe settings."""

    @classmethod
    def warn(cls, app) -> None:
        """Called once the app is ready to serve: settings that work but deserve the operator's attention."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"
    CREDENTIALS_AUTO_KEYGEN = os.environ.get("LMS_CREDENTIALS_AUTO_KEYGEN", "0") == "1"
    LOG_FORMAT = "json"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls, app) -> None:
        key = app.config.get("SECRET_KEY") or ""
        if key == DEVELOPMENT_SECRET_KEY or len(key) < 32 or len(set(key)) < 10:
            raise StartupRefused(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
        if not app.config["SQLALCHEMY_DATABASE_URI"]:
            raise StartupRefused("DATABASE_URL must be set in production")

    @classmethod
    def warn(cls, app) -> None:
        # After the refusals, so that a refused start says one thing only.
        if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            app.logger.warning(
                "Rate limits use in-process memory; set RATELIMIT_STORAGE_URI to Redis for several workers"
            )
        from lms.credentials.keys import has_signing_key

        if not has_signing_key(app.config["CREDENTIALS_KEY_DIR"]):
            app.logger.warning(
                "No credential signing key in %s: certificates are issued without verifiable credentials "
                "until `flask --app lms credentials keygen` and `credentials backfill` are run",
                app.config["CREDENTIALS_KEY_DIR"],
            )


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # Limits stay on (the code path is exercised) but high; tests that check them lower them.
    LOGIN_RATE_LIMIT = "100000 per minute"
    LOGIN_ACCOUNT_RATE_LIMIT = "100000 per minute"
    PASSWORD_MIN_SCORE = 3
    # Tests set their own broker when they start a worker; otherwise everything runs inline.
    CELERY_BROKER_URL = ""
    REDIS_URL = ""
    DATABASE_REPLICA_URL = ""
    SERVER_NAME = None
    # Tests give each app its own key directory and make keys on purpose.
    CREDENTIALS_AUTO_KEYGEN = False


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("LMS_ENV") or "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
