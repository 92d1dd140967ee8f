"""Real ``easeback server run`` processes for the tests and the upload benchmark: each
started on a free port with the environment it is given, ready once /healthz answers
(polled against a deadline, never a fixed sleep), stopped with SIGTERM as systemd
stops it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx2

from browser import free_port

EASEBACK = str(Path(sys.executable).parent / "easeback")
READY_S = 90.0  # workers import FastAPI and open the database; a busy machine is slow
STOP_S = 30.0


def server_env(**settings: str) -> dict[str, str]:
    """This process's environment without any easeback setting, plus ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EASEBACK_")}
    env.update(settings)
    return env


def easeback(
    *args: str, env: Mapping[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """One ``easeback`` command in its own process, as an administrator runs it."""
    return subprocess.run(
        [EASEBACK, *args], env=dict(env), input=stdin, capture_output=True, text=True, timeout=120
    )


@dataclass
class RunningServer:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def wait_until_ready(server: RunningServer, host: str, verify: Any = True) -> None:
    """Return once the server answers /healthz; fail with its output if it exits or
    stays silent past the deadline. Waiting on the process paces the polling."""
    deadline = time.monotonic() + READY_S
    with httpx2.Client(verify=verify, timeout=5) as client:
        while time.monotonic() < deadline:
            try:
                answer = client.get(f"{server.url}/healthz", headers={"Host": host})
                if answer.status_code == 200:
                    return
            except httpx2.TransportError:
                pass
            try:
                server.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            raise AssertionError(
                f"the server exited with {server.process.returncode}:\n{server.output()[-3000:]}"
            )
    raise AssertionError(f"the server did not answer within {READY_S:g} s:\n{server.output()}")


def stop(server: RunningServer) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()


@contextmanager
def running(
    env: Mapping[str, str],
    *options: str,
    host: str | None = None,
    verify: Any = True,
    workers: int = 1,
    port: int | None = None,
) -> Iterator[RunningServer]:
    """``easeback server run`` on a free port (or ``port``: a server restarted where
    its devices know it) until the block ends; ``host`` is the Host header to poll
    with (the public URL's, or the bind address's by default)."""
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="easeback-server-") as folder:
        log = Path(folder) / "server.log"
        argv = [EASEBACK, "server", "run", "--port", str(port), "--workers", str(workers)]
        with log.open("wb") as out:
            process = subprocess.Popen(
                [*argv, *options], env=dict(env), stdout=out, stderr=subprocess.STDOUT
            )
        scheme = "https" if "--cert" in options else "http"
        server = RunningServer(port, process, log, scheme)
        try:
            wait_until_ready(server, host or f"127.0.0.1:{port}", verify)
            yield server
        finally:
            stop(server)


class Browser:
    """An HTTP client that keeps its cookies itself (so a login can be carried from one
    server to another) and sends the public URL's Host to whichever server it asks."""

    def __init__(self, host: str, verify: Any = True) -> None:
        self.host = host
        self.cookies: dict[str, str] = {}
        self.client = httpx2.Client(verify=verify, timeout=30, follow_redirects=False)

    def request(self, server: RunningServer, method: str, path: str, **options: Any) -> Any:
        headers = {"Host": self.host, **options.pop("headers", {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        answer = self.client.request(method, f"{server.url}{path}", headers=headers, **options)
        for line in answer.headers.get_list("set-cookie"):
            for name, morsel in SimpleCookie(line).items():
                self.cookies[name] = morsel.value
        return answer

    def get(self, server: RunningServer, path: str, **options: Any) -> Any:
        return self.request(server, "GET", path, **options)

    def post_api(self, server: RunningServer, path: str, body: Any) -> Any:
        """A JSON call that changes data, with the CSRF token as the page's script sends it."""
        token = self.cookies.get("easeback_csrf", "")
        return self.request(server, "POST", path, json=body, headers={"X-CSRF-Token": token})

    def post_form(
        self, server: RunningServer, path: str, form: dict[str, str], **options: Any
    ) -> Any:
        if "easeback_csrf" not in self.cookies:
            self.get(server, "/login")
        form = {"csrf": self.cookies["easeback_csrf"], **form}
        return self.request(server, "POST", path, data=form, **options)

    def close(self) -> None:
        self.client.close()
