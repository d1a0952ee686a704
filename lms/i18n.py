"""Language choice: the user's preference, then the ``lang`` cookie, then the browser's Accept-Language."""

from __future__ import annotations

from babel import Locale
from flask import current_app, has_request_context, request
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


def format_day(value, length: str = "short") -> str:
    """A date (or the local date of a datetime) in the reader's language."""
    from flask_babel import format_date

    if value is None or value == "":
        return ""
    if hasattr(value, "hour"):
        value = _local(value).date()
    return format_date(value, _DATE_FORMS[_length(length)])


def format_clock(value) -> str:
    """The local time of day of a datetime ("8:35 PM" / "20:35")."""
    from flask_babel import format_time

    if value is None or value == "":
        return ""
    return format_time(value, "short")


def format_when(value, length: str = "short") -> str:
    """A moment: the local date and time of day in the reader's language and time zone."""
    from flask_babel import get_locale

    if value is None or value == "":
        return ""
    if not hasattr(value, "hour"):
        return format_day(value, length)
    locale = get_locale() or Locale.parse("en")
    pattern = locale.datetime_formats[_DATE_FORMS[_length(length)]]
    pattern = getattr(pattern, "pattern", pattern)
    return pattern.replace("{1}", format_day(value, length)).replace("{0}", format_clock(value))


def _local(value):
    from flask_babel import get_timezone

    if value.tzinfo is None:  # stored as UTC without a zone
        from datetime import UTC

        value = value.replace(tzinfo=UTC)
    return value.astimezone(get_timezone())


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
