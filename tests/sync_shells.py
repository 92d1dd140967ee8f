"""A clinic's server as the sync commands and the Sync page meet it: the real sync
routes on PostgreSQL (sync_helpers.sync_app), behind a stand-in that links devices and
refuses them as the protocol says (a revoked token, a server that is down), and
canned answers for the tests that need no database."""

from __future__ import annotations

import json
import threading
from typing import Any

from easeback.server.accounts import Account
from easeback.sync.link import Link, write_link
from easeback.sync.wire import Reply, Transport
from server_helpers import PASSWORD, Clinic
from sync_helpers import START, in_process, sync_app

SERVER = "https://clinic.test"
CLINIC = "Riverside Physio"
CODE = "K7QM-2XDP"
FINGERPRINT = "5f3a9c2e"


def answer(status: int, body: Any = None) -> Reply:
    return Reply(status, json.dumps(body).encode("utf-8") if body is not None else b"")


def problem(status: int, kind: str, message: str, **extra: Any) -> Reply:
    return answer(status, {"problem": kind, "message": message, **extra})


REVOKED = problem(
    401, "revoked", "this device was unlinked on the server; link it again with `easeback link`"
)


class StandIn:
    """The clinic's server for one patient: POST /api/devices links a device (with
    ``CODE`` or with the patient's password), DELETE /api/sync/device revokes its
    token, a revoked token is refused, ``down`` refuses the connection, and
    ``hold`` (when set) keeps every sync request waiting until it is released; the
    rest goes to the real sync routes."""

    def __init__(self, hub: Clinic, who: str = "pat_a") -> None:
        self.account: Account = hub.people[who]
        self.devices: dict[str, tuple[Account, str]] = {}
        self.inner = in_process(sync_app(hub.app.state.clinic, self.devices))  # type: ignore[attr-defined]
        self.linked: list[dict[str, Any]] = []
        self.revoked: set[str] = set()
        self.paths: list[str] = []
        self.down = False
        self.hold: threading.Event | None = None
        self.held = threading.Event()

    def add(self, device: str) -> str:
        """A device linked before the test (as sync_helpers.device writes it)."""
        token = f"token-{device}"
        self.devices[token] = (self.account, device)
        return token

    def __call__(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None
    ) -> Reply:
        if self.down:
            raise ConnectionRefusedError("nothing listens there")
        assert headers.get("Easeback-Sync") == "1"
        self.paths.append(f"{method} {path.split('?')[0]}")
        if self.hold is not None:
            self.held.set()
            assert self.hold.wait(30), "the test never released the server"
        if path == "/api/devices":
            return self._link(json.loads(body or b"{}"))
        token = headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.revoked:
            return REVOKED
        if method == "DELETE" and path == "/api/sync/device":
            self.revoked.add(token)
            return answer(204)
        return self.inner(method, path, headers, body)

    def _link(self, given: dict[str, Any]) -> Reply:
        self.linked.append(given)
        if given["code"] not in (None, CODE):
            return problem(400, "code", "this invitation code is not known or has expired")
        if given["email"] != self.account.email or given["password"] != PASSWORD:
            return problem(
                401, "login", "that email and password do not match an account; check both"
            )
        device = f"device-{len(self.devices) + 1}"
        token = self.add(device)
        return answer(
            201,
            {
                "device": device,
                "token": token,
                "account": self.account.id,
                "server_time": START.isoformat(),
                "clinic": {"fingerprint": FINGERPRINT, "public_key": "key", "name": CLINIC},
            },
        )


def canned(reply: Reply | None, calls: list[str] | None = None) -> Transport:
    """A server answering every request with ``reply`` (None: nothing listens)."""

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if calls is not None:
            calls.append(f"{method} {path}")
        if reply is None:
            raise ConnectionRefusedError("nothing listens there")
        return reply

    return send


def linked_here(
    folder: Any, *, server: str = SERVER, account: str = "acct-1", **changes: Any
) -> Link:
    """A link file in ``folder``, as `easeback link` leaves it."""
    made = Link(
        server=server,
        account=account,
        device="laptop",
        device_name="Sam's laptop",
        token="token-laptop",
        linked_at=START,
        clinic_name=CLINIC,
        fingerprint=FINGERPRINT,
        **changes,
    )
    write_link(folder / "easeback.db", made)
    return made


def reach(monkeypatch: Any, transport: Transport) -> None:
    """Every server address leads to ``transport``."""
    import easeback.usecases.syncing

    monkeypatch.setattr(easeback.usecases.syncing, "http_transport", lambda server: transport)
