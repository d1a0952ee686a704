"""Essay: a written answer, marked by a trainer (GIFT ``{}``). Data: ``{}``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.content import gift
from lms.quizzes.qtypes.base import MAX_ESSAY_RESPONSE, QuestionType, ResponseError, text_response


class Essay(QuestionType):
    """A written answer, marked by a trainer."""

    name = "essay"
    label = _l("Essay")
    auto_graded = False
    gift_kinds = ("essay",)
    interaction_type = "long-fill-in"

    @classmethod
    def parse_response(cls, data: Any, form: Any, field: str) -> str | None:
        value = form.get(field)
        if value is None or not str(value).strip():
            return None
        value = str(value).replace("\r\n", "\n").rstrip()
        if len(value) > MAX_ESSAY_RESPONSE:
            raise ResponseError(_("The answer is too long (at most %(n)d characters).", n=MAX_ESSAY_RESPONSE))
        return value

    @classmethod
    def shown_after_error(cls, form: Any, field: str, saved: Any) -> Any:
        return form.get(field)  # as typed

    @classmethod
    def gift_block(cls, data: Mapping[str, Any], general_feedback: str) -> str:
        return gift.essay_block(data, general_feedback)

    @classmethod
    def xapi_response(cls, value: Any, codes: Mapping[str, str]) -> str | None:
        return text_response(value)
