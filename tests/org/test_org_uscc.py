"""Unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

import pytest

from lms.org.uscc import USCCError, check_character, is_valid_uscc, make_uscc, validate_uscc

VALID = [
    "91350100M000100Y43",  # the standard's worked example
    "914403001922038216",
    "91440300708461136T",
    "91110000802100433B",
]


@pytest.mark.parametrize("code", VALID)
def test_valid_codes(code):
    assert validate_uscc(code) == code


def test_lower_case_and_spaces_are_normalised():
    assert validate_uscc(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize("code", VALID)
def test_wrong_check_character(code):
    wrong = "0" if code[-1] != "0" else "1"
    with pytest.raises(USCCError, match="check character should be"):
        validate_uscc(code[:-1] + wrong)


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_letters_outside_the_alphabet(letter):
    code = "9135010" + letter + "M000100Y43"
    with pytest.raises(USCCError, match="outside the GB 32100-2015 alphabet"):
        validate_uscc(code)


@pytest.mark.parametrize(
    "code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433", "913501-0M000100Y43"]
)
def test_wrong_length_or_symbols(code):
    assert not is_valid_uscc(code)


def test_make_uscc_completes_with_the_check_character():
    assert make_uscc("91350100M000100Y4") == "91350100M000100Y43"
    assert check_character("91350100M000100Y4") == "3"
