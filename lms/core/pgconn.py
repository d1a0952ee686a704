"""The application's psycopg connections: prepared statements kept across requests.

psycopg prepares a statement on the server once a connection has run it five times, so that the server
stops parsing and planning it. But psycopg forgets every prepared statement when a transaction ends with
ROLLBACK (it sends ``DEALLOCATE ALL``, in case the transaction changed the tables they read). A page that
only reads ends that way: SQLAlchemy closes the request's session, and closing rolls back. So one page
between two form posts wiped the pooled connection's prepared statements. Statements were rarely prepared
at all, and the server parsed and planned nearly every one afresh: over half of the database's CPU on a quiz
taken at exam time.

A transaction that has sent nothing but SELECTs changes nothing, so COMMIT ends it exactly as ROLLBACK
would: its snapshot, row locks and transaction-level advisory locks go either way. :class:`Connection`
ends such a transaction with COMMIT when asked to roll it back, and psycopg keeps its prepared statements.
Any other statement (INSERT, UPDATE, DELETE, DDL, SAVEPOINT, a CTE, COPY, ``executemany``), or an error
that aborted the transaction, makes the rollback a real ROLLBACK, as before. (A SELECT of a function with
side effects, such as ``pg_notify`` or a session-wide ``set_config``, would keep them; the application
sends none.)

The queries of reports and exports (what a request reads while it reads from the replica,
:func:`lms.core.replica.reading`) are never prepared: their plans depend on the period, unit and course asked
for, and the generic plan PostgreSQL may settle on for a prepared statement after five runs made a national
XLSX download take 5 s instead of 1. They are planned afresh each time, as before.

The cursors also describe their results only when asked (:class:`Cursor`): SQLAlchemy reads a result's
description only to see whether rows came back, once it has the statement's columns cached, and psycopg
built a ``Column`` object per column of every result for that.

SQLite connections are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lms.core.replica import reading

_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


def only_reads(query) -> bool:
    """Whether a statement is a SELECT (or empty, as a ping): anything else may change something."""
    if isinstance(query, bytes):
        query = query.decode("utf-8", "replace")
    if not isinstance(query, str):
        return False  # a composed statement (psycopg.sql): not looked into
    head = query[:32].lstrip()
    return head[:6].upper() == "SELECT" or query.strip() in ("", ";")


class Connection(psycopg.Connection):
    """A psycopg connection that ends a transaction which only read with COMMIT when asked to roll it back,
    so that its prepared statements are kept (see the module's text)."""

    _lms_wrote = False  # something other than a SELECT was sent in the current transaction

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._lms_wrote = False

    def rollback(self) -> None:
        try:
            if not self._lms_wrote and self.pgconn.transaction_status == TransactionStatus.INTRANS:
                super().commit()  # nothing to undo: the same end, and psycopg keeps what it prepared
            else:
                super().rollback()
        finally:
            self._lms_wrote = False


class Cursor(psycopg.Cursor):
    """Notes on its connection any statement that may write; describes a result only when asked."""

    __slots__ = ()

    def execute(self, query, params=None, **kwargs):
        if not only_reads(query):
            self._conn._lms_wrote = True
        elif reading():  # a report's query: planned for the values asked, every time
            kwargs.setdefault("prepare", False)
        return super().execute(query, params, **kwargs)

    def executemany(self, query, params_seq, **kwargs):
        self._conn._lms_wrote = True
        return super().executemany(query, params_seq, **kwargs)

    def copy(self, statement, params=None, **kwargs):
        self._conn._lms_wrote = True
        return super().copy(statement, params, **kwargs)

    def stream(self, query, params=None, **kwargs):
        if not only_reads(query):
            self._conn._lms_wrote = True
        return super().stream(query, params, **kwargs)

    @property
    def description(self):
        result = self.pgresult
        if result is None or not (result.nfields or result.status in _ROWS):
            return None
        return Description(self, result)


class Description(Sequence):
    """``cursor.description`` of one result, whose ``Column`` objects are made on first use (from that
    result, even if the cursor has since moved on to another)."""

    __slots__ = ("_cursor", "_result", "_columns")

    def __init__(self, cursor: Cursor, result):
        self._cursor, self._result, self._columns = cursor, result, None

    def _list(self) -> list:
        if self._columns is None:
            described = _Described(self._result, self._cursor)
            self._columns = [psycopg.Column(described, i) for i in range(self._result.nfields)]
        return self._columns

    def __len__(self) -> int:
        return self._result.nfields

    def __getitem__(self, index):
        return self._list()[index]

    def __iter__(self):
        return iter(self._list())

    def __repr__(self) -> str:
        return repr(self._list())


class _Described:
    """What psycopg's ``Column`` reads of a cursor, for one result of it."""

    __slots__ = ("pgresult", "adapters", "_encoding")

    def __init__(self, result, cursor: Cursor):
        self.pgresult, self.adapters, self._encoding = result, cursor.adapters, cursor._encoding


@event.listens_for(Engine, "do_connect")
def _connect(dialect, conn_rec, cargs, cparams):
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        return None
    cparams.setdefault("cursor_factory", Cursor)
    return Connection.connect(*cargs, **cparams)
