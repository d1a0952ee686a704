"""The privacy notice: versioned Markdown files, one per language, and who accepted which version.

A version is published by adding ``<N>.en.md`` and ``<N>.zh_CN.md`` to the notice folder
(``LMS_PRIVACY_NOTICE_DIR``, by default the ``notices`` folder beside this module); the highest N present in
both languages is the current version. Everyone who has not accepted it is shown it before anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app

from lms.database import utcnow
from lms.extensions import db
from lms.privacy.models import PrivacyAcceptance

PACKAGE_NOTICES = Path(__file__).resolve().parent / "notices"
_NAME = re.compile(r"^(\d+)\.(en|zh_CN)\.md$")


@dataclass(frozen=True)
class Notice:
    version: int
    language: str
    title: str
    body: str  # Markdown, without the title line


def notice_dir() -> Path:
    configured = current_app.config.get("PRIVACY_NOTICE_DIR") if current_app else None
    return Path(configured) if configured else PACKAGE_NOTICES


@lru_cache(maxsize=16)
def _versions_in(folder: str, _mtime: float) -> tuple[int, ...]:
    found: dict[int, set[str]] = {}
    for path in Path(folder).glob("*.md"):
        match = _NAME.match(path.name)
        if match:
            found.setdefault(int(match.group(1)), set()).add(match.group(2))
    return tuple(sorted(v for v, languages in found.items() if {"en", "zh_CN"} <= languages))


def published_versions() -> tuple[int, ...]:
    folder = notice_dir()
    try:
        mtime = folder.stat().st_mtime
    except FileNotFoundError:
        return ()
    return _versions_in(str(folder), mtime)


def current_version() -> int | None:
    """The version everyone must have accepted (None: no notice is published, nothing is asked)."""
    versions = published_versions()
    return versions[-1] if versions else None


def load_notice(version: int, language: str) -> Notice:
    language = "zh_CN" if language == "zh_CN" else "en"
    text = (notice_dir() / f"{version}.{language}.md").read_text(encoding="utf-8")
    first, _, rest = text.partition("\n")
    title = first.lstrip("#").strip() if first.startswith("#") else ""
    return Notice(version=version, language=language, title=title, body=rest if title else text)


def needs_acceptance(user) -> bool:
    current = current_version()
    return current is not None and (user.privacy_version or 0) < current


def accept_notice(user, version: int, language: str = "en", at=None) -> PrivacyAcceptance:
    """Record that ``user`` accepted ``version`` (idempotent). The caller commits."""
    existing = db.session.execute(
        db.select(PrivacyAcceptance).where(
            PrivacyAcceptance.user_id == user.id, PrivacyAcceptance.version == version
        )
    ).scalar_one_or_none()
    if existing is None:
        existing = PrivacyAcceptance(
            user_id=user.id, version=version, language=language or "en", accepted_at=at or utcnow()
        )
        db.session.add(existing)
    if (user.privacy_version or 0) < version:
        user.privacy_version = version
    return existing


def accept_current(user, language: str = "en") -> PrivacyAcceptance | None:
    """Accept the current version for ``user`` (the demo loader and test factories: people who did)."""
    version = current_version()
    if version is None:
        return None
    db.session.flush()
    return accept_notice(user, version, language)
