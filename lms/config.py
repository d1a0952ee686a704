"""Settings: the registry of every setting an operator may give, the environment classes, and the loader.

`python -m lms.ops.settings` prints the README's settings tables from the registry.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

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


_ENV_NAMES = ("development", "production", "testing")

# ----------------------------------------------------------------------------------------------------------
# The settings registry: every setting an operator may give, declared once.
#
# A setting comes from the environment as ``env`` (``LMS_<KEY>`` unless said otherwise) and lives in the
# app config as ``key``. Precedence, lowest first: the default here (or the environment class's), the
# environment, the mapping a test passes to ``create_app`` (which may name a setting ``<KEY>`` or
# ``LMS_<KEY>``). Bad values refuse the start in one line naming the variable. Code reads a setting with
# :func:`setting`.


class SettingError(ValueError):
    """A setting's value has the wrong type or is out of bounds."""


@dataclass(frozen=True)
class Setting:
    key: str
    type: str  # "str", "int", "bool", "number" (Decimal), "json" (a list or an object), "list" (of names)
    default: Any
    help: str
    env: str = ""  # the environment variable: LMS_<key> unless given
    low: int | None = None
    high: int | None = None
    choices: tuple[str, ...] = ()
    doc_default: str = ""  # the default as the README shows it, when the value alone would mislead
    section: str = "areas"  # "core" or "areas": which README table lists it
    convert: Callable[[str], Any] | None = None  # applied to a text value once parsed
    startup_only: bool = False  # read from the environment before the app exists (not a config key)

    @property
    def variable(self) -> str:
        return self.env or f"LMS_{self.key}"

    def parse(self, value: Any) -> Any:
        """The value in this setting's type; :class:`SettingError` names the variable when it does not fit."""
        try:
            parsed = _PARSERS[self.type](value)
        except (TypeError, ValueError, ArithmeticError, json.JSONDecodeError):
            raise SettingError(f"{self.variable} must be {_TYPE_WORDS[self.type]}, not {value!r}") from None
        if self.choices and parsed not in self.choices:
            raise SettingError(f"{self.variable} must be one of {', '.join(self.choices)}, not {value!r}")
        if (self.low is not None and parsed < self.low) or (self.high is not None and parsed > self.high):
            bounds = (
                f"between {self.low} and {self.high}" if self.high is not None else f"at least {self.low}"
            )
            raise SettingError(f"{self.variable} must be {bounds}, not {value!r}")
        return self.convert(parsed) if self.convert else parsed


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError(value)


def _parse_int(value: Any) -> int:
    if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(value)
    return int(value)


def _parse_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(value)
    number = Decimal(str(value if value not in (None, "") else 0))
    if not number.is_finite():
        raise ValueError(value)
    return number


