"""`flask --app lms standards load [DIR]`: standard files into versions, idempotently.

Every file is read and checked first; one problem anywhere (named with its file and line) loads nothing.
A file whose normalised content equals the latest version of its standard changes nothing; a changed file
becomes the next version and the earlier versions are superseded (read-only); assessments keep the version
they point to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from lms.extensions import db
from lms.readiness.models import StandardVersion
from lms.readiness.standards import StandardFileError, content_hash, parse_standard_file


@dataclass
class StandardsReport:
    lines: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if not self.created:
            return f"Nothing changed: {len(self.unchanged)} standard(s) already up to date."
        return f"{len(self.created)} new version(s), {len(self.unchanged)} unchanged."


def standard_files(directory: Path) -> list[Path]:
    if directory.is_file():
        return [directory]
    return sorted(p for p in directory.iterdir() if p.is_file() and p.suffix in (".yaml", ".yml"))


def load_standards(directory) -> StandardsReport:
    """Load every standard file of ``directory`` (or the one file it is). The caller commits."""
    directory = Path(directory)
    if not directory.exists():
        raise StandardFileError(directory, None, "no such folder or file")
    parsed = []
    codes: dict[str, Path] = {}
    for path in standard_files(directory):
        data = parse_standard_file(path)
        if data["code"] in codes:
            raise StandardFileError(
                path, 1, f"standard {data['code']!r} is already defined in {codes[data['code']].name}"
            )
        codes[data["code"]] = path
        parsed.append((path, data))
    if not parsed:
        raise StandardFileError(directory, None, "no standard files (*.yaml) here")
    report = StandardsReport()
    for path, data in parsed:
        digest = content_hash(data)
        versions = list(
            db.session.execute(
                sa.select(StandardVersion)
                .where(StandardVersion.code == data["code"])
                .order_by(StandardVersion.number)
            ).scalars()
        )
        latest = versions[-1] if versions else None
        if latest is not None and latest.source_hash == digest:
            report.unchanged.append(data["code"])
            report.lines.append(f"{data['code']}: unchanged (version {latest.number}).")
            continue
        for old in versions:
            old.superseded = True
        version = StandardVersion(
            code=data["code"],
            number=(latest.number + 1) if latest else 1,
            title_en=data["title_en"],
            title_zh=data["title_zh"],
            source_file=path.name,
            source_hash=digest,
            data=data,
            effective_from=date.fromisoformat(data["effective_from"]),
            retired_on=date.fromisoformat(data["retired_on"]) if data["retired_on"] else None,
        )
        db.session.add(version)
        report.created.append(data["code"])
        before = f"; version {latest.number} is now read-only" if latest else ""
        report.lines.append(f"{data['code']}: version {version.number} loaded from {path.name}{before}.")
    db.session.flush()
    return report


def current_versions() -> list[StandardVersion]:
    """The latest version of every standard (retired by date or not)."""
    return list(
        db.session.execute(
            sa.select(StandardVersion)
            .where(StandardVersion.superseded.is_(False))
            .order_by(StandardVersion.effective_from.desc(), StandardVersion.code)
        ).scalars()
    )


def applicable_version(today: date | None = None) -> StandardVersion | None:
    """The version that applies on ``today``: in force and not retired, the latest in force first."""
    from lms.cultivation import clock

    today = today or clock.today()
    for version in current_versions():
        if version.effective_from <= today and not version.retired(today):
            return version
    return None


def ensure_loaded() -> None:
    """Load the shipped standards when none is loaded yet (the curriculum checks its tags against them)."""
    from flask import current_app

    if db.session.execute(sa.select(StandardVersion.id).limit(1)).first() is None:
        load_standards(Path(current_app.config["STANDARDS_DIR"]))
