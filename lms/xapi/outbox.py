"""xAPI statements through the outbox: queued with the fact, sent to the LRS by a task.

When a Learning Record Store is configured, recording an attempt's grade, an attendance or a course
completion in the ledger also queues an outbox message (same transaction) naming the stream and the row.
The task builds that fact's statements as ``evidence xapi`` would and sends them; their ids derive from
the facts, so a statement sent again (after a crash, or by the catch-up ``evidence xapi --send``) is one
the LRS already holds, and it is stored once.
"""

from __future__ import annotations

import uuid

from lms.config import setting
from lms.evidence.ledger import AFTER_RECORD
from lms.jobs.outbox import DeliveryFailed, queue_message, sender
from lms.xapi.statements import Vocabulary, iter_stream


def _stream_of(kind: str, subject) -> str | None:
    if kind == "attendance_marked":
        return "attended"
    if kind == "course_completed":
        return "course_completed"
    if kind.startswith("attempt_") and getattr(subject, "status", None) == "graded":
        return "attempts"
    return None


def queue_statements(kind: str, subject, entry) -> None:
    if not setting("XAPI_LRS_URL"):
        return
    stream = _stream_of(kind, subject)
    if stream is None:
        return
    # One message per recorded fact (the entry is chained only at commit, so it has no seq yet).
    key = f"xapi:{stream}:{subject.id}:{uuid.uuid4().hex}"
    queue_message("xapi", key=key, payload={"stream": stream, "row": subject.id})


AFTER_RECORD.append(queue_statements)


@sender("xapi")
def send_fact_statements(message) -> None:
    from lms.xapi.lrs import LrsClient, LrsError

    client = LrsClient.from_config()
    if client is None:
        raise DeliveryFailed("no Learning Record Store is configured (LMS_XAPI_LRS_URL)")
    stream, row = message.payload["stream"], int(message.payload["row"])
    statements = [item.statement for item in iter_stream(Vocabulary.from_app(), stream, row=row)]
    if not statements:
        return  # the fact is gone (or not yet a statement): nothing to say
    try:
        client.send(statements)
    except LrsError as error:
        raise DeliveryFailed(str(error)) from error
