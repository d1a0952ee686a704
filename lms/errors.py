"""Domain errors raised by services. Views turn them into form messages, flashes or 4xx JSON bodies."""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the action. ``message`` is shown to the person (already translated)."""

    status_code = 400

    def __init__(self, message, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code or type(self).__name__

    def __str__(self) -> str:
        return str(self.message)


class RuleViolation(DomainError):
    """A named rule forbids this (illegal transition, capacity, bar, conflict...)."""

    status_code = 409


class InvalidInput(DomainError):
    status_code = 400


class NotPermitted(DomainError):
    status_code = 403
