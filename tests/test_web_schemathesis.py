"""Generated requests against the API's own OpenAPI schema: whatever a client sends,
the server never answers with a server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from helpers import WEB_PORT, screened_store

TOKEN = "t" * 43  # the CSRF cookie and header a browser would echo
HOST = {"Host": f"127.0.0.1:{WEB_PORT}"}


@pytest.fixture
def operations(app: Any) -> dict[str, Any]:
    screened_store(app.state.engine)  # so session requests get past the safety gate
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app, headers=HOST)
    found = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        found[operation.label] = operation
    return found


def test_the_schema_describes_every_api_operation(operations: dict[str, Any]) -> None:
    assert set(operations) == {
        "GET /api/today",
        "GET /api/stretches",
        "GET /api/stretches/{stretch_id}",
        "GET /api/sessions",
        "POST /api/sessions",
        "GET /api/sessions/{session_id}",
        "POST /api/sessions/{session_id}/events",
        "POST /api/sessions/{session_id}/pain",
    }


def test_no_generated_request_makes_a_server_error(operations: dict[str, Any], app: Any) -> None:
    from easeback.content.library import load_routine
    from easeback.web.sessions import Chosen, start_session

    real = start_session(app.state.engine, Chosen(load_routine("bed"), None, None, 1.0), None)
    for label, operation in sorted(operations.items()):

        @given(case=operation.as_strategy())
        @settings(
            max_examples=40,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: Any) -> None:
            if case.path_parameters and "session_id" in case.path_parameters:
                case.path_parameters["session_id"] = real["id"]  # events for a real session
            response = case.call(
                headers={"X-CSRF-Token": TOKEN, **HOST}, cookies={"easeback_csrf": TOKEN}
            )
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{label}: {exc}") from exc
