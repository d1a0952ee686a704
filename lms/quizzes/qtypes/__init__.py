"""Question types: one module per type, each owning all of the type's behaviour (see :mod:`.base`).

The package registers the built-in types in :data:`QUESTION_TYPES`, in the order of :data:`BUILT_IN` (the
order the pages list them). A new type is a module here with its class, added to :data:`BUILT_IN`, plus its
widget template ``templates/quizzes/qtypes/<name>.html``.
"""

from lms.quizzes.qtypes.base import (
    QUESTION_TYPES,
    Interaction,
    QuestionType,
    ResponseError,
    for_gift_kind,
    get_qtype,
    gift_kind_types,
    normalize_text,
    parse_number,
    register,
    registered,
    to_decimal,
    unmarked_types,
    unregister,
)
from lms.quizzes.qtypes.description import Description
from lms.quizzes.qtypes.essay import Essay
from lms.quizzes.qtypes.matching import Matching
from lms.quizzes.qtypes.multiple_response import MultipleResponse
from lms.quizzes.qtypes.numerical import Numerical
from lms.quizzes.qtypes.short_answer import ShortAnswer
from lms.quizzes.qtypes.single_choice import SingleChoice
from lms.quizzes.qtypes.true_false import TrueFalse

# The built-in types, in the order the pages list them.
BUILT_IN = (SingleChoice, MultipleResponse, TrueFalse, ShortAnswer, Numerical, Matching, Essay, Description)
for _cls in BUILT_IN:
    register(_cls)

__all__ = [
    "BUILT_IN",
    "QUESTION_TYPES",
    "Description",
    "Essay",
    "Interaction",
    "Matching",
    "MultipleResponse",
    "Numerical",
    "QuestionType",
    "ResponseError",
    "ShortAnswer",
    "SingleChoice",
    "TrueFalse",
    "for_gift_kind",
    "get_qtype",
    "gift_kind_types",
    "normalize_text",
    "parse_number",
    "register",
    "registered",
    "to_decimal",
    "unmarked_types",
    "unregister",
]
