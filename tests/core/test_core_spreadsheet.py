"""One formula guard for every CSV and spreadsheet export."""

from __future__ import annotations

import pytest

from lms.core.spreadsheet import formula_safe


@pytest.mark.parametrize("text", ["=1+1", "+86 755", "-2", "@SUM(A1)", "\t=cmd", "\r=cmd"])
def test_text_that_starts_like_a_formula_is_kept_as_text(text):
    assert formula_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["深圳海关", "AEO 2026", "", 42, None, 3.5])
def test_other_values_pass_unchanged(value):
    assert formula_safe(value) == value
