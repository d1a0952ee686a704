"""Report figures kept for a short while, and said so on the page.

A report page's figures take one statement per metric over the whole jurisdiction; a national page reloaded
by several officers, or its dashboard panel seen at every sign-in, would compute the same sums again and
again. Within ``REPORT_SNAPSHOT_SECONDS`` a page reads what the same person asked for with the same subject,
filters and grouping, and the page says when those figures were computed, with a link that computes them
afresh (``?fresh=1``). Exports, the dossier and the API always compute afresh: only views that call
:func:`allow` read snapshots.

Kept in the worker's memory, per app (each worker computes its own), keyed by the person and their
jurisdiction: no one reads figures computed for someone else. At most ``MAX_ENTRIES`` are kept; the least
recently computed go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, g, has_request_context

from lms.config import setting
from lms.core import clock

MAX_ENTRIES = 128
_lock = threading.Lock()


def _entries() -> OrderedDict[tuple, tuple[datetime, Any]]:
    return current_app.extensions.setdefault("report_snapshots", OrderedDict())


def allow(fresh: bool = False) -> None:
    """Let this request read snapshots (not when ``fresh``: it computes afresh and keeps the result)."""
    g.report_snapshots = "fresh" if fresh else "read"


def _mode() -> str | None:
    if not has_request_context() or setting("REPORT_SNAPSHOT_SECONDS") <= 0:
        return None
    return g.get("report_snapshots")


def _note(computed_at: datetime) -> None:
    oldest = g.get("report_as_of")
    if oldest is None or computed_at < oldest:
        g.report_as_of = computed_at


def remembered(key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``, or what it gave for ``key`` within the last REPORT_SNAPSHOT_SECONDS (noted for
    :func:`as_of`). The value is shared: callers must not change it."""
    mode = _mode()
    if mode is None:
        return compute()
    now = clock.now()
    if mode == "read":
        with _lock:
            hit = _entries().get(key)
        if hit is not None and now - hit[0] < timedelta(seconds=setting("REPORT_SNAPSHOT_SECONDS")):
            _note(hit[0])
            return hit[1]
    value = compute()
    with _lock:
        entries = _entries()
        entries[key] = (now, value)
        entries.move_to_end(key)
        while len(entries) > MAX_ENTRIES:
            entries.popitem(last=False)
    _note(now)
    return value


def as_of() -> datetime | None:
    """When the oldest figures this request showed were computed, if any came from a snapshot."""
    return g.get("report_as_of") if has_request_context() else None


def forget() -> None:
    """Drop every snapshot of this app."""
    with _lock:
        _entries().clear()
