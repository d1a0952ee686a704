"""Open Badges 3.0 baking: the credential carried inside a PNG badge image.

The credential goes in one ``iTXt`` chunk with the keyword ``openbadgecredential``, uncompressed, placed
before ``IEND``; its text is the compact JWS (or the JSON of a credential with an embedded proof). Reading
walks the chunks without decoding the picture, so a hostile upload costs no more than its size.
"""

from __future__ import annotations

import struct
import zlib

from flask_babel import gettext as _

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
MAX_TEXT = 1024 * 1024


class BakingError(ValueError):
    pass


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _chunks(png: bytes):
    if not png.startswith(PNG_SIGNATURE):
        raise BakingError(_("not a PNG image"))
    offset = len(PNG_SIGNATURE)
    while offset + 12 <= len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        kind = png[offset + 4 : offset + 8]
        end = offset + 12 + length
        if end > len(png):
            raise BakingError(_("the PNG image is truncated"))
        data = png[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length : end])
        if zlib.crc32(kind + data) & 0xFFFFFFFF != crc:
            raise BakingError(_("the PNG image is damaged (a chunk checksum does not match)"))
        yield offset, end, kind, data
        if kind == b"IEND":
            return
        offset = end
    raise BakingError(_("the PNG image has no end"))


def bake(png: bytes, credential: str) -> bytes:
    """``png`` with ``credential`` in an ``openbadgecredential`` iTXt chunk (any earlier one is replaced)."""
    text = credential.encode("utf-8")
    # keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, text
    chunk = _chunk(b"iTXt", KEYWORD + b"\x00\x00\x00\x00\x00" + text)
    parts = [PNG_SIGNATURE]
    for start, end, kind, data in _chunks(png):
        if kind == b"iTXt" and data.split(b"\x00", 1)[0] == KEYWORD:
            continue
        if kind == b"IEND":
            parts.append(chunk)
        parts.append(png[start:end])
    return b"".join(parts)


def extract(png: bytes) -> str:
    """The credential baked into ``png``; :class:`BakingError` when there is none or it cannot be read."""
    found = None
    for _start, _end, kind, data in _chunks(png):
        if kind != b"iTXt":
            continue
        keyword, _sep, rest = data.partition(b"\x00")
        if keyword != KEYWORD:
            continue
        if found is not None:
            raise BakingError(_("the image carries more than one credential"))
        if len(rest) < 2:
            raise BakingError(_("the credential chunk is damaged"))
        compressed, _method, rest = rest[0], rest[1], rest[2:]
        _language, _sep, rest = rest.partition(b"\x00")
        _translated, _sep, text = rest.partition(b"\x00")
        if compressed:
            try:
                decompressor = zlib.decompressobj()
                text = decompressor.decompress(text, MAX_TEXT + 1)
            except zlib.error as exc:
                raise BakingError(_("the credential chunk cannot be decompressed")) from exc
        if len(text) > MAX_TEXT:
            raise BakingError(_("the credential chunk is too large"))
        try:
            found = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BakingError(_("the credential chunk is not UTF-8 text")) from exc
    if found is None:
        raise BakingError(_("the image carries no Open Badges credential"))
    return found
