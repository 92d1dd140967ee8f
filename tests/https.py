"""HTTPS for the phone tests: a test certificate authority (trustme), a clinic's server
serving a certificate it issued, and Debian's Chromium trusting that authority (in an
NSS database of its own, as a phone trusts a real certificate), so that service
workers and installation see a real secure context on a name that is not loopback."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import trustme
import uvicorn

from browser import CHROMIUM, CHROMIUM_ARGS

HOST = "clinic.test"


class Https:
    """A test certificate authority and a certificate it issued for ``HOST``, as files."""

    def __init__(self, folder: Path) -> None:
        self.authority = trustme.CA()
        issued = self.authority.issue_cert(HOST)
        self.ca = folder / "ca.pem"
        self.cert = folder / "cert.pem"
        self.key = folder / "key.pem"
        self.authority.cert_pem.write_to_path(str(self.ca))
        issued.cert_chain_pems[0].write_to_path(str(self.cert))
        for extra in issued.cert_chain_pems[1:]:
            extra.write_to_path(str(self.cert), append=True)
        issued.private_key_pem.write_to_path(str(self.key))


def trusting_home(https: Https, folder: Path) -> Path:
    """A home folder whose NSS database trusts the test authority (Chromium on Linux
    reads ``~/.pki/nssdb``)."""
    nssdb = folder / ".pki" / "nssdb"
    nssdb.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
    subprocess.run(
        [
            "certutil",
            "-A",
            "-d",
            f"sql:{nssdb}",
            "-t",
            "C,,",
            "-n",
            "easeback test CA",
            "-i",
            str(https.ca),
        ],
        check=True,
    )
    return folder


def launch_trusting(browser_type: Any, home: Path, port: int) -> Any:
    """Chromium with ``home``'s trust, resolving ``HOST`` to this machine."""
    return browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HOST}:{port} 127.0.0.1:{port}"],
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


class ThreadedServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # the test's thread owns the signals
        pass


@contextmanager
def serving(app: Any, https: Https, port: int) -> Iterator[str]:
    """``app`` over HTTPS on ``port`` of this machine, in a thread; its base URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ssl_certfile=str(https.cert),
        ssl_keyfile=str(https.key),
        log_level="warning",
    )
    server = ThreadedServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the HTTPS server did not start")
        time.sleep(0.01)  # polling for readiness, not waiting out time
    try:
        yield f"https://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def loopback_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A certificate for 127.0.0.1, its key, and the test CA that signed it, as PEM
    files in ``folder`` (for `easeback server run --cert --key`, and SSL_CERT_FILE)."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    cert, key, authority = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    ca.cert_pem.write_to_path(str(authority))
    return cert, key, authority
