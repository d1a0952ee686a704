"""Checking a pooled PostgreSQL connection when a request takes it, with no round trip when it was just used.

SQLAlchemy's ``pool_pre_ping`` sends an empty statement to the server each time a connection leaves the
pool: one more round trip on every request (the public verification page, which needs one statement, needed
two). Instead, when a psycopg connection leaves the pool:

* one non-blocking ``select()`` on its socket finds a connection the server has closed (a restart, a
  failover, ``pg_terminate_backend``, an idle timeout). Nothing is asked of a connection while the pool holds
  it, so the server has nothing to send it; data or end-of-file waiting there means the server said goodbye.
  The pool then replaces that connection, and the request never sees it. (The server may also tell an idle
  connection of a setting reloaded or of a standby promoted: taken for a goodbye too, that costs only a new
  connection.)
* a connection that has waited longer than :data:`IDLE_PING_SECONDS` in the pool is pinged as
  ``pool_pre_ping`` would (a network that dropped it silently leaves nothing on the socket to find).

Other drivers (SQLite) are left as their engine options say.
"""

from __future__ import annotations

import select
import time

from sqlalchemy import event, exc
from sqlalchemy.pool import Pool

IDLE_PING_SECONDS = 10.0
_RETURNED = "lms_returned_at"  # ConnectionRecord.info key: when the connection last went back to the pool


def server_gone(dbapi_connection) -> bool:
    """Whether the server has closed this idle psycopg connection (no round trip)."""
    from psycopg.pq import ConnStatus, TransactionStatus

    if dbapi_connection.closed:
        return True
    pgconn = dbapi_connection.pgconn
    if pgconn.status != ConnStatus.OK or pgconn.transaction_status == TransactionStatus.UNKNOWN:
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except Exception:  # noqa: BLE001 - psycopg raises its own error for a socket it has closed
        return True
    return bool(readable)


def _ping(dbapi_connection) -> bool:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(";")  # what SQLAlchemy's pre-ping sends on PostgreSQL
    except Exception:  # noqa: BLE001 - any failure means the connection is not usable
        return False
    finally:
        try:
            cursor.close()
        except Exception:  # noqa: BLE001, S110 - closing a cursor of a dead connection may fail too
            pass
    return True


@event.listens_for(Pool, "checkin")
def _note_return(dbapi_connection, record) -> None:
    if record is not None:
        record.info[_RETURNED] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _check_on_checkout(dbapi_connection, record, proxy) -> None:
    if getattr(dbapi_connection, "pgconn", None) is None:
        return  # not psycopg
    if server_gone(dbapi_connection):
        raise exc.DisconnectionError("the server closed this pooled connection")
    returned = record.info.get(_RETURNED)
    # A connection just opened has not been in the pool (``returned`` None): nothing to check.
    idle = returned is not None and time.monotonic() - returned > IDLE_PING_SECONDS
    if idle and not _ping(dbapi_connection):
        raise exc.DisconnectionError("a pooled connection idle for a while did not answer")
