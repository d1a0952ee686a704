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
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


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
