"""Generated requests against the API's own OpenAPI schema: whatever a client sends
(with the CSRF token, as a browser would), the server never answers with a server
error, and every answer is one the schema describes. And the schema itself describes
the token, every status a route can answer and every body, so a generated client
gets typed objects."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    ignored_auth,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from helpers import WEB_PORT, screened_store

TOKEN = "t" * 43  # the CSRF cookie and header a browser would echo
HOST = {"Host": f"127.0.0.1:{WEB_PORT}"}
# Every answer is one the schema describes: its status, its media type, its headers and
# its body; and a change sent without the token is refused.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]


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
        "GET /api/sessions/{session_id}/track.{fmt}",
        "GET /api/play",
        "POST /api/diary",
    }


def test_every_generated_request_gets_an_answer_the_schema_describes(
    operations: dict[str, Any], app: Any
) -> None:
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
            case.headers = {**(case.headers or {}), **HOST, "X-CSRF-Token": TOKEN}
            case.cookies = {**(case.cookies or {}), "easeback_csrf": TOKEN}
            response = case.call()
            case.validate_response(response, checks=CHECKS)

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{label}: {exc}") from exc


@pytest.fixture
def openapi(client: Any) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/api/openapi.json").json()
    return document


def test_the_schema_documents_the_csrf_token_on_every_change(openapi: dict[str, Any]) -> None:
    scheme = openapi["components"]["securitySchemes"]["csrfToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-CSRF-Token")
    assert "easeback_csrf" in scheme["description"]
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            expected = [{"csrfToken": []}] if method == "post" else None
            assert operation.get("security") == expected, (method, path)


def test_every_answer_has_a_typed_body_and_every_error_the_one_shape(
    openapi: dict[str, Any],
) -> None:
    error = {"$ref": "#/components/schemas/ErrorBody"}
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            where = f"{method.upper()} {path}"
            answers = operation["responses"]
            assert "400" in answers, where  # a foreign Host, refused before any route
            if method == "post":
                assert "403" in answers, where
            for status, answer in answers.items():
                if path.endswith("/track.{fmt}") and status in ("200", "206", "304"):
                    media = answer.get("content", {})  # the track itself, or nothing (304)
                    assert all(m.startswith("audio/") for m in media), (where, status)
                    continue
                schema = answer["content"]["application/json"]["schema"]
                if status.startswith(("4", "5")):
                    assert schema == error, (where, status)
                else:
                    assert schema != {} and "$ref" in str(schema), (where, status)
    body = openapi["components"]["schemas"]["ErrorBody"]
    assert set(body["properties"]) == {"detail", "errors", "cause"}
    assert body["required"] == ["detail", "errors", "cause"]  # always there, for typed clients
