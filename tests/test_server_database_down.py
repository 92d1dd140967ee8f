"""A clinic's PostgreSQL stopped while the server runs: every page and API call says
so with a 503 and when to try again (the phone's outbox keeps what it could not send),
never "something went wrong", and the server answers again once the database is back."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from browser import free_port
from server_helpers import PUBLIC_URL, clinic


@pytest.mark.parametrize(
    ("who", "method", "path"),
    [
        ("pat_a", "GET", "/today"),
        ("pat_a", "GET", "/api/today"),
        ("pat_a", "GET", "/diary"),
        ("dr_a", "GET", "/clinic"),
        (None, "POST", "/login"),
    ],
)
def test_a_stopped_database_is_a_503_that_says_to_try_again(
    postgres_url: str, who: str | None, method: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    with clinic(postgres_url) as c:
        browser = c.client(who)
        browser.get("/login")  # the form's CSRF cookie, for the login tried below
        cookies = dict(browser.cookies)
        working = c.app.state.clinic  # type: ignore[attr-defined]
        # Nothing listens on a fresh free port: as PostgreSQL stopped.
        down = create_engine(f"postgresql+psycopg://easeback@127.0.0.1:{free_port()}/clinic")
        c.app.state.clinic = down  # type: ignore[attr-defined]
        phone = TestClient(c.app, base_url=PUBLIC_URL, raise_server_exceptions=False)  # type: ignore[arg-type]
        phone.cookies.update(cookies)
        data = {
            "email": "pat_a@clinic.test",
            "password": "x",
            "csrf": cookies.get("easeback_csrf", ""),
        }
        with caplog.at_level(logging.ERROR):
            answer = (
                phone.get(path, follow_redirects=False)
                if method == "GET"
                else phone.post(path, data=data, follow_redirects=False)
            )
        assert answer.status_code == 503, answer.text[:300]
        assert answer.headers["retry-after"] == "30"
        assert "cannot reach its database" in answer.text
        assert "Nothing you saved is lost" in answer.text
        assert "went wrong" not in answer.text
        if path.startswith("/api/"):
            assert answer.json()["detail"].startswith("The clinic's server cannot reach")
        assert not any(r.exc_info for r in caplog.records)  # one line, no traceback
        c.app.state.clinic = working  # type: ignore[attr-defined]
        down.dispose()
        if who is not None:
            assert browser.get(path).status_code == 200  # back as soon as it answers
