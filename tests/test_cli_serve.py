"""`easeback serve` listens on this machine only."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "example.org"])  # noqa: S104
def test_serve_refuses_any_host_but_loopback(cli, host: str) -> None:  # type: ignore[no-untyped-def]
    result = cli("serve", "--host", host)

    assert result.exit_code == 2
    assert "this machine only" in result.stderr
    assert "Traceback" not in result.output


def test_serve_names_a_port_already_in_use_and_suggests_another(cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = cli("serve", "--port", str(port))

    assert result.exit_code == 2
    assert f"cannot listen on port {port}: it is already in use" in result.stderr
    assert f"--port {port + 1}" in result.stderr
