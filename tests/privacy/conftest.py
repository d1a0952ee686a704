"""Privacy fixtures: the reports' hand-computed data set (enrolments, attempts, attendance, feedback, a certificate
and their ledger entries) is the person's data the privacy tests export and pseudonymise."""

from __future__ import annotations

from tests.reports.conftest import data, pdf_text  # noqa: F401 - fixtures and helpers shared with the reports

# Ruff sees the names above as used through pytest's fixture lookup.
__all__ = ["data", "pdf_text"]
