"""Bitstring Status List (W3C): the revocation bits of many credentials in one compressed, signed list.

A list holds ``LIST_SIZE`` bits (16 KiB, the minimum the specification sets, so that one credential hides
among many). Bit ``i`` is bit ``7 - i % 8`` of byte ``i // 8`` (the first index is the left-most bit). The
published form is the multibase base64url (prefix ``u``, no padding) of the GZIP-compressed bytes.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable

from flask_babel import gettext as _

from lms.credentials.keys import b64url, b64url_decode

LIST_SIZE = 131_072
MAX_DECODED_BYTES = 16 * 1024 * 1024  # a hostile list must not inflate without end


class StatusListError(ValueError):
    pass


def encode(set_bits: Iterable[int], size: int = LIST_SIZE) -> str:
    data = bytearray(size // 8)
    for index in set_bits:
        if not 0 <= index < size:
            raise StatusListError(_("index %(index)s is outside the list", index=index))
        data[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same text (and so the same signed list).
    return "u" + b64url(gzip.compress(bytes(data), mtime=0))


def decode(encoded: str) -> bytes:
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError(_("the encoded list is not multibase base64url"))
    try:
        compressed = b64url_decode(encoded[1:])
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            data = stream.read(MAX_DECODED_BYTES + 1)
    except (ValueError, OSError, EOFError) as exc:
        raise StatusListError(_("the encoded list cannot be decompressed")) from exc
    if len(data) > MAX_DECODED_BYTES:
        raise StatusListError(_("the encoded list is too large"))
    return data


def bit(data: bytes, index: int) -> bool:
    if not 0 <= index < len(data) * 8:
        raise StatusListError(
            _("index %(index)s is outside the list of %(size)s entries", index=index, size=len(data) * 8)
        )
    return bool(data[index // 8] & (0x80 >> (index % 8)))
