"""Language choice: the user's preference, then the ``lang`` cookie, then the browser's Accept-Language."""

from __future__ import annotations

from datetime import UTC, datetime

from babel import Locale
from babel import dates as babel_dates
from flask import current_app, has_request_context, request
from flask.globals import _cv_app
from flask_login import current_user


class _CatalogLocale(Locale):
    """Simplified Chinese under the name of its catalog folder.

    babel names this locale zh_Hans_CN, and gettext would then never look in translations/zh_CN.
    """

    def __init__(self) -> None:
        super().__init__("zh", "CN", script="Hans")
        self._catalog_name = "zh_CN"

    def __str__(self) -> str:
        return getattr(self, "_catalog_name", None) or super().__str__()


SIMPLIFIED_CHINESE = _CatalogLocale()


def locale_for(language: str):
    """The Babel locale to use for a language code of ours (also for force_locale)."""
    return SIMPLIFIED_CHINESE if language == "zh_CN" else language


def select_locale() -> Locale | str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands and services called outside a request
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The API answers in the language the request asks for (Accept-Language), whoever the token belongs to.
    if not request.path.startswith("/api/"):
        if current_user and current_user.is_authenticated and current_user.preferred_language in languages:
            return locale_for(current_user.preferred_language)
        cookie = request.cookies.get("lang")
        if cookie in languages:
            return locale_for(cookie)
    # Accept-Language uses "zh-CN", "zh-Hans", "zh"; all mean Simplified Chinese here.
    best = request.accept_languages.best_match(["en", "zh-CN", "zh", "zh-Hans", "zh-SG"])
    if best and best.lower().startswith("zh"):
        return SIMPLIFIED_CHINESE
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The reader's own time zone (profile setting), else the site's (``LMS_TIMEZONE``)."""
    if has_request_context() and current_user and current_user.is_authenticated:
        zone = getattr(current_user, "timezone", None)
        if zone and is_timezone(zone):
            return zone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def is_timezone(name: str) -> bool:
    return name in available_timezones()


def available_timezones() -> frozenset[str]:
    """IANA zone names a person may choose (region/city names and UTC)."""
    global _ZONES
    if _ZONES is None:
        import zoneinfo

        _ZONES = frozenset(
            zone
            for zone in zoneinfo.available_timezones()
            if zone == "UTC" or ("/" in zone and zone.split("/")[0] in _REGIONS)
        )
    return _ZONES


_ZONES: frozenset[str] | None = None
_REGIONS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}


# -- Dates and times: one short and one long form per locale, in the reader's time zone --------------------
# short: "Dec 4, 2026" / "2026年12月4日", with the time "Dec 4, 2026, 8:35 PM" / "2026年12月4日 20:35";
# long: "Friday, December 4, 2026" / "2026年12月4日星期五", with the time added the same way.
_DATE_FORMS = {"short": "medium", "long": "full"}
LENGTHS = ("short", "long")


def _length(length: str) -> str:
    """'short' or 'long'; Babel's own names still given by older templates map onto them."""
    return "long" if length in ("long", "full") else "short"


# -- The request's locale, time zone and catalog, read once ------------------------------------------------
# Flask-Babel looks them up through several context proxies on every call; a page formats dozens of dates and
# translates dozens of strings. These read what Flask-Babel has already settled for the request (including a
# locale forced by ``force_locale``) straight from the application context, and defer to it otherwise.


def _babel_state():
    context = _cv_app.get(None)
    return None if context is None else context.g.__dict__.get("_flask_babel")


def request_locale():
    state = _babel_state()
    locale = getattr(state, "babel_locale", None) if state is not None else None
    if locale is None:
        from flask_babel import get_locale

        locale = get_locale()
    return locale


def request_timezone():
    state = _babel_state()
    zone = getattr(state, "babel_tzinfo", None) if state is not None else None
    if zone is None:
        from flask_babel import get_timezone

        zone = get_timezone()
    return zone


def request_translations():
    """The catalog of the request's language (Flask-Babel's, remembered for the locale it belongs to)."""
    from flask_babel import get_translations

    state = _babel_state()
    if state is None:
        return get_translations()
    locale = getattr(state, "babel_locale", None)
    remembered = state.__dict__.get("lms_translations")
    if locale is not None and remembered is not None and remembered[0] is locale:
        return remembered[1]
    translations = get_translations()
    state.lms_translations = (getattr(state, "babel_locale", None), translations)
    return translations


def install_fast_gettext(jinja_env) -> None:
    """Templates' ``_()`` and friends through :func:`request_translations` (same catalogs, same results)."""
    jinja_env.install_gettext_callables(
        gettext=lambda s: request_translations().ugettext(s),
        ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
    )


def format_day(value, length: str = "short") -> str:
    """A date (or the local date of a datetime) in the reader's language."""
    if value is None or value == "":
        return ""
    if hasattr(value, "hour"):
        value = _local(value).date()
    return babel_dates.format_date(value, _DATE_FORMS[_length(length)], locale=request_locale())


def format_clock(value) -> str:
    """The local time of day of a datetime ("8:35 PM" / "20:35")."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime) and value.tzinfo is None:  # stored as UTC without a zone
        value = value.replace(tzinfo=UTC)
    return babel_dates.format_time(value, "short", tzinfo=request_timezone(), locale=request_locale())


def format_when(value, length: str = "short") -> str:
    """A moment: the local date and time of day in the reader's language and time zone."""
    if value is None or value == "":
        return ""
    if not hasattr(value, "hour"):
        return format_day(value, length)
    locale = request_locale() or Locale.parse("en")
    pattern = locale.datetime_formats[_DATE_FORMS[_length(length)]]
    pattern = getattr(pattern, "pattern", pattern)
    return pattern.replace("{1}", format_day(value, length)).replace("{0}", format_clock(value))


def _local(value):
    if value.tzinfo is None:  # stored as UTC without a zone
        value = value.replace(tzinfo=UTC)
    return value.astimezone(request_timezone())


def timezone_label() -> str:
    """The reader's time zone as a person reads it ("China Time" / "中国时间"), with its name."""
    from babel.dates import get_timezone_name
    from flask_babel import get_locale, get_timezone

    zone = get_timezone()
    return f"{get_timezone_name(zone, locale=get_locale() or 'en')} ({zone})"


def join_list(items) -> str:
    """Items of a list in a sentence: "a, b" in English, "a、b" in Chinese."""
    from flask_babel import gettext

    return gettext(", ").join(str(item) for item in items)


_WTFORMS_CATALOGS: dict[str, object] = {}


def share_wtforms_translations() -> None:
    """Hand this request WTForms' message catalog for its language, loaded once per process.

    Flask-WTF otherwise reads the catalog from disk on every request that builds a form (every page has the
    language form). The catalogs do not change while the process runs, and a loaded catalog is only read.
    """
    from babel import support
    from flask_babel import get_locale
    from wtforms.i18n import messages_path

    locale = get_locale()
    key = str(locale)
    translations = _WTFORMS_CATALOGS.get(key)
    if translations is None:
        translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
        _WTFORMS_CATALOGS[key] = translations
    request.wtforms_translations = translations
