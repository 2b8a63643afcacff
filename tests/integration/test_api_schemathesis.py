"""A property-based run over the API's OpenAPI spec (schemathesis): on every operation, generated requests — valid
and invalid — get no 5xx and no answer outside the schema the spec documents for its status."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration
EXAMPLES = 8  # per operation: 66 operations, ~500 requests


def test_no_server_error_and_answers_in_schema(api_client: Any, admin_token: str) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import response_schema_conformance

    from services.api.main import app

    api_client.get("/openapi.json")  # built once (62 marts) and cached by the app before schemathesis reads it
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 62 + 5 + 4
    # the demand slice publishes no indicator mart: /v1/kpi answers a documented 503 there (tests/integration/
    # test_api.py), so it is left out of this run; on a whole-district lake it is in
    has_kpi = api_client.get("/v1/kpi", params={"period": "2024"},
                             headers={"Authorization": f"Bearer {admin_token}"}).status_code != 503
    headers = {"Authorization": f"Bearer {admin_token}"}
    for operation in operations:
        if operation.path == "/v1/kpi" and not has_kpi:
            continue

        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

        check()
