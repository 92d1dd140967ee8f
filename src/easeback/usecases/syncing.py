"""Keeping one diary with the clinic's server: link, sync, unlink, and how it went.

The one place the CLI and the local web app reach the server from. A device pushes
the records it made and pulls what it lacks (store/exchange.py), in batches, each
batch stored with its cursor in one transaction, so a sync cut off anywhere goes on
from where it was at the next one. What happened last is kept in the link file
beside the store (sync/link.py), so ``easeback sync --status`` and the web app can
say it without the network.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine

from easeback.sync.link import Failure, Link, forget_link, read_link, write_link
from easeback.sync.wire import SyncFailure, Transport, http_transport
from easeback.usecases import clock

__all__ = [
    "Failure",
    "Link",
    "SyncFailure",
    "SyncReport",
    "SyncStatus",
    "is_linked",
    "link_device",
    "sync_after_session",
    "sync_now",
    "sync_status",
    "unlink_device",
]

# Records per batch, each way: a batch of events is some 150 KB of JSON.
BATCH = 2000
# How far a device's clock may be from the server's: "newest wins" compares times
# made on different machines.
CLOCK_SLACK = timedelta(minutes=5)


@dataclass(frozen=True)
class SyncReport:
    """One sync that went through: records sent and received (new on the other side
    or here), those the other side already had, and its cost."""

    sent: int
    received: int
    already: int
    seconds: float
    bytes_sent: int
    bytes_received: int
    at: datetime


@dataclass(frozen=True)
class SyncStatus:
    """What ``easeback sync --status`` says: the link (None: not linked), when the
    last sync went through, why the last attempt failed (None if it did not), how many
    records made here wait to be sent, and when the server erased the records."""

    link: Link | None
    last_ok: datetime | None
    last_failure: Failure | None
    waiting: int
    erased_at: datetime | None


def store_path(engine: Engine) -> Path:
    """The SQLite store file the link file is kept beside (and named after)."""
    from easeback.usecases.recording import store_file

    path = store_file(engine)
    if path is None:
        raise SyncFailure(
            "store",
            "only a person's own store file can be linked to a clinic's server (this "
            "store is a database server); use the default store or --db FILE",
        )
    return path


def is_linked(engine: Engine) -> bool:
    try:
        return read_link(store_path(engine)) is not None
    except SyncFailure:
        return False


def link_device(
    engine: Engine,
    server: str,
    *,
    email: str,
    password: str,
    code: str | None,
    device_name: str,
    transport: Transport | None = None,
) -> Link:
    """Join the patient's account on ``server`` (with an invitation ``code``, making
    the account, or with a login), keep the device's token in the link file (mode
    0600). Prescriptions the clinic publishes arrive with the next sync, with the trust
    the server's store gave their key. Raises SyncFailure with the server's words."""
    from easeback.sync.client import link

    store = store_path(engine)
    if read_link(store) is not None:
        raise SyncFailure(
            "linked", "this store is already linked to a server; run `easeback unlink` first"
        )
    made = link(
        transport or http_transport(server),
        server=server,
        email=email,
        password=password,
        code=code,
        device_name=device_name,
        now=clock.wall_now(),
    )
    write_link(store, made)
    return made


def unlink_device(engine: Engine, *, transport: Transport | None = None) -> str:
    """Forget the link (the token and where the server is), telling the server first
    so it revokes the token. Returns what the server made of it: "heard" (revoked
    now), "gone" (the token was already revoked, unknown or its records erased),
    "unreachable" (it still lists this device), or "damaged" (the link file could not
    be read, so the server was not told). The link is forgotten here in every case."""
    from easeback.sync.client import revoke_self

    store = store_path(engine)
    try:
        made = read_link(store)
    except SyncFailure as failure:
        if failure.kind != "link_file":
            raise
        forget_link(store)
        return "damaged"
    if made is None:
        raise SyncFailure("not_linked", "this store is not linked to a server")
    try:
        revoke_self(transport or http_transport(made.server), made)
        outcome = "heard"
    except SyncFailure as failure:
        outcome = "gone" if failure.kind in {"token", "revoked", "erased"} else "unreachable"
    forget_link(store)
    return outcome


def sync_now(engine: Engine, *, transport: Transport | None = None) -> SyncReport:
    """Push what the server lacks, pull what this device lacks, then count progression
    again from the merged log. Raises SyncFailure (kept for ``sync_status``)."""
    from easeback.sync.client import run_sync

    store = store_path(engine)
    made = read_link(store)
    if made is None:
        raise SyncFailure(
            "not_linked",
            "this store is not linked to a clinic's server; run `easeback link CODE "
            "--server URL` first",
        )
    if made.erased_at is not None:
        raise SyncFailure("erased", erased_words(made.erased_at))
    started = time.perf_counter()
    try:
        counts = run_sync(
            engine,
            transport or http_transport(made.server),
            made,
            batch=BATCH,
            slack=CLOCK_SLACK,
            now=clock.wall_now,
        )
    except SyncFailure as failure:
        write_link(store, made.failed(failure, clock.wall_now()))
        raise
    if counts.received:
        count_again(engine)
    report = SyncReport(
        sent=counts.sent,
        received=counts.received,
        already=counts.already,
        seconds=time.perf_counter() - started,
        bytes_sent=counts.bytes_sent,
        bytes_received=counts.bytes_received,
        at=clock.wall_now(),
    )
    from easeback.store.exchange import mark

    with engine.connect() as connection:
        pushed, pulled = (mark(connection, made.mark(n)) for n in ("pushed", "pulled"))
    write_link(store, made.succeeded(report.at, pushed, pulled))
    return report


def count_again(engine: Engine) -> None:
    """Progression, follow-ups and the calendar from the merged log, by the very rules
    a session ends with."""
    from easeback.usecases.aftercare import catch_up_progress, rewrite_calendars

    catch_up_progress(engine)
    rewrite_calendars(engine)


def erased_words(at: datetime) -> str:
    return (
        f"the clinic erased your records on its server on {at:%Y-%m-%d}, as asked; this "
        "device keeps its own copy and sends nothing back. Run `easeback unlink` to "
        "forget the server"
    )


def sync_after_session(engine: Engine) -> SyncReport | SyncFailure | None:
    """After a session, when linked: sync, and never raise (a failure is kept for the
    status and shown as one line). None when this store is not linked."""
    if not is_linked(engine):
        return None
    try:
        return sync_now(engine)
    except SyncFailure as failure:
        return failure


def sync_status(engine: Engine) -> SyncStatus:
    """What the link file and the store say, without the network."""
    from easeback.store.exchange import mark, waiting

    store = store_path(engine)
    made = read_link(store)
    if made is None:
        return SyncStatus(link=None, last_ok=None, last_failure=None, waiting=0, erased_at=None)
    with engine.connect() as connection:
        left = waiting(connection, after=mark(connection, made.mark("pushed")))
    return SyncStatus(
        link=made,
        last_ok=made.last_ok,
        last_failure=made.last_failure,
        waiting=left,
        erased_at=made.erased_at,
    )


def link_file(engine: Engine) -> Path:
    from easeback.sync.link import link_path

    return link_path(store_path(engine))
