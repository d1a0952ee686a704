"""Every operation of the generated OpenAPI document, fuzzed by schemathesis through the WSGI app (no server),
as a trainee, an officer and an administrator: never a 5xx, and every response matches its schema."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from tests.api.conftest import bearer

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
MAX_EXAMPLES = 12


@pytest.mark.parametrize("role", ["trainee", "officer.shenzhen", "admin"])
def test_every_operation_conforms(app, world, role, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "CERTIFICATE_VERIFY_RATE_LIMIT", "100000 per minute")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    headers = bearer(world.secrets[role])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
