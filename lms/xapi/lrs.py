"""Sending statements to a Learning Record Store, in batches, resuming where the last run stopped.

Settings (``LMS_XAPI_<NAME>`` in the environment, ``XAPI_<NAME>`` in the config; lms/config.py):

- ``LRS_URL``: the LRS endpoint (statements are POSTed to ``<url>/statements``); unset = no sending;
- ``LRS_USER`` / ``LRS_PASSWORD``: HTTP Basic credentials;
- ``BATCH`` (100): statements per request;
- ``PAGE`` (2000): source rows read per database round trip;
- ``SETTLE_SECONDS`` (120): facts recorded less than this long ago wait for the next run, so that a
  transaction still open when the run reads cannot commit a fact behind the cursor;
- ``TIMEOUT`` (30): seconds to wait for the LRS.

For each stream the cursor (:class:`~lms.xapi.models.XapiCursor`) moves only after the LRS acknowledged a
batch (200 or 204). A failed batch is sent again by the next run; a statement the LRS already holds is
harmless, because its id is derived from its facts. When the LRS answers 409 (it already has one of the
ids), the batch is sent again one statement at a time with PUT, and a 409 there means "already stored".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa

from lms.config import SETTINGS, setting
from lms.database import utcnow
from lms.extensions import db
from lms.xapi.models import XapiCursor
from lms.xapi.statements import STREAMS, XAPI_VERSION, Item, Position, Vocabulary, iter_stream

DEFAULT_TIMEOUT = SETTINGS["XAPI_TIMEOUT"].default


class LrsError(RuntimeError):
    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class LrsClient:
    """The statements resource of one LRS."""

    def __init__(
        self,
        url: str,
        user: str | None = None,
        password: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
    ):
        self.endpoint = url.rstrip("/") + "/statements"
        self.timeout = timeout
        self.http = session or requests.Session()
        if user:
            self.http.auth = (user, password or "")
        self.http.headers.update(
            {"X-Experience-API-Version": XAPI_VERSION, "Content-Type": "application/json; charset=utf-8"}
        )
        self.already_stored = 0  # statements the LRS reported it had (409 on PUT)

    @classmethod
    def from_config(cls) -> LrsClient | None:
        url = setting("XAPI_LRS_URL")
        if not url:
            return None
        return cls(
            url,
            setting("XAPI_LRS_USER"),
            setting("XAPI_LRS_PASSWORD"),
            timeout=float(setting("XAPI_TIMEOUT")),
        )

    def _request(self, method: str, body: bytes, params=None) -> requests.Response:
        try:
            return self.http.request(method, self.endpoint, data=body, params=params, timeout=self.timeout)
        except requests.RequestException as error:
            raise LrsError(f"the LRS at {self.endpoint} could not be reached: {error}") from error

    def send(self, statements: list[dict]) -> None:
        """Store a batch; returns when the LRS acknowledged every statement, raises LrsError otherwise."""
        body = json.dumps(statements, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        response = self._request("POST", body)
        if response.status_code in (200, 204):
            return
        if response.status_code == 409:
            self._send_one_by_one(statements)
            return
        raise LrsError(f"the LRS answered {response.status_code}: {_excerpt(response)}", response.status_code)

    def _send_one_by_one(self, statements: list[dict]) -> None:
        for statement in statements:
            body = json.dumps(statement, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            response = self._request("PUT", body, params={"statementId": statement["id"]})
            if response.status_code == 409:
                self.already_stored += 1
            elif response.status_code not in (200, 204):
                raise LrsError(
                    f"the LRS answered {response.status_code} for statement {statement['id']}: "
                    f"{_excerpt(response)}",
                    response.status_code,
                )


def _excerpt(response: requests.Response) -> str:
    text = (response.text or "").strip().replace("\n", " ")
    return text[:200] or response.reason or ""


# ----------------------------------------------------------------------------------------------------
# Cursors


def load_cursors() -> dict[str, Position]:
    rows = db.session.execute(sa.select(XapiCursor)).scalars()
    return {row.stream: Position(row.position_at, row.position_row, row.position_index) for row in rows}


def save_cursor(stream: str, item: Item, count: int) -> None:
    """Move the stream's cursor to ``item`` (the last statement of an acknowledged batch) and commit."""
    cursor = db.session.execute(
        sa.select(XapiCursor).where(XapiCursor.stream == stream).with_for_update()
    ).scalar_one_or_none()
    if cursor is None:
        cursor = XapiCursor(stream=stream, sent=0)
        db.session.add(cursor)
    cursor.position_at, cursor.position_row, cursor.position_index = item.position
    cursor.last_statement_id = item.statement["id"]
    cursor.sent = (cursor.sent or 0) + count
    db.session.commit()


def reset_cursors(streams=STREAMS) -> int:
    deleted = db.session.execute(sa.delete(XapiCursor).where(XapiCursor.stream.in_(tuple(streams)))).rowcount
    db.session.commit()
    return deleted


# ----------------------------------------------------------------------------------------------------
# Sending


@dataclass
class SendReport:
    sent: dict[str, int] = field(default_factory=dict)
    batches: int = 0
    already_stored: int = 0
    error: LrsError | None = None
    failed_stream: str | None = None

    @property
    def total(self) -> int:
        return sum(self.sent.values())

    @property
    def ok(self) -> bool:
        return self.error is None


def send_statements(
    client: LrsClient,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    streams=STREAMS,
    batch_size: int | None = None,
    page_rows: int | None = None,
    settle_seconds: int | None = None,
    vocabulary: Vocabulary | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> SendReport:
    """Send every statement not yet acknowledged, stream by stream, batch by batch; stop at the first failure.

    Source rows are read a page at a time and the read transaction is closed before anything is sent, so
    the database is never held open while waiting for the LRS."""
    batch_size = max(1, int(batch_size or setting("XAPI_BATCH")))
    page_rows = max(2, int(page_rows or setting("XAPI_PAGE")))
    settle = timedelta(
        seconds=int(settle_seconds if settle_seconds is not None else setting("XAPI_SETTLE_SECONDS"))
    )
    horizon = utcnow() - settle
    until = min(until, horizon) if until is not None else horizon
    vocabulary = vocabulary or Vocabulary.from_app()
    report = SendReport()
    cursors = load_cursors()
    db.session.rollback()
    for stream in streams:
        report.sent[stream] = 0
        after = cursors.get(stream)
        while True:
            page = list(
                iter_stream(
                    vocabulary,
                    stream,
                    since=since,
                    until=until,
                    after=after,
                    limit=page_rows,
                    batch_size=min(page_rows, 1000),
                )
            )
            db.session.rollback()  # end the read transaction before talking to the LRS
            if not page:
                break
            for start in range(0, len(page), batch_size):
                batch = page[start : start + batch_size]
                try:
                    client.send([item.statement for item in batch])
                except LrsError as error:
                    report.error, report.failed_stream = error, stream
                    report.already_stored = client.already_stored
                    return report
                save_cursor(stream, batch[-1], len(batch))
                report.batches += 1
                report.sent[stream] += len(batch)
                if progress is not None:
                    progress(stream, report.sent[stream])
            after = page[-1].position
    report.already_stored = client.already_stored
    return report
