"""The training center's Ed25519 signing keys, kept in a directory outside the repository.

Layout of the key directory (``CREDENTIALS_KEY_DIR``, default ``instance/credential-keys``)::

    keyring.json      every public key ever used, which one signs now, when each was made and retired
    <key id>.pem      the private key of the active key (PKCS#8, readable by its owner only)

Rotating makes a new active key and deletes the old private key; the old public key stays in the keyring, so
the DID document and the JWKS keep publishing it and credentials signed with it still verify.

A key is named by ``key-`` and its RFC 7638 JWK thumbprint; its full id in a credential is the site's DID
followed by ``#`` and that name (``did:web:lms.example.cn#key-…``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from lms.core import clock

KEYRING_FILE = "keyring.json"
LOCK_FILE = ".lock"


class CredentialKeyError(Exception):
    """Base of the signing key errors."""


class SigningKeyMissing(CredentialKeyError):
    """No active signing key: nothing can be signed until an operator runs ``credentials keygen``."""


class KeyringExists(CredentialKeyError):
    """``keygen`` refuses to replace keys that exist (``rotate`` is the way to change them)."""


class KeyFileError(CredentialKeyError):
    """A keys file given to the offline verifier cannot be read."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638: SHA-256 over the required members in lexical order, without spaces."""
    required = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    digest = hashlib.sha256(json.dumps(required, sort_keys=True, separators=(",", ":")).encode()).digest()
    return b64url(digest)


def public_key_from_jwk(jwk: dict) -> Ed25519PublicKey:
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or not isinstance(jwk.get("x"), str):
        raise ValueError("not an Ed25519 public key")
    if "d" in jwk:
        raise ValueError("a private key was given where a public key belongs")
    raw = b64url_decode(jwk["x"])
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key has 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def site_did(site_url: str) -> str:
    """The ``did:web`` identifier of the site at ``site_url`` (a port is percent-encoded, a path becomes
    colon-separated segments, as the did:web method says)."""
    parts = urlsplit(site_url.strip())
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    segments = [quote(host, safe="")]
    segments += [quote(segment, safe="") for segment in parts.path.split("/") if segment]
    return "did:web:" + ":".join(segments)


@dataclass(frozen=True)
class PublicKeyEntry:
    name: str  # key-<thumbprint>: the fragment of the verification method's id
    jwk: dict
    created: str
    retired: str | None = None

    @property
    def public_key(self) -> Ed25519PublicKey:
        return public_key_from_jwk(self.jwk)

    def kid(self, did: str) -> str:
        return f"{did}#{self.name}"

    def as_dict(self) -> dict:
        return {"id": self.name, "publicKeyJwk": self.jwk, "created": self.created, "retired": self.retired}


@dataclass(frozen=True)
class Keyring:
    directory: Path
    active: str | None
    keys: tuple[PublicKeyEntry, ...]

    @classmethod
    def load(cls, directory: str | os.PathLike) -> Keyring:
        """The keyring in ``directory`` (empty when there is none yet)."""
        path = Path(directory)
        try:
            data = json.loads((path / KEYRING_FILE).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, None, ())
        keys = tuple(
            PublicKeyEntry(entry["id"], entry["publicKeyJwk"], entry["created"], entry.get("retired"))
            for entry in data.get("keys", [])
        )
        return cls(path, data.get("active"), keys)

    def entry(self, name: str) -> PublicKeyEntry | None:
        return next((key for key in self.keys if key.name == name), None)

    @property
    def active_entry(self) -> PublicKeyEntry | None:
        return self.entry(self.active) if self.active else None

    def private_key(self) -> Ed25519PrivateKey:
        """The active private key; :class:`SigningKeyMissing` when there is none."""
        if not self.active:
            raise SigningKeyMissing(f"no signing key in {self.directory}")
        try:
            pem = (self.directory / f"{self.active}.pem").read_bytes()
        except FileNotFoundError as exc:
            raise SigningKeyMissing(
                f"the private key {self.active} is missing from {self.directory}"
            ) from exc
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise SigningKeyMissing(f"{self.active}.pem is not an Ed25519 key")
        return key

    def _write(self, active: str, keys: list[PublicKeyEntry]) -> Keyring:
        body = {"version": 1, "active": active, "keys": [key.as_dict() for key in keys]}
        _atomic_write(self.directory / KEYRING_FILE, json.dumps(body, indent=2).encode("utf-8"), 0o644)
        return Keyring(self.directory, active, tuple(keys))


def has_signing_key(directory: str | os.PathLike) -> bool:
    keyring = Keyring.load(directory)
    return bool(keyring.active) and (Path(directory) / f"{keyring.active}.pem").exists()


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temporary)
        raise


