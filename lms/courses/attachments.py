"""Lesson attachments: checked by content, stored outside static/, copied with a new version."""

from __future__ import annotations

import hashlib
import uuid
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from lms.auth.models import User
from lms.config import setting
from lms.courses.models import (
    Lesson,
    LessonAttachment,
)
from lms.courses.values import _editable
from lms.errors import InvalidInput
from lms.extensions import db

# -- attachments -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    mimetype: str
    extension: str
    label: str


FILE_KINDS = {
    "pdf": FileKind("application/pdf", ".pdf", "PDF"),
    "png": FileKind("image/png", ".png", "PNG"),
    "jpeg": FileKind("image/jpeg", ".jpg", "JPEG"),
    "pptx": FileKind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx", "PPTX"
    ),
    "docx": FileKind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx", "DOCX"
    ),
    "xlsx": FileKind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", "XLSX"),
}
_OOXML_PARTS = {"pptx": "ppt/", "docx": "word/", "xlsx": "xl/"}


def sniff_kind(path: Path) -> str | None:
    """The file's type from its content (magic bytes, and the parts inside an Office Open XML package)."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, prefix in _OOXML_PARTS.items():
            if any(name.startswith(prefix) for name in names):
                return kind
    return None


def attachment_folder() -> Path:
    from flask import current_app

    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "lesson-attachments"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def attachment_max_bytes() -> int:

    return setting("ATTACHMENT_MAX_BYTES")


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} B"


def _stored_name(extension: str) -> str:
    return uuid.uuid4().hex + extension


def _display_name(filename: str, kind: FileKind) -> str:
    """Keep the author's name (printable, no path) but give it the extension of the detected type."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>:|?*').strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return ((stem or "attachment")[:200]) + kind.extension


@dataclass(frozen=True)
class StoredUpload:
    """A file written under an upload folder, checked for size and, by its content, for type."""

    filename: str
    stored_name: str
    mimetype: str
    size: int
    sha256: str


def store_upload(folder: Path, *, filename: str, stream) -> StoredUpload:
    """Write ``stream`` into ``folder`` under a random name after checking its size (``attachment_max_bytes``)
    and its type by content (PDF, PPTX, DOCX, XLSX, PNG, JPEG); a refused file leaves nothing behind."""
    max_bytes = attachment_max_bytes()
    temp = folder / (uuid.uuid4().hex + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with temp.open("wb") as out:
            while chunk := stream.read(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(
                        _l("The file is larger than the limit of %(limit)s.", limit=human_size(max_bytes)),
                        field="file",
                    )
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise InvalidInput(_l("The file is empty."), field="file")
        kind_name = sniff_kind(temp)
        if kind_name is None:
            raise InvalidInput(
                _l("This type of file is not accepted. Attach PDF, PPTX, DOCX, XLSX, PNG or JPEG files."),
                field="file",
            )
        kind = FILE_KINDS[kind_name]
        stored = _stored_name(kind.extension)
        temp.replace(folder / stored)
    finally:
        if temp.exists():
            temp.unlink()
    return StoredUpload(
        filename=_display_name(filename, kind),
        stored_name=stored,
        mimetype=kind.mimetype,
        size=size,
        sha256=digest.hexdigest(),
    )


def add_attachment(actor: User, lesson: Lesson, *, filename: str, stream) -> LessonAttachment:
    """Store an uploaded file outside static/ after checking its size and, by content, its type."""
    _editable(actor, lesson.version)
    upload = store_upload(attachment_folder(), filename=filename, stream=stream)
    attachment = LessonAttachment(**asdict(upload), uploaded_by_id=actor.id)
    lesson.attachments.append(attachment)
    db.session.flush()
    return attachment


def delete_attachment(actor: User, attachment: LessonAttachment) -> str:
    _editable(actor, attachment.lesson.version)
    stored = attachment.stored_name
    attachment.lesson.attachments.remove(attachment)
    db.session.delete(attachment)
    return stored


def remove_stored_files(names: list[str]) -> None:
    """After commit: delete files no row points to any more."""
    folder = attachment_folder()
    for name in names:
        if name and "/" not in name and "\\" not in name:
            (folder / name).unlink(missing_ok=True)
