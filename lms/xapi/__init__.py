"""xAPI 1.0.3: learning records as Experience API statements, written to a file or sent to a Learning Record
Store.

``statements`` builds the statements from the database (streamed, never all in memory), ``validate`` checks
one against the rules of the specification, ``lrs`` sends them in batches and remembers how far it got
(``models``), ``cli`` is ``flask --app lms evidence xapi``.
"""
