"""Helpers for credential tests: decoding without the application's code, forging credentials."""

from __future__ import annotations

import base64
import json
import re
import zlib

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def b64url_json(part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def claims_of(token: str) -> dict:
    return b64url_json(token.split(".")[1])


def header_of(token: str) -> dict:
    return b64url_json(token.split(".")[0])


def with_claims(token: str, **changes) -> str:
    """The token with its payload changed and the original signature kept (a tampered credential)."""
    header, _payload, signature = token.split(".")
    claims = {**claims_of(token), **changes}
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def resign(token: str, *, key: Ed25519PrivateKey | None = None, kid: str | None = None, **changes) -> str:
    """The credential signed again by another key (a forgery), with the given claims changed."""
    claims = {**claims_of(token), **changes}
    return jwt.encode(
        claims,
        key or Ed25519PrivateKey.generate(),
        algorithm="EdDSA",
        headers={"kid": kid or header_of(token)["kid"]},
    )


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by reportlab: every Flate stream inflated and joined."""
    texts = []
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        body = match.group(1).strip()
        try:
            if body.endswith(b"~>"):  # reportlab wraps Flate in ASCII85
                body = base64.a85decode(body.removeprefix(b"<~").removesuffix(b"~>"))
            texts.append(zlib.decompress(body).decode("latin-1"))
        except (ValueError, zlib.error):
            continue
    return "\n".join(texts)
