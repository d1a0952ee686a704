"""Unified Social Credit Code (统一社会信用代码), GB 32100-2015.

Eighteen characters from the 31-character alphabet below (no I, O, Z, S or V). The last one is a check
character: weights 3^i mod 31 over the first seventeen, check = 31 - (sum mod 31), 31 meaning 0.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


class USCCError(ValueError):
    """A code that is not a valid USCC.

    ``kind`` says why (length, alphabet, check); ``detail`` gives the specifics."""

    def __init__(self, kind: str, message: str, detail: str = ""):
        super().__init__(message)
        self.kind = kind
        self.detail = detail


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the normalised (upper-case, trimmed) code, or raise :class:`USCCError`."""
    code = (code or "").strip().upper()
    if len(code) != 18:
        raise USCCError("length", f"must be 18 characters, not {len(code)}", str(len(code)))
    bad = sorted({ch for ch in code if ch not in _VALUE})
    if bad:
        raise USCCError(
            "alphabet",
            "contains characters outside the GB 32100-2015 alphabet: " + " ".join(bad),
            " ".join(bad),
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise USCCError("check", f"check character should be {expected}, not {code[17]}", expected)
    return code


def is_valid_uscc(code: str) -> bool:
    try:
        validate_uscc(code)
    except USCCError:
        return False
    return True


def make_uscc(first17: str) -> str:
    """Complete seventeen characters with their check character (demo data, tests)."""
    first17 = first17.upper()
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise USCCError("alphabet", "seventeen characters of the GB 32100-2015 alphabet are needed")
    return first17 + check_character(first17)
