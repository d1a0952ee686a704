"""Configuration classes. Environment variables override the defaults; tests pass their own."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def default_sqlite_url() -> str:
    return f"sqlite:///{PROJECT_ROOT / 'instance' / 'lms.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Send PostgreSQL URLs through psycopg 3, whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret"
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL") or default_sqlite_url())
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SITE_URL = os.environ.get("LMS_SITE_URL", "http://127.0.0.1:5000")

    # Languages and time: UTC in the database, local time on the page.
    LANGUAGES = ["en", "zh_CN"]
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("LMS_TIMEZONE", "Asia/Shanghai")

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

    PER_PAGE = 25

    # Credit regimes: the decree in force from each date (GACC Decree 251, then Decree 282).
    CREDIT_REGIMES = [("decree_251", date(2021, 11, 1)), ("decree_282", date(2026, 4, 1))]

    # Files uploaded by authors live outside static/.
    UPLOAD_FOLDER = os.environ.get("LMS_UPLOAD_FOLDER") or str(PROJECT_ROOT / "instance" / "uploads")
    COURSES_DIR = str(PROJECT_ROOT / "courses")
    QUIZZES_DIR = str(PROJECT_ROOT / "quizzes")

    # Mail: printed to the log unless an SMTP host is set.
    MAIL_SERVER = os.environ.get("LMS_SMTP_HOST", "")
    MAIL_PORT = _env_int("LMS_SMTP_PORT", 25)
    MAIL_USERNAME = os.environ.get("LMS_SMTP_USER", "")
    MAIL_PASSWORD = os.environ.get("LMS_SMTP_PASSWORD", "")
    MAIL_USE_TLS = os.environ.get("LMS_SMTP_TLS", "") == "1"
    MAIL_SENDER = os.environ.get("LMS_MAIL_SENDER", "aeo-lms@localhost")

    # Verifiable credentials (Open Badges 3.0). The signing keys live outside the repository; development
    # generates one on first use, production needs `flask --app lms credentials keygen`.
    CREDENTIALS_KEY_DIR = os.environ.get("LMS_CREDENTIALS_KEY_DIR") or str(
        PROJECT_ROOT / "instance" / "credential-keys"
    )
    CREDENTIALS_AUTO_KEYGEN = os.environ.get("LMS_CREDENTIALS_AUTO_KEYGEN", "1") == "1"
    CREDENTIALS_VALID_DAYS = _env_int("LMS_CREDENTIALS_VALID_DAYS", 0)  # 0: credentials do not expire
    CREDENTIALS_ISSUER_NAME = os.environ.get("LMS_CREDENTIALS_ISSUER_NAME", "AEO Training Center")

    @classmethod
    def check(cls, app) -> None:
        """Called by the factory after loading; production refuses unsafe settings."""


class DevelopmentConfig(Config):
    ENV_NAME = "development"


class ProductionConfig(Config):
    ENV_NAME = "production"
    CREDENTIALS_AUTO_KEYGEN = os.environ.get("LMS_CREDENTIALS_AUTO_KEYGEN", "0") == "1"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def check(cls, app) -> None:
        key = app.config.get("SECRET_KEY")
        if not key or key == Config.SECRET_KEY or len(key) < 32:
            raise RuntimeError(
                "SECRET_KEY must be set to a random value of at least 32 characters in production"
            )
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
    SERVER_NAME = None
    # Tests give each app its own key directory and make keys on purpose.
    CREDENTIALS_AUTO_KEYGEN = False


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("LMS_ENV") or "development").lower()
    if name not in CONFIGS:
        raise RuntimeError(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
