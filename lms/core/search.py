"""Search boxes: one helper turns what a person typed into a LIKE that matches it literally.

``%`` and ``_`` are LIKE wildcards; typed into a search box they must mean themselves, so they (and the
escape character) are escaped before the text is wrapped in ``%…%``.
"""

from __future__ import annotations

import sqlalchemy as sa

ESCAPE = "\\"


def escape_like(text: str) -> str:
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(column, text: str, *, case_sensitive: bool = False):
    """``column`` contains ``text`` literally (case-insensitive unless asked otherwise)."""
    if case_sensitive:
        return column.like(f"%{escape_like(text)}%", escape=ESCAPE)
    return sa.func.lower(column).like(f"%{escape_like(text.lower())}%", escape=ESCAPE)


def contains_any(columns, text: str):
    """Any of ``columns`` contains ``text`` (case-insensitive)."""
    return sa.or_(*(contains(column, text) for column in columns))
