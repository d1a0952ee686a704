"""Notification texts kept as message keys with parameters, rendered in the reader's language.

A notification stores the catalog key of its title and body (the ``_l()`` message id) and its parameters
as JSON. Parameters keep what the reader's language changes:

- a lazy string (``_l("Trainer")``) is kept as its key and translated when shown;
- :class:`Bilingual` carries both forms of a name (``Bilingual(name_en, name_zh)``);
- a ``datetime`` or ``date`` is kept as ISO text and formatted by Babel in the reader's locale and zone;
- anything else is kept as text.

The same rendering serves the in-app inbox (the viewer's language) and email (the recipient's language
when the email is sent).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import LazyString, format_date, format_datetime, gettext


@dataclass(frozen=True)
class Bilingual:
    """A name with an English and a Chinese form; the reader's language picks one."""

    en: str | None
    zh: str | None

    def __str__(self) -> str:
        from lms.org.models import localized

        return localized(self.en, self.zh)


@dataclass(frozen=True)
class Lowered:
    """A translated label shown in lower case inside a sentence ("the trainer of …")."""

    text: object


def message_key(text) -> str | None:
    """The catalog key of a lazy ``_l()`` string without variables, else None (already plain text)."""
    if isinstance(text, LazyString) and text._func is gettext and len(text._args) == 1 and not text._kwargs:
        return str(text._args[0])
    return None


def encode_param(value):
    if isinstance(value, Bilingual):
        return {"en": value.en or "", "zh_CN": value.zh or ""}
    if isinstance(value, Lowered):
        encoded = encode_param(value.text)
        return {**encoded, "lower": True} if isinstance(encoded, dict) else str(encoded).lower()
    key = message_key(value)
    if key is not None:
        return {"msg": key}
    if isinstance(value, LazyString) and value._func is gettext and len(value._args) == 1:
        return {"msg": str(value._args[0]), "params": encode_params(value._kwargs)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    return str(value)


def encode_params(params: dict) -> dict:
    return {name: encode_param(value) for name, value in params.items()}


def decode_param(value):
    """The parameter as text in the current locale."""
    if not isinstance(value, dict):
        return value
    if "msg" in value:
        text = render_text(value["msg"], value.get("params"))
    elif "datetime" in value:
        text = format_datetime(datetime.fromisoformat(value["datetime"]), "medium")
    elif "date" in value:
        text = format_date(date.fromisoformat(value["date"]), "medium")
    elif "en" in value or "zh_CN" in value:
        text = str(Bilingual(value.get("en"), value.get("zh_CN")))
    else:
        text = ""
    return text.lower() if value.get("lower") else text


def render_text(key: str | None, params: dict | None, fallback: str = "") -> str:
    """The text of ``key`` in the current locale with its parameters; ``fallback`` for rows without a key."""
    if not key:
        return fallback
    translated = gettext(key)
    if not params:
        return translated
    values = {name: decode_param(value) for name, value in params.items()}
    try:
        return translated % values
    except (KeyError, ValueError, TypeError):  # a catalog entry with broken placeholders: say it in English
        try:
            return key % values
        except (KeyError, ValueError, TypeError):
            return fallback or key
