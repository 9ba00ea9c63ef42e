"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets generated valid and invalid requests, signed in as an investigator who
leads a case holding a clip; no answer may be a 5xx, and every answer must match the schema
(status codes, content types, bodies)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import Api
from tests.support import flows

EXAMPLES = 15
# Operations that take no input at all: nothing invalid can be generated for them.
NO_INPUT = {
    "GET /health",
    "GET /ready",
    "GET /api/audit/verify",
    "GET /api/audit/checkpoint",
    "POST /api/audit/checkpoint",
    "GET /api/retention/policies",
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_generated_requests_never_fail_the_server_or_the_schema(api: Api, footage: Path) -> None:
    flows.clip_in_case(api.archive.svc, footage)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.app)
    headers = api.auth("budi")
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        run_operation(operation.as_strategy(headers=headers), CHECKS)
    negated = 0
    for operation in operations:
        try:  # invalid requests: only where the operation takes some input to get wrong
            strategy = operation.as_strategy(
                generation_mode=schemathesis.GenerationMode.NEGATIVE, headers=headers
            )
            run_operation(strategy, [*CHECKS, negative_data_rejection])
            negated += 1
        except Unsatisfiable:
            assert operation.label in NO_INPUT, operation.label
    assert negated >= len(operations) - len(NO_INPUT)


def run_operation(strategy: st.SearchStrategy[Any], checks: list) -> None:  # type: ignore[type-arg]
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case: Any) -> None:
        case.call_and_validate(checks=checks)

    check()
