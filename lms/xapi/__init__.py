"""xAPI 1.0.3: learning records as Experience API statements, written to a file or sent to a Learning Record
Store.

``statements`` builds the statements from the database (streamed, never all in memory), ``validate`` checks
one against the rules of the specification, ``lrs`` sends them in batches and remembers how far it got
(``models``), ``cli`` is ``flask --app lms evidence xapi``.
"""

from __future__ import annotations


def init_app(app) -> None:
    """Adds `flask evidence xapi` to the evidence group and registers the "xapi" outbox sender."""
    import lms.xapi.outbox  # noqa: F401 - its decorator registers the sender and the hooks that queue
    from lms.evidence.cli import cli as evidence_cli
    from lms.xapi import cli

    evidence_cli.add_command(cli.xapi_command)
