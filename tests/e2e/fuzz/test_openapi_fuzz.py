"""Property-based fuzzing of every operation of `/openapi.json` (schemathesis) against a
real server on SQLite and on PostgreSQL: never a 5xx, every error in HubSpot's shape, every
response with a status and a body that the document describes.

Each operation gets a fixed number of derandomized examples (positive and negative), so a
run is reproducible and bounded; failures of every operation are gathered and reported
together rather than stopping at the first."""

from __future__ import annotations

from collections import Counter
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.conftest import LiveServer, new_account

# Examples per operation and mode: well under a minute per database on two cores.
EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 3}
STATUSES: dict[str, Counter[int]] = {}
ERROR_KEYS = {"status", "message", "correlationId", "category"}
# Operations tried without a valid token: each must answer 401 in HubSpot's shape.
UNAUTHENTICATED = [("GET", "/crm/v3/objects/{object_type}"),
                   ("POST", "/crm/v3/objects/{object_type}"),
                   ("POST", "/crm/v3/objects/{object_type}/search"),
                   ("PATCH", "/lifecycle/v1/settings"),
                   ("GET", "/crm/v3/properties/{object_type}")]


def hubspot_error_shape(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    body = response.json()
    assert isinstance(body, dict) and set(body) >= ERROR_KEYS, body
    assert body["status"] == "error", body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, hubspot_error_shape]


def _fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str],
          checks: list[Any], examples: int | None = None) -> str | None:
    """The first failure of one operation, as text (None when it held)."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples or EXAMPLES[mode], deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck), print_blob=False)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=checks)
        STATUSES.setdefault(operation.label, Counter())[response.status_code] += 1

    try:
        run()
    except Unsatisfiable:
        return None  # nothing to negate (no constrained input)
    except (Exception, BaseExceptionGroup) as exc:  # gathered and reported below
        return f"{operation.label} [{mode.value}]: {str(exc)[:1500]}"
    return None


def test_every_operation_answers_as_its_document_says(live_server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(live_server.base_url + "/openapi.json")
    account = new_account(live_server)
    failures: list[str] = []
    operations = [op.ok() for op in schema.get_all_operations()]
    assert len(operations) > 60
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            found = _fuzz(op, mode, account.headers, CHECKS)
            if found:
                failures.append(found)
    for label, counts in STATUSES.items():
        print(label, dict(counts))
    assert not failures, f"{len(failures)} failing:\n\n" + "\n\n".join(failures)


def test_operations_without_a_valid_token_answer_401(live_server: LiveServer) -> None:
    schema = schemathesis.openapi.from_url(live_server.base_url + "/openapi.json")

    def is_401(ctx: Any, response: Any, case: Any) -> bool | None:
        assert response.status_code == 401, (response.status_code, response.text[:300])
        return None

    failures = []
    for method, path in UNAUTHENTICATED:
        op = schema[path][method]
        for headers in ({"Authorization": "Bearer not-a-token"}, {"Authorization": ""}):
            found = _fuzz(op, GenerationMode.POSITIVE, headers,
                          [*CHECKS, is_401], examples=3)
            if found:
                failures.append(found)
    assert not failures, "\n\n".join(failures)
