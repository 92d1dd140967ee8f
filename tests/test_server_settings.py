"""Settings an administrator may mistype, as ``easeback server`` meets them: each is
named with how to fix it (``check`` exits 1, ``init`` and ``run`` exit 2), and none
ends in a traceback. Nothing here needs PostgreSQL: the slips are caught before any
connection is tried."""

from __future__ import annotations

import pytest

from browser import free_port
from server_helpers import SECRET
from server_processes import easeback, server_env

GOOD_DB = "postgresql+psycopg://easeback@127.0.0.1:5432/easeback"
UNREADABLE = "EASEBACK_SERVER_DB cannot be read as a URL"


@pytest.mark.parametrize(
    ("setting", "value", "said"),
    [
        ("EASEBACK_SERVER_DB", "postgresql+psycopg://easeback@127.0.0.1:notaport/x", UNREADABLE),
        ("EASEBACK_SERVER_DB", "postgresql+psycopg://easeback@127.0.0.1:99999/x", UNREADABLE),
        ("EASEBACK_SERVER_DB", "postgresql://easeback@[::1/x", UNREADABLE),
        (
            "EASEBACK_PUBLIC_URL",
            "https://[clinic.example",
            "EASEBACK_PUBLIC_URL is 'https://[clinic",
        ),
        (
            "EASEBACK_PUBLIC_URL",
            "https://clinic.example:99999",
            "EASEBACK_PUBLIC_URL is 'https://clinic",
        ),
    ],
)
@pytest.mark.parametrize(("command", "code"), [("check", 1), ("init", 2), ("run", 2)])
def test_a_malformed_url_in_the_settings_is_named_not_a_traceback(
    setting: str, value: str, said: str, command: str, code: int
) -> None:
    settings = {"EASEBACK_SERVER_DB": GOOD_DB, "EASEBACK_SECRET": SECRET, setting: value}
    args = ["server", command]
    if command == "run":
        args += ["--port", str(free_port())]
    result = easeback(*args, env=server_env(**settings))
    assert result.returncode == code, result.stderr
    shown = result.stdout if command == "check" else result.stderr
    assert said in shown
    assert "unexpected" not in result.stderr
    assert "Traceback" not in result.stderr
