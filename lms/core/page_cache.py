"""Trainee pages kept as rendered, and served again while nothing they show has changed.

A trainee's course page, lesson page, home page, My learning, quizzes, catalog and certificates read a dozen
rows and render a large template: most of a request's time. The same trainee reloads them, goes back to them,
opens them in several tabs. Views marked :func:`kept` are kept, per worker, as the bytes sent, and served
again when the same request comes back (same person, same session cookie, same address, same language inputs)
and one statement finds that nothing they show has changed since.

What "changed" means is decided at write time, in the same transaction as the change:

* ``page_version`` holds a counter per trainee and one for everyone (owner 0);
* every flush and every INSERT/UPDATE/DELETE sent through the session is looked at when it happens
  (:func:`_note_flush`, :func:`_note_statement`): a trainee's own records (attempts and their questions,
  enrolments and lesson progress, notifications, certificates, their own account row...) raise that
  trainee's counter; results kept for the reports (derived from those same records) and logs no page shows
  raise nothing; anything else, or a statement whose owner is not known, raises everyone's;
* the counters are raised just before the transaction commits (:func:`_raise_versions`), so a reader sees
  the new counter and the new rows together, or neither.

A kept page is served only while the trainee's counter and everyone's counter read what they read before the
page was rendered, the account is still active and still a trainee's who has accepted the current privacy
notice, and the session passes the same protection Flask-Login applies. What the clock alone
changes (a quiz window opening, a session starting) shows within ``PAGE_CACHE_SECONDS``, the longest a page
is kept. A page that flashed a message, set a cookie or changed the session is not kept.

Writes made outside the session (``reports rebuild``, a restore, SQL by hand) call :func:`raise_everyone`, or
are seen within ``PAGE_CACHE_SECONDS``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event
from sqlalchemy.orm import Session, attributes
from sqlalchemy.orm.util import identity_key

from lms.config import setting
from lms.core import clock
from lms.core.statements import built_once

_KEPT = "_lms_kept_page"
HEADER = "X-LMS-Page"  # "stored" on a page just kept, "kept" on a page served again
EVERYONE = 0

# Tables whose rows no kept page shows, or shows only through the raw rows they are derived from (which are
# noted themselves): writing them raises no counter.
QUIET_TABLES = frozenset(
    {
        "page_version",
        "ledger_entry",
        "outbox_message",
        "job_run",
        "xapi_cursor",
        "security_event",
        "login_throttle",
        "api_token",
        "record_access",
        # results kept for the reports, written beside the attempts, enrolments, seats and feedback they
        # come from (lms.reports.stored); `reports rebuild` raises everyone's counter itself
        "quiz_result",
        "gain_pair",
        "enrolment_stat",
        "seat_stat",
        "feedback_stat",
        "report_rollup",
    }
)
# A trainee's own rows, shown on no one else's kept pages: the column naming the trainee.
OWN_TABLES = {
    "attempt": "user_id",
    "enrollment": "user_id",
    "notification": "user_id",
    "certificate": "user_id",
    "calendar_token": "user_id",
    "privacy_acceptance": "user_id",
    "deletion_request": "user_id",
    "cultivation_reminder": "user_id",
}
# Rows owned through a parent row: (the column pointing at the parent, the parent table).
OWNED_THROUGH = {
    "attempt_question": ("attempt_id", "attempt"),
    "lesson_progress": ("enrollment_id", "enrollment"),
}


def kept(view: Callable) -> Callable:
    """Mark a trainee page that may be kept (see the module's docstring for what that takes)."""
    setattr(view, _KEPT, True)
    return view


# -- which counters a transaction raises ------------------------------------------------------------------


def _pending(db_session: Session) -> dict:
    return db_session.info.setdefault(
        "lms_page_owners", {"everyone": False, "users": set(), "through": set()}
    )


def _note_row(notes: dict, table: str, values: Callable[[str], list]) -> None:
    """Note the counters a change to one row of ``table`` raises; ``values(column)`` gives the column's
    values (new and old)."""
    if notes["everyone"] or table in QUIET_TABLES:
        return
    if table == "user":
        return  # decided by the caller, who knows the row's role
    column = OWN_TABLES.get(table)
    if column is not None:
        owners = [v for v in values(column) if v is not None]
        if owners:
            notes["users"].update(owners)
            return
    through = OWNED_THROUGH.get(table)
    if through is not None:
        parents = [v for v in values(through[0]) if v is not None]
        if parents:
            notes["through"].update((through[1], parent) for parent in parents)
            return
    notes["everyone"] = True


def _note_flush(db_session: Session, flush_context) -> None:
    notes = _pending(db_session)
    if notes["everyone"]:
        return
    for obj in list(db_session.new) + list(db_session.dirty) + list(db_session.deleted):
        if obj in db_session.dirty and not db_session.is_modified(obj, include_collections=False):
            continue
        table = getattr(type(obj), "__tablename__", None)
        if table is None:
            notes["everyone"] = True
            return
        if table == "user":
            if getattr(obj, "role", None) == "trainee" and _history_values(obj, "role") == ["trainee"]:
                notes["users"].add(obj.id)
            else:
                notes["everyone"] = True  # an expert's or officer's name shows on trainees' pages
                return
            continue
        _note_row(notes, table, lambda column, obj=obj: _history_values(obj, column))
        if notes["everyone"]:
            return


def _history_values(obj, column: str) -> list:
    """The attribute's value now and, if it changed, before."""
    try:
        history = attributes.get_history(obj, column, passive=attributes.PASSIVE_NO_INITIALIZE)
    except (KeyError, AttributeError):
        return [getattr(obj, column, None)]
    values = list(history.added or ()) + list(history.unchanged or ()) + list(history.deleted or ())
    return values or [getattr(obj, column, None)]


def _note_statement(state) -> None:
    """An INSERT, UPDATE or DELETE sent through the session (not a flush): the owner it names with
    ``execution_options(lms_page_owner=user_id)``, else read from an INSERT's rows, else everyone."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    notes = _pending(state.session)
    if notes["everyone"] or table in QUIET_TABLES:
        return
    owner = state.execution_options.get("lms_page_owner")
    if owner is not None:
        notes["users"].add(owner)
        return
    rows = state.parameters
    if state.is_insert and table is not None and table != "user" and rows:
        rows = rows if isinstance(rows, list | tuple) else [rows]
        if all(isinstance(row, dict) for row in rows):
            for row in rows:
                _note_row(notes, table, lambda column, row=row: [row.get(column)])
            return
    notes["everyone"] = True


def _raise_versions(db_session: Session) -> None:
    """Before COMMIT: flush what is pending, then raise the counters the transaction's changes noted."""
    if db_session.info.get("lms_page_raising") or db_session.get_nested_transaction() is not None:
        return  # (a savepoint's release: the outermost commit raises what the whole transaction noted)
    db_session.flush()
    notes = db_session.info.pop("lms_page_owners", None)
    if not notes:
        return
    owners = {EVERYONE} if notes["everyone"] else set(notes["users"])
    if not notes["everyone"] and notes["through"]:
        owners |= _parents_owners(db_session, notes["through"])
    if owners:
        db_session.info["lms_page_raising"] = True
        try:
            _raise(db_session.connection(), owners)
        finally:
            db_session.info.pop("lms_page_raising", None)


def _parents_owners(db_session: Session, through: set[tuple[str, int]]) -> set[int]:
    """The trainees owning the parent rows (attempts, enrolments): from the session when loaded there."""
    from lms.courses.models import Enrollment
    from lms.quizzes.models import Attempt

    models = {"attempt": Attempt, "enrollment": Enrollment}
    owners, missing = set(), {}
    for table, parent_id in through:
        model = models[table]
        obj = db_session.identity_map.get(identity_key(model, parent_id))
        if obj is not None and obj.user_id is not None:
            owners.add(obj.user_id)
        else:
            missing.setdefault(model, set()).add(parent_id)
    for model, ids in missing.items():
        owners.update(
            db_session.execute(sa.select(model.user_id).where(model.id.in_(sorted(ids)))).scalars().all()
        )
    return owners


def _raise(connection, owners) -> None:
    # In the owners' order, as every transaction raises them (two transactions never wait on each other).
    connection.execute(_raise_statement(connection.dialect.name), [{"owner": o} for o in sorted(owners)])


@built_once
def _raise_statement(dialect: str):
    from lms.core.models import PageVersion
    from lms.database import conflict_insert

    table = PageVersion.__table__
    stmt = conflict_insert(table, dialect).values(owner_id=sa.bindparam("owner"), version=1)
    return stmt.on_conflict_do_update(
        index_elements=[table.c.owner_id], set_={"version": table.c.version + 1}
    )


def raise_everyone(connection) -> None:
    """Every kept page is out of date (for writes made outside the session: a rebuild, a restore)."""
    _raise(connection, {EVERYONE})


def _forget(db_session: Session, previous_transaction) -> None:
    """The transaction's changes are gone; a savepoint's rollback forgets nothing (what was noted before it
    still commits, and raising a counter too many is harmless)."""
    if previous_transaction.parent is None and not previous_transaction.nested:
        db_session.info.pop("lms_page_owners", None)


# On every session (as the ledger's seal is): the counters are raised before the ledger's seal, which comes
# last so that the lock serialising evidence writers covers the ledger rows alone (insert=True).
event.listen(Session, "after_flush", _note_flush)
event.listen(Session, "do_orm_execute", _note_statement)
event.listen(Session, "before_commit", _raise_versions, insert=True)
event.listen(Session, "after_soft_rollback", _forget)


# -- the pages kept ---------------------------------------------------------------------------------------


class _Store:
    """The pages one worker keeps: least recently stored first out, at most ``limit``."""

    def __init__(self, seconds: int, limit: int):
        self.seconds, self.limit = timedelta(seconds=seconds), limit
        self.entries: OrderedDict[tuple, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, fingerprint: tuple, now) -> tuple | None:
        with self.lock:
            entry = self.entries.get(key)
        if entry is None or entry[0] != fingerprint or now - entry[1] >= self.seconds:
            return None
        return entry

    def put(self, key: tuple, entry: tuple) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.limit:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def store() -> _Store | None:
    return current_app.extensions.get("page_cache")


_FINGERPRINT = None


def _fingerprint_statement():
    """One statement: whether the account may see kept pages, and the counters its kept pages are checked by
    (the unread notifications in the header are the trainee's own rows: their counter covers them)."""
    from lms.auth.models import User
    from lms.core.models import PageVersion

    def version(owner):
        return sa.select(PageVersion.version).where(PageVersion.owner_id == owner).scalar_subquery()

    return sa.select(User.active, User.role, User.privacy_version, version(User.id), version(EVERYONE)).where(
        User.id == sa.bindparam("user_id")
    )


def _fingerprint(user_id: int):
    global _FINGERPRINT
    from lms.extensions import db

    if _FINGERPRINT is None:
        _FINGERPRINT = _fingerprint_statement()
    return db.session.connection().execute(_FINGERPRINT, {"user_id": user_id}).first()


def _request_key(*who) -> tuple:
    """What a kept page is kept under: who asked, and the address and language inputs of the request."""
    return (
        *who,
        request.host,
        request.full_path,
        request.cookies.get("lang"),
        request.headers.get("Accept-Language", ""),
    )


def _serve_kept():
    """Before the view: the kept page for this very request, if nothing it shows has changed.

    Runs before the areas' request hooks; those that can turn a trainee away from a page (the privacy notice
    to accept; two-factor enrolment, which asks nothing of trainees) are checked here as well.
    """
    from lms.privacy.notice import current_version

    kept_pages = store()
    if kept_pages is None or request.method not in ("GET", "HEAD") or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    if not getattr(view, _KEPT, False):
        return None
    user_id = session.get("_user_id")
    if user_id is None or "_flashes" in session:
        return None
    manager = current_app.login_manager
    if current_app.config.get("SESSION_PROTECTION", manager.session_protection) in ("basic", "strong"):
        if session.get("_id") != manager._session_identifier_generator():
            return None  # Flask-Login decides what happens to this session
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        return None
    row = _fingerprint(user_id)
    if row is None or not row[0] or row[1] != "trainee":
        return None
    notice = current_version()  # the areas' hooks run after this one: what they would refuse, refuse here
    if notice is not None and (row[2] or 0) < notice:
        return None
    key = _request_key(user_id, request.cookies.get(current_app.config["SESSION_COOKIE_NAME"]))
    fingerprint = (row[3] or 0, row[4] or 0)
    now = clock.now()
    entry = kept_pages.get(key, fingerprint, now)
    if entry is not None:
        return Response(entry[2], status=200, content_type=entry[3], headers={HEADER: "kept"})
    g.page_keep = (key, fingerprint, now, user_id)
    return None


def kept_for_visitors(state: tuple, render: Callable[[], str]) -> str:
    """A public page's HTML for a visitor who has not signed in: rendered once per address and language
    inputs, and reused while ``state`` (the values of everything the page shows, read by the view on every
    request) compares equal, for at most ``PAGE_CACHE_SECONDS``.

    The view still runs (its rate limit and its lookup with it); only the rendering is saved. A signed-in
    reader, or a visitor with a message waiting to be flashed, gets the page rendered.
    """
    from flask_login import current_user

    kept_pages = store()
    if kept_pages is None or current_user.is_authenticated or "_flashes" in session:
        return render()
    key = _request_key("visitor")
    now = clock.now()
    entry = kept_pages.get(key, state, now)
    if entry is not None:
        g.page_header = "kept"
        return entry[2]
    html = render()
    kept_pages.put(key, (state, now, html, None))
    g.page_header = "stored"
    return html


def _keep(response: Response) -> Response:
    """After the view: keep the page if it may be served again as it is."""
    header = g.pop("page_header", None)
    if header is not None:
        response.headers[HEADER] = header
    pending = g.pop("page_keep", None)
    if pending is None:
        return response
    key, fingerprint, now, user_id = pending
    from flask_login import current_user

    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.is_streamed
        or session.modified
        or "Set-Cookie" in response.headers
        or getattr(current_user, "id", None) != user_id
    ):
        return response
    kept_pages = store()
    if kept_pages is not None:
        kept_pages.put(key, (fingerprint, now, response.get_data(), response.content_type))
        response.headers[HEADER] = "stored"
    return response


def init_app(app: Flask) -> None:
    """Keep pages when ``PAGE_CACHE_SECONDS`` > 0. Call after the request-id hook and before anything that
    loads the user (the whole point is not to)."""
    seconds = setting("PAGE_CACHE_SECONDS", app.config)
    if seconds > 0:
        app.extensions["page_cache"] = _Store(seconds, setting("PAGE_CACHE_ENTRIES", app.config))
    app.before_request(_serve_kept)
    app.after_request(_keep)