@contextlib.contextmanager
def _locked(directory: Path):
    """One key change at a time, also across processes (two workers making the development key at once)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _new_key(directory: Path) -> PublicKeyEntry:
    private = Ed25519PrivateKey.generate()
    jwk = public_jwk(private.public_key())
    name = "key-" + jwk_thumbprint(jwk)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _atomic_write(directory / f"{name}.pem", pem, 0o600)
    return PublicKeyEntry(name, jwk, clock.now().isoformat(timespec="seconds"))


def generate_key(directory: str | os.PathLike, *, if_missing: bool = False) -> tuple[Keyring, bool]:
    """Make the first signing key. Returns the keyring and whether a key was made; an existing key is an
    error unless ``if_missing`` (then it is kept)."""
    path = Path(directory)
    with _locked(path):
        keyring = Keyring.load(path)
        if keyring.keys:
            if if_missing and has_signing_key(path):
                return keyring, False
            raise KeyringExists(
                f"{path} already holds keys; use `credentials rotate` to replace the active one"
            )
        entry = _new_key(path)
        return keyring._write(entry.name, [entry]), True


def rotate_key(directory: str | os.PathLike) -> tuple[Keyring, str | None]:
    """Make a new active key; the previous one is retired (public part kept, private part deleted).
    Returns the keyring and the retired key's name."""
    path = Path(directory)
    with _locked(path):
        keyring = Keyring.load(path)
        if not keyring.keys:
            raise SigningKeyMissing(f"no keys in {path} yet; run `credentials keygen` first")
        now = clock.now().isoformat(timespec="seconds")
        entry = _new_key(path)
        previous = keyring.active
        keys = [
            PublicKeyEntry(
                key.name, key.jwk, key.created, key.retired or (now if key.name == previous else None)
            )
            for key in keyring.keys
        ]
        updated = keyring._write(entry.name, [*keys, entry])
        if previous:
            with contextlib.suppress(FileNotFoundError):
                os.remove(path / f"{previous}.pem")
        return updated, previous


def ensure_signing_key(directory: str | os.PathLike, *, auto_generate: bool) -> Keyring:
    """The keyring with an active private key, made first when ``auto_generate`` (development) and there is
    none; :class:`SigningKeyMissing` otherwise."""
    keyring = Keyring.load(directory)
    if keyring.active and (keyring.directory / f"{keyring.active}.pem").exists():
        return keyring
    if not auto_generate or keyring.keys:
        # Keys that exist but lost their private part are never silently replaced.
        raise SigningKeyMissing(f"no signing key in {directory}")
    keyring, _made = generate_key(directory, if_missing=True)
    return keyring


# -- publishing ----------------------------------------------------------------------------------------------

DID_CONTEXT = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"]


def did_document(keyring: Keyring, did: str) -> dict:
    """The did:web document: every key ever used, current and retired, as a JsonWebKey2020 verification
    method that may assert credentials (a retired key still vouches for what it signed)."""
    methods = [
        {
            "id": key.kid(did),
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": dict(key.jwk),
        }
        for key in keyring.keys
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": DID_CONTEXT,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def jwks(keyring: Keyring, did: str) -> dict:
    return {"keys": [{**key.jwk, "kid": key.kid(did), "alg": "EdDSA", "use": "sig"} for key in keyring.keys]}


@dataclass(frozen=True)
class KeySet:
    """Public keys a verifier trusts: key id (a DID URL) → key, and the DID they belong to."""

    did: str | None
    keys: dict[str, Ed25519PublicKey]

    @classmethod
    def from_keyring(cls, keyring: Keyring, did: str) -> KeySet:
        return cls(did, {key.kid(did): key.public_key for key in keyring.keys})

    @classmethod
    def from_document(cls, document: dict) -> KeySet:
        """Read a DID document (``/.well-known/did.json``) or a JWKS (``/.well-known/jwks.json``)."""
        if not isinstance(document, dict):
            raise KeyFileError("the keys file is not a JSON object")
        keys: dict[str, Ed25519PublicKey] = {}
        did = document.get("id") if isinstance(document.get("id"), str) else None
        if isinstance(document.get("verificationMethod"), list):
            for method in document["verificationMethod"]:
                if not isinstance(method, dict) or not isinstance(method.get("publicKeyJwk"), dict):
                    continue
                kid = method.get("id", "")
                if isinstance(kid, str) and kid.startswith("#") and did:
                    kid = did + kid
                keys[kid] = _key_or_error(method["publicKeyJwk"], kid)
        elif isinstance(document.get("keys"), list):
            for jwk in document["keys"]:
                if isinstance(jwk, dict) and isinstance(jwk.get("kid"), str):
                    keys[jwk["kid"]] = _key_or_error(jwk, jwk["kid"])
            dids = {kid.split("#", 1)[0] for kid in keys if "#" in kid}
            did = dids.pop() if len(dids) == 1 else None
        else:
            raise KeyFileError("the keys file is neither a DID document nor a JWKS")
        if not keys:
            raise KeyFileError("the keys file holds no Ed25519 public key")
        return cls(did, keys)


def _key_or_error(jwk: dict, kid: str) -> Ed25519PublicKey:
    try:
        return public_key_from_jwk(jwk)
    except ValueError as exc:
        raise KeyFileError(f"key {kid}: {exc}") from exc
