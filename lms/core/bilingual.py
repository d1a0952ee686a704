"""Names and titles kept in two languages: the form as written (for Chinese people, places and sessions, in
Chinese) and its English form, shown on English pages when there is one.

``bilingual("own_title", "title_en", "title")`` makes ``title`` read the form for the page's language on an
instance and in a query (``select(Model.title)`` gives the same text the page shows). Setting it to the text
shown leaves both forms alone; setting a new text replaces the written form and drops the English one (it no
longer says the same thing).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property


def _english_page() -> bool:
    from lms.courses.models import reader_locale

    return reader_locale() == "en"


def bilingual(own: str, english: str, name: str) -> hybrid_property:
    def getter(self) -> str:
        written, other = getattr(self, own), getattr(self, english)
        if other and _english_page():
            return other
        return written or other or ""

    def setter(self, value: str) -> None:
        if getattr(self, own) is not None and value == getter(self):
            return
        setattr(self, own, value)
        setattr(self, english, "")

    def expression(cls):
        written, other = getattr(cls, own), getattr(cls, english)
        if _english_page():
            return sa.func.coalesce(sa.func.nullif(other, ""), written).label(name)
        return written.label(name)

    return hybrid_property(getter, setter, expr=expression)
