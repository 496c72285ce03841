"""Schemathesis against the OpenAPI document: generated requests to every route never get a 5xx, and the
answers match the documented status codes, content types and schemas (the document is the contract).

Kept short (a few examples per operation, derandomized). /chat is left out: it relays to a Rasa server
that is not running in tests (its 503 is tested in test_chat.py). The operations are driven through
hypothesis directly rather than schemathesis' pytest plugin, which does not run under pytest 9 yet.
"""
import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from api.main import create_app

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# `make contract-api` runs the same test with many more examples per operation.
EXAMPLES = int(os.environ.get("HAI_SCHEMATHESIS_EXAMPLES", "8"))


def test_generated_requests_get_no_5xx_and_match_the_document(api_settings, auth):
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(api_settings)).exclude(path="/api/v1/chat")
    failures: list[str] = []
    tested: list[str] = []
    statuses: dict[str, set[int]] = {}
    requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        tested.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            nonlocal requests
            requests += 1
            response = case.call_and_validate(headers=auth, checks=CHECKS)
            statuses.setdefault(operation.label, set()).add(response.status_code)

        try:
            run()
        except Exception as exc:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(exc)[:1500]}")
    assert "POST /api/v1/bills/batch" in tested and "GET /api/v1/pagu/{kode_satker}" in tested
    assert not failures, "\n\n".join(failures)
    # The generated requests reached the handlers (valid ones answered, malformed ones refused), not just the gate.
    assert 200 in statuses["POST /api/v1/ask"], statuses
    assert {404, 422} & statuses["POST /api/v1/bills/check"], statuses
    assert 422 in statuses["POST /api/v1/bills/batch"], statuses
    print(f"schemathesis: {requests} generated requests over {len(tested)} operations, 0 failures")
    print({label: sorted(codes) for label, codes in statuses.items()})
