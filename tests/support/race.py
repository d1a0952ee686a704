"""One way to race requests against the real database: every worker in its own thread, app context and
session, all released at once by a barrier.

    outcomes = race(app, work, [(user_a,), (user_b,)])   # or race(app, work, 8): work(0) ... work(7)
    outcomes.results(DomainError)   # each worker's return value, or its DomainError; any other error fails
    outcomes.errors                 # what the workers raised
    outcomes.values                 # what the workers that succeeded returned

After ``work`` returns, the worker commits (``commit=False`` when ``work`` commits itself); when it raises,
the worker rolls back and the error is kept for the test. The session is removed at the end either way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lms.extensions import db

BARRIER_TIMEOUT = 30  # seconds for every worker to reach the start line
JOIN_TIMEOUT = 120  # seconds for each worker to finish


@dataclass
class Outcome:
    """How one worker ended: what ``work`` returned, or what it raised."""

    args: tuple
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class Outcomes(list[Outcome]):
    """The workers' outcomes, in the order of the arguments they were given."""

    @property
    def values(self) -> list[Any]:
        return [o.value for o in self if o.ok]

    @property
    def errors(self) -> list[BaseException]:
        return [o.error for o in self if o.error is not None]

    def results(self, *expected: type[BaseException]) -> list[Any]:
        """Each worker's value, or its error when it is one of ``expected``; any other error fails the test."""
        unexpected = [e for e in self.errors if not isinstance(e, expected)]
        assert not unexpected, unexpected
        return [o.value if o.ok else o.error for o in self]


def race(
    app,
    work: Callable[..., Any],
    args: Iterable[tuple] | int,
    *,
    commit: bool = True,
) -> Outcomes:
    """Run ``work(*a)`` for each ``a`` in ``args`` (an int n stands for ``(0,) ... (n - 1,)``), all at once."""
    arg_list = [(i,) for i in range(args)] if isinstance(args, int) else [tuple(a) for a in args]
    outcomes = Outcomes(Outcome(a) for a in arg_list)
    barrier = threading.Barrier(len(arg_list))

    def worker(outcome: Outcome) -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=BARRIER_TIMEOUT)
                outcome.value = work(*outcome.args)
                if commit:
                    db.session.commit()
            except BaseException as error:  # noqa: BLE001 - kept for the test
                outcome.error = error
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(outcome,)) for outcome in outcomes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=JOIN_TIMEOUT)
    return outcomes
