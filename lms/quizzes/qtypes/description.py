"""Description: text shown between questions, nothing to answer (GIFT: a text without a block).

Data: ``{}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from lms.quizzes.qtypes.base import QuestionType


class Description(QuestionType):
    """Text shown between questions; nothing to answer and no mark."""

    name = "description"
    label = _l("Description")
    auto_graded = False
    marked = False
    gift_kinds = ("description",)

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> None:
        return None  # the text alone