def _parse_list(value: Any) -> list:
    """A JSON list, or names separated by commas."""
    if isinstance(value, str):
        text = value.strip()
        value = json.loads(text) if text.startswith("[") else [part.strip() for part in text.split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise ValueError(value)
    return [item for item in value if item]


def _parse_json(value: Any) -> Any:
    if isinstance(value, str):
        value = json.loads(value)
    if not isinstance(value, (dict, list, tuple)):
        raise ValueError(value)
    return value


_PARSERS: dict[str, Callable[[Any], Any]] = {
    "str": lambda value: "" if value is None else str(value),
    "int": _parse_int,
    "bool": _parse_bool,
    "number": _parse_number,
    "json": _parse_json,
    "list": _parse_list,
}
_TYPE_WORDS = {
    "str": "text",
    "int": "a whole number",
    "bool": "true or false (1 or 0)",
    "number": "a number",
    "json": "a JSON list or object",
    "list": "a JSON list of names or names separated by commas",
}
# Below advanced certified and not discredited (lms.org.models.CREDIT_LEVELS).
_FAILED_REREVIEW_LEVELS = ("general_certified", "certified", "general_credit", "registered", "regular")
_CRON = "Celery beat schedule (crontab, in `LMS_TIMEZONE`) of `{}`; empty turns the job off"

SETTINGS_LIST: tuple[Setting, ...] = (
    # -- the site ------------------------------------------------------------------------------------------
    Setting(
        "ENV_NAME",
        "str",
        "development",
        "`development`, `production` or `testing`",
        env="LMS_ENV",
        choices=_ENV_NAMES,
        section="core",
        startup_only=True,
    ),
    Setting(
        "SQLALCHEMY_DATABASE_URI",
        "str",
        default_sqlite_url(),
        "e.g. `postgresql://user:pass@host/db` (driven by psycopg 3)",
        env="DATABASE_URL",
        doc_default="SQLite at `instance/lms.sqlite3` (WAL mode)",
        section="core",
        convert=lambda url: normalise_database_url(url),
    ),
    Setting(
        "SECRET_KEY",
        "str",
        DEVELOPMENT_SECRET_KEY,
        "required in production (at least 32 random characters); the app refuses to start without it",
        env="SECRET_KEY",
        doc_default="a development value",
        section="core",
    ),
    Setting(
        "BABEL_DEFAULT_TIMEZONE",
        "str",
        "Asia/Shanghai",
        "time zone for display unless a person chooses their own on their profile; the database stores UTC",
        env="LMS_TIMEZONE",
        section="core",
    ),
    Setting(
        "SITE_URL",
        "str",
        "http://127.0.0.1:5000",
        "absolute links in emails, certificates (QR codes) and xAPI statements",
        section="core",
    ),
    Setting("PER_PAGE", "int", 25, "rows on one page of a list", low=1, high=1000, section="core"),
    Setting(
        "LOGIN_MAX_FAILURES",
        "int",
        5,
        "failed logins from one address to one account before that "
        "address is refused for that account (the owner elsewhere is not)",
        low=1,
        section="core",
    ),
    Setting("LOGIN_LOCKOUT_MINUTES", "int", 15, "… and for how long", low=1, section="core"),
    Setting("LOGIN_RATE_LIMIT", "str", "20 per minute", "login attempts per client address", section="core"),
    Setting(
        "LOGIN_ACCOUNT_RATE_LIMIT",
        "str",
        "60 per hour",
        "login attempts on one account from all "
        "addresses together; a browser that signed in to the account before (signed device cookie) is "
        "exempt",
        section="core",
    ),
    Setting(
        "PASSWORD_MIN_SCORE",
        "int",
        3,
        "zxcvbn strength score a new password must reach; common "
        "passwords and ones close to the person's names are refused; no composition rules",
        low=0,
        high=4,
        section="core",
    ),
    Setting(
        "TWO_FACTOR_REQUIRED",
        "bool",
        False,
        "officers and administrators must enrol in TOTP two-factor "
        "authentication (`/security/two-factor`) before using the site",
        section="core",
    ),
    Setting("TWO_FACTOR_ISSUER", "str", "AEO LMS", "the name authenticator apps show", section="core"),
    Setting(
        "RATELIMIT_STORAGE_URI",
        "str",
        "memory://",
        "rate-limit counters; Redis with several web nodes",
        env="RATELIMIT_STORAGE_URI",
        doc_default="`memory://` (`LMS_REDIS_URL` when set)",
        section="core",
    ),
    Setting(
        "REDIS_URL",
        "str",
        "",
        "Redis for rate limits and the readiness check when the broker is not Redis",
        section="core",
    ),
    Setting(
        "DATABASE_REPLICA_URL",
        "str",
        "",
        "a read replica: report pages and exports read from it (the primary when unset)",
        section="core",
        convert=lambda url: normalise_database_url(url),
    ),
    Setting(
        "CELERY_BROKER_URL",
        "str",
        "",
        "e.g. `redis://127.0.0.1:6379/1`; unset: emails and xAPI "
        "statements are delivered inline after commit and scheduled jobs are run by their commands",
        section="core",
    ),
    Setting(
        "OUTBOX_MAX_ATTEMPTS",
        "int",
        8,
        "delivery attempts of an email or statement before it is marked failed",
        low=1,
        section="core",
    ),
    Setting(
        "OUTBOX_BACKOFF_SECONDS",
        "int",
        30,
        "the wait after a failed delivery; it doubles after each failure …",
        low=1,
        section="core",
    ),
    Setting("OUTBOX_BACKOFF_MAX_SECONDS", "int", 3600, "… up to this", low=1, section="core"),
    Setting(
        "OUTBOX_LEASE_SECONDS",
        "int",
        300,
        "a message claimed by a worker that died is claimed again after this",
        low=1,
        section="core",
    ),
    Setting(
        "SCHEDULE_CULTIVATION_REMIND", "str", "0 7 * * *", _CRON.format("cultivation remind"), section="core"
    ),
    Setting("SCHEDULE_CULTIVATION_FLAGS", "str", "30 7 * * *", "… of `cultivation flags`", section="core"),
    Setting(
        "SCHEDULE_QUIZZES_CLOSE_OVERDUE", "str", "*/5 * * * *", "… of `quizzes close-overdue`", section="core"
    ),
    Setting(
        "SCHEDULE_SESSIONS_COMPLETE_ENDED",
        "str",
        "15 * * * *",
        "… of `sessions complete-ended`",
        section="core",
    ),
    Setting(
        "SCHEDULE_EVIDENCE_XAPI_SEND",
        "str",
        "*/30 * * * *",
        "… of `evidence xapi --send` (the catch-up; "
        "with an LRS set, statements also go out through the outbox as facts are recorded)",
        section="core",
    ),
    Setting(
        "SCHEDULE_OUTBOX_SWEEP",
        "str",
        "* * * * *",
        "… of the outbox sweep (messages waiting for a retry, a broker that was down, or a worker that died)",
        section="core",
    ),
    Setting(
        "SCHEDULE_PRIVACY_PSEUDONYMISE",
        "str",
        "30 3 * * *",
        "… of `privacy pseudonymise` (retention)",
        section="core",
    ),
    Setting(
        "LOG_FORMAT",
        "str",
        "text",
        "`json`: one object per line with the request id",
        choices=("text", "json"),
        doc_default="`text` (`json` in production)",
        section="core",
    ),
    Setting(
        "LOG_LEVEL",
        "str",
        "INFO",
        "the least severe log level written",
        choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
        section="core",
    ),
    Setting(
        "PROXY_COUNT",
        "int",
        0,
        "proxies in front of the web nodes whose `X-Forwarded-For`/`-Proto`/"
        "`-Host` are trusted (client addresses for throttling and the security log)",
        low=0,
        high=10,
        section="core",
    ),
    Setting(
        "INSTANCE_PATH",
        "str",
        str(INSTANCE_DIR),
        "SQLite file and uploads",
        doc_default="`instance/` of the checkout, or `./instance` for an installed wheel",
        section="core",
        startup_only=True,
    ),
    Setting(
        "UPLOAD_FOLDER",
        "str",
        str(INSTANCE_DIR / "uploads"),
        "lesson attachments (outside `static/`)",
        doc_default="`instance/uploads`",
        section="core",
    ),
    Setting(
        "MAIL_SERVER",
        "str",
        "",
        "the mail server; without one, emails are written to the log",
        env="LMS_SMTP_HOST",
        doc_default="unset",
        section="core",
    ),
    Setting("MAIL_PORT", "int", 25, "its port", env="LMS_SMTP_PORT", low=1, high=65535, section="core"),
    Setting(
        "MAIL_USERNAME", "str", "", "the account on the mail server", env="LMS_SMTP_USER", section="core"
    ),
    Setting("MAIL_PASSWORD", "str", "", "… and its password", env="LMS_SMTP_PASSWORD", section="core"),
    Setting("MAIL_USE_TLS", "bool", False, "STARTTLS to the mail server", env="LMS_SMTP_TLS", section="core"),
    Setting("MAIL_SENDER", "str", "aeo-lms@localhost", "the sender of emails", section="core"),
    Setting(
        "MAIL_TIMEOUT", "int", 10, "seconds to wait for the mail server", low=1, high=600, section="core"
    ),
    # -- the areas -----------------------------------------------------------------------------------------
    Setting(
        "ATTACHMENT_MAX_BYTES",
        "int",
        20 * 1024 * 1024,
        "largest lesson attachment (PDF, PPTX, DOCX, XLSX, PNG, JPEG; checked by content)",
        low=1,
    ),
    Setting(
        "QUIZ_GRACE_SECONDS",
        "int",
        30,
        "answers arriving this long after a quiz deadline are still accepted",
        low=0,
        high=3600,
    ),
    Setting(
        "SESSION_CANCEL_CUTOFF_HOURS",
        "int",
        24,
        "trainees cancel a seat until this many hours before the session",
        low=0,
        high=24 * 90,
    ),
    Setting(
        "SESSION_CHECKIN_OPENS_MINUTES",
        "int",
        30,
        "self check-in opens this many minutes before the session",
        low=0,
        high=24 * 60,
    ),
    Setting(
        "SESSION_LATE_AFTER_MINUTES",
        "int",
        15,
        "a check-in this many minutes after the start is late",
        low=0,
        high=24 * 60,
    ),
    Setting(
        "EXPERT_TRAVEL_BUFFER_MINUTES",
        "int",
        120,
        "minimum gap between two sessions of one expert",
        low=0,
        high=24 * 60,
    ),
    Setting(
        "RANKING_WEIGHTS",
        "json",
        {"key_enterprise": 30, "aeo_willingness": 25, "credit_score": 30, "nominee_positions": 15},
        "key training list ranking: points per criterion (unknown criteria are ignored)",
    ),
    Setting(
        "RANKING_READINESS_WEIGHT",
        "number",
        Decimal(0),
        "points of the optional AEO readiness criterion "
        "in the key training list ranking (the share of the standard's items the enterprise meets in its "
        "latest judged self-assessment); 0 leaves it out",
        low=0,
    ),
    Setting(
        "READINESS_ASSESSOR_POSITIONS",
        "list",
        ["legal_representative", "senior_management", "department_staff"],
        "trainee positions that fill the enterprise's self-assessment",
    ),
    Setting(
        "STANDARDS_DIR",
        "str",
        str(SHIPPED_DIR / "standards"),
        "the AEO certification standards as data (`standards load` reads it; "
        "the curriculum loader checks `standard_items:` tags against the loaded standards)",
        doc_default="`standards/`",
    ),
    Setting(
        "COURSES_DIR",
        "str",
        str(SHIPPED_DIR / "courses"),
        "the shipped courses (`content load` reads it)",
        doc_default="`courses/`",
    ),
    Setting(
        "QUIZZES_DIR",
        "str",
        str(SHIPPED_DIR / "quizzes"),
        "the shipped question banks (GIFT) of those courses",
        doc_default="`quizzes/`",
    ),
    Setting(
        "POSITION_VALUES",
        "json",
        {"legal_representative": 1.0, "senior_management": 0.6, "department_staff": 0.3, "other": 0.0},
        "value of the highest-ranking nominee",
    ),
    Setting(
        "AUDIT_CONCLUSION_MONTHS",
        "int",
        3,
        "a case suspended for an audit this long after the audit "
        "started (recorded with the suspension; the suspension date by default) without conclusion is "
        "flagged for termination",
        low=1,
        high=3,
    ),
    Setting(
        "AUDIT_REMINDER_DAYS",
        "int",
        14,
        "officers are reminded this many days before the audit limit",
        low=0,
        high=90,
    ),
    Setting(
        "PLAN_REMINDER_DAYS",
        "int",
        7,
        "nominees are reminded of plan items due within this many days",
        low=0,
        high=90,
    ),
    Setting(
        "BAR_YEARS", "int", 1, "the bar after a failure, give-up, withdrawal or downgrade", low=0, high=10
    ),
    Setting(
        "BAR_TRAINING_TYPES",
        "list",
        ["compliance", "aeo_certification"],
        "the training types the bar applies to",
    ),
    Setting("REREVIEW_YEARS", "int", 5, "AEO re-review interval", low=1, high=10),
    Setting(
        "TERMINATION_WAIT_MONTHS",
        "int",
        12,
        "after a case is terminated its enterprise cannot apply "
        "again for this long (`0`: no wait); the domain notes give no period, the default follows the "
        "one-year bar",
        low=0,
        high=60,
    ),
    Setting(
        "REREVIEW_FAILED_LEVEL",
        "str",
        "regular",
        "the level an AEO failing its re-review drops to unless "
        "the officer recording the outcome chooses another lower level (read as `registered` under Decree "
        "251)",
        choices=_FAILED_REREVIEW_LEVELS,
    ),
    Setting(
        "REPORT_SNAPSHOT_SECONDS",
        "int",
        60,
        "a report page reloaded by the same person within this many seconds shows the figures computed "
        "then, says when they were computed and offers to compute them afresh; exports, the dossier and "
        "the API always compute afresh (`0`: every page computes afresh)",
        low=0,
        high=3600,
    ),
    Setting(
        "PAGE_CACHE_SECONDS",
        "int",
        30,
        "a trainee's course, lesson, home, My learning, quizzes, catalog and certificates pages are kept "
        "as rendered for at most this many seconds and served again while nothing they show has changed "
        "(checked by one statement per request); what only the clock changes, such as a quiz window "
        "opening, shows within this time (`0`: every page is rendered afresh)",
        low=0,
        high=600,
    ),
    Setting(
        "PAGE_CACHE_ENTRIES",
        "int",
        2000,
        "the most pages each web worker keeps (least recently rendered first out; a page is 5-20 KB)",
        low=1,
        high=1_000_000,
    ),
    Setting(
        "CERTIFICATE_VERIFY_RATE_LIMIT",
        "str",
        "30 per minute",
        "public certificate verification requests per address",
    ),
    Setting("XAPI_LRS_URL", "str", "", "Learning Record Store for `evidence xapi --send` and the outbox"),
    Setting("XAPI_LRS_USER", "str", "", "its Basic auth user …"),
    Setting("XAPI_LRS_PASSWORD", "str", "", "… and password"),
    Setting("XAPI_BATCH", "int", 100, "statements per request to the LRS", low=1, high=10000),
    Setting("XAPI_PAGE", "int", 2000, "source rows read per page when sending", low=1),
    Setting("XAPI_SETTLE_SECONDS", "int", 120, "how old a fact must be before it is sent", low=0),
    Setting("XAPI_TIMEOUT", "int", 30, "seconds to wait for the LRS", low=1, high=3600),
    Setting(
        "XAPI_ACTOR_KEY",
        "str",
        "",
        "key of the HMAC that turns user ids into stable pseudonymous xAPI account names",
        doc_default="`SECRET_KEY`",
    ),
    Setting(
        "CREDENTIALS_KEY_DIR",
        "str",
        str(INSTANCE_DIR / "credential-keys"),
        "where the Ed25519 signing keys of the verifiable credentials "
        "live (outside the repository; `credentials keygen` makes them)",
        doc_default="`instance/credential-keys`",
    ),
    Setting(
        "CREDENTIALS_AUTO_KEYGEN",
        "bool",
        True,
        "make a signing key on first use when there is none "
        "(development); production needs `credentials keygen`",
        doc_default="`1`, `0` in production",
    ),
    Setting(
        "CREDENTIALS_VALID_DAYS",
        "int",
        0,
        "days a credential is valid after issue; `0`: no expiry date",
        low=0,
    ),
    Setting("CREDENTIALS_ISSUER_NAME", "str", "AEO Training Center", "the issuer's name in credentials"),
    Setting(
        "CREDENTIALS_SUBJECT_KEY",
        "str",
        "",
        "key of the HMAC that turns user ids into the opaque subject ids of credentials",
        doc_default="`SECRET_KEY`",
    ),
    Setting("API_RATE_LIMIT", "str", "600 per minute", "JSON API requests per token"),
    Setting("API_MAX_BODY_BYTES", "int", 64 * 1024, "largest JSON API request body", low=1),
    Setting(
        "PRIVACY_INACTIVE_DAYS",
        "int",
        1095,
        "trainees not signed in for this many days are pseudonymised by the retention job (`0`: never)",
        low=0,
    ),
    Setting(
        "PRIVACY_LEAVER_DAYS",
        "int",
        30,
        "trainees recorded as having left their enterprise are "
        "pseudonymised this many days after leaving (`0`: never)",
        low=0,
    ),
    Setting(
        "PRIVACY_PSEUDONYM_KEY",
        "str",
        "",
        "key of the HMAC that gives each pseudonymised person a stable pseudonym",
        doc_default="`SECRET_KEY`",
    ),
    Setting(
        "PRIVACY_NOTICE_DIR",
        "str",
        "",
        "folder of the versioned privacy notice files (`<N>.en.md`, "
        "`<N>.zh_CN.md`; the highest N is current)",
        doc_default="`lms/privacy/notices`",
    ),
)
SETTINGS: dict[str, Setting] = {spec.key: spec for spec in SETTINGS_LIST}
_BY_VARIABLE: dict[str, Setting] = {spec.variable: spec for spec in SETTINGS_LIST}


class Config:
    """Flask's own settings and fixed values; every operator setting's default comes from the registry."""

    ENV_NAME = "development"
    # No pool_pre_ping: lms/core/pool.py checks a PostgreSQL connection as it leaves the pool without a round
    # trip (a server that closed it is seen on its socket; one idle for a while is pinged).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Languages and time: UTC in the database, local time on the page (LMS_TIMEZONE).
    LANGUAGES = ["en", "zh_CN"]
    BABEL_DEFAULT_LOCALE = "en"
    # Bootstrap-Flask serves its bundled Bootstrap files itself: nothing loads from a CDN.
    BOOTSTRAP_SERVE_LOCAL = True

    # Accounts
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
    RATELIMIT_HEADERS_ENABLED = False

    # Credit regimes: the decree in force from each date (GACC Decree 225, 237, 251, then 282). The dates of
    # the two earlier decrees come from a secondary summary (domain notes, P): configuration, not code.
    CREDIT_REGIMES = [
        ("decree_225", date(2014, 12, 1)),
        ("decree_237", date(2018, 5, 1)),
        ("decree_251", date(2021, 11, 1)),
        ("decree_282", date(2026, 4, 1)),
    ]

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
    CREDENTIALS_AUTO_KEYGEN = False  # `credentials keygen` makes the key on purpose
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


for _spec in SETTINGS_LIST:
    if not _spec.startup_only:
        setattr(Config, _spec.key, _spec.default)


CONFIGS = {"development": DevelopmentConfig, "production": ProductionConfig, "testing": TestingConfig}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("LMS_ENV") or "development").lower()
    if name not in CONFIGS:
        raise StartupRefused(f"LMS_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]


def load_settings(app, overrides: Mapping[str, Any]) -> None:
    """Fill ``app.config`` over its environment class: the environment, then ``overrides``, then check.

    Every ``LMS_<NAME>`` variable is loaded (Flask's prefixed loader, JSON values allowed); a declared setting
    is then taken from its own variable as written, so that text stays text. An override may name a declared
    setting by its key or by its variable. A value of the wrong type or out of bounds refuses the start with
    one line naming the variable.
    """
    config = app.config
    config.from_prefixed_env("LMS")  # LMS_PER_PAGE=50 and any setting not declared here
    for spec in SETTINGS_LIST:
        if not spec.startup_only and spec.variable in os.environ:
            config[spec.key] = os.environ[spec.variable]
    for name, value in overrides.items():
        spec = _BY_VARIABLE.get(name)
        config[spec.key if spec is not None and not spec.startup_only else name] = value
    for spec in SETTINGS_LIST:
        if not spec.startup_only:
            try:
                config[spec.key] = spec.parse(config.get(spec.key, spec.default))
            except SettingError as error:
                raise StartupRefused(str(error)) from None


def setting(name: str, config: Mapping[str, Any] | None = None) -> Any:
    """The declared setting ``name`` (its config key, e.g. ``"QUIZ_GRACE_SECONDS"``) in its type.

    Reads the current app's config unless ``config`` is given; values were checked at start.
    """
    spec = SETTINGS[name]
    if config is None:
        from flask import current_app

        config = current_app.config
    return spec.parse(config.get(spec.key, spec.default))


def _shown_default(spec: Setting) -> str:
    if spec.doc_default:
        return spec.doc_default
    if spec.default in ("", None):
        return "unset"
    if spec.type == "bool":
        return "`true`" if spec.default else "`false`"
    if spec.type == "json":
        return f"`{json.dumps(spec.default)}`"
    return f"`{spec.default}`"


def _shown_help(spec: Setting) -> str:
    if spec.low is not None and spec.high is not None:
        return f"{spec.help} ({spec.low}–{spec.high})"
    return spec.help


def settings_table(section: str) -> str:
    """The Markdown table of one section of the registry, as the README holds it."""
    lines = ["| Variable | Default | Meaning |", "| --- | --- | --- |"]
    for spec in SETTINGS_LIST:
        if spec.section == section:
            lines.append(f"| `{spec.variable}` | {_shown_default(spec)} | {_shown_help(spec)} |")
    return "\n".join(lines) + "\n"


SECTIONS = ("core", "areas")


def readme_block(section: str) -> str:
    """The table with the marker comments around it that the README keeps."""
    start, end = f"<!-- settings:{section} (python -m lms.ops.settings) -->", f"<!-- /settings:{section} -->"
    return f"{start}\n{settings_table(section)}{end}\n"
