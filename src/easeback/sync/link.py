"""The link file: which server this store syncs with, the device's token, and how the
last sync went. Kept beside the store file and named after it (a second store in the
same folder is not linked by the first one's link), readable by its owner only: the
token opens the person's records on the server."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from easeback.sync.wire import SyncFailure

# Beside the store, named after it: two stores in one folder are two people.
LINK_SUFFIX = ".server-link.json"


@dataclass(frozen=True)
class Failure:
    """Why the last sync did not go through: its kind (server_down, revoked, clock...),
    the words to show, and when."""

    kind: str
    message: str
    at: datetime


@dataclass(frozen=True)
class Link:
    server: str
    account: str
    device: str
    device_name: str
    token: str
    linked_at: datetime
    clinic_name: str | None = None
    fingerprint: str | None = None
    last_ok: datetime | None = None
    last_failure: Failure | None = None
    erased_at: datetime | None = None
    # The store's cursors after the last sync that went through: a store found behind
    # them was restored from an older copy (see client.run_sync).
    pushed_seen: int = 0
    pulled_seen: int = 0

    def mark(self, name: str) -> str:
        """The name of one of this link's cursors in the store (a new link, to this or
        another server, starts from nothing)."""
        return f"{self.device}:{name}"

    def failed(self, failure: SyncFailure, at: datetime) -> Link:
        erased = failure.at or at if failure.kind == "erased" else self.erased_at
        return replace(
            self, last_failure=Failure(failure.kind, failure.message, at), erased_at=erased
        )

    def succeeded(self, at: datetime, pushed: int, pulled: int) -> Link:
        return replace(self, last_ok=at, last_failure=None, pushed_seen=pushed, pulled_seen=pulled)


def link_path(store: Path) -> Path:
    """The link file of the store file ``store``: ``easeback.db.server-link.json``."""
    return store.with_name(store.name + LINK_SUFFIX)


def read_link(store: Path) -> Link | None:
    path = link_path(store)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise SyncFailure(
            "link_file",
            f"cannot read {path} ({exc.__class__.__name__}); run `easeback unlink` and link again",
        ) from None
    try:
        if not isinstance(data, dict):
            raise TypeError("not an object")
        failure = data.get("last_failure")
        return Link(
            server=str(data["server"]),
            account=str(data["account"]),
            device=str(data["device"]),
            device_name=str(data["device_name"]),
            token=str(data["token"]),
            linked_at=datetime.fromisoformat(data["linked_at"]),
            clinic_name=data.get("clinic_name"),
            fingerprint=data.get("fingerprint"),
            last_ok=_time(data.get("last_ok")),
            last_failure=Failure(
                str(failure["kind"]), str(failure["message"]), datetime.fromisoformat(failure["at"])
            )
            if failure
            else None,
            erased_at=_time(data.get("erased_at")),
            pushed_seen=int(data.get("pushed_seen", 0)),
            pulled_seen=int(data.get("pulled_seen", 0)),
        )
    except (KeyError, TypeError, ValueError):
        raise SyncFailure(
            "link_file", f"{path} is damaged; run `easeback unlink` and link again"
        ) from None


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def write_link(store: Path, link: Link) -> None:
    """Write the link file whole (a temporary file renamed over it), mode 0600 from
    its first byte."""
    data = asdict(link)
    text = json.dumps(data, default=_json_default, indent=2, sort_keys=True)
    path = link_path(store)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, text.encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(partial, path)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def forget_link(store: Path) -> None:
    link_path(store).unlink(missing_ok=True)
