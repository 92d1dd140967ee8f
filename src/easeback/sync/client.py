"""One sync, as the device runs it: check the clocks, push, then pull.

Each push batch is the ledger's next lines made here; the cursor moves on only once
the server has answered, so a batch cut off is sent again (and found already
stored). Each pulled batch is stored with its cursor in one transaction, so a batch
cut off is asked for again. Either way nothing is lost and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from easeback.store.exchange import (
    ExchangeError,
    Outgoing,
    forget_progress_from,
    mark,
    outgoing,
    set_mark,
    store,
)
from easeback.sync.link import Link
from easeback.sync.wire import SyncFailure, Transport, call

# The source written on the ledger lines of records pulled from the server (they are
# never pushed back).
FROM_SERVER = "server"


@dataclass
class Counts:
    sent: int = 0
    received: int = 0
    already: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0


def link(
    transport: Transport,
    *,
    server: str,
    email: str,
    password: str,
    code: str | None,
    device_name: str,
    now: datetime,
) -> Link:
    answer = call(
        transport,
        "POST",
        "/api/devices",
        payload={"code": code, "email": email, "password": password, "device": device_name},
    )
    try:
        clinic = answer.get("clinic") or {}
        return Link(
            server=server.rstrip("/"),
            account=str(answer["account"]),
            device=str(answer["device"]),
            device_name=device_name,
            token=str(answer["token"]),
            linked_at=now,
            clinic_name=clinic.get("name"),
            fingerprint=clinic.get("fingerprint"),
        )
    except (AttributeError, KeyError, TypeError):
        raise SyncFailure(
            "not_easeback", "the server's answer to linking was not easeback's"
        ) from None


def revoke_self(transport: Transport, made: Link) -> None:
    call(transport, "DELETE", "/api/sync/device", token=made.token)


def run_sync(
    engine: Engine,
    transport: Transport,
    made: Link,
    *,
    batch: int,
    slack: timedelta,
    now: Callable[[], datetime],
) -> Counts:
    """Push, then pull; the caller counts progression again when records arrived."""
    counts = Counts()
    counter = [0, 0]
    hello = call(transport, "GET", "/api/sync/hello", token=made.token, counter=counter)
    check_hello(hello, made, now(), slack)
    restored = rolled_back(engine, made)
    push(engine, transport, made, batch, counts, counter, now)
    pull(engine, transport, made, batch, counts, counter, now, own=restored)
    counts.bytes_sent, counts.bytes_received = counter
    return counts


def rolled_back(engine: Engine, made: Link) -> bool:
    """Is the store behind the cursors the last sync left (restored from an older
    copy)? Then records made here since that copy are only on the server: everything
    is asked for again, this device's own records included."""
    with engine.begin() as connection:
        pushed = mark(connection, made.mark("pushed"))
        pulled = mark(connection, made.mark("pulled"))
        if pushed >= made.pushed_seen and pulled >= made.pulled_seen:
            return False
        set_mark(connection, made.mark("pulled"), 0)
    return True


def check_hello(hello: object, made: Link, now: datetime, slack: timedelta) -> None:
    if not isinstance(hello, dict) or "server_time" not in hello:
        raise SyncFailure("not_easeback", "the server's answer was not easeback's")
    if hello.get("account") != made.account:
        raise SyncFailure(
            "account",
            "the server says this device belongs to another account; run `easeback "
            "unlink` and link again",
        )
    try:
        server_time = datetime.fromisoformat(str(hello["server_time"]))
    except ValueError:
        raise SyncFailure("not_easeback", "the server's time could not be read") from None
    if server_time.tzinfo is None:
        server_time = server_time.replace(tzinfo=UTC)
    off = now - server_time
    if abs(off) > slack:
        minutes = round(abs(off).total_seconds() / 60)
        way = "ahead of" if off > timedelta(0) else "behind"
        raise SyncFailure(
            "clock",
            f"this computer's clock is {minutes} minutes {way} the server's; set the "
            "clock right (or turn on automatic time) and sync again",
        )


def push(
    engine: Engine,
    transport: Transport,
    made: Link,
    batch: int,
    counts: Counts,
    counter: list[int],
    now: Callable[[], datetime],
) -> None:
    """Send the records made here, batch after batch; the next batch is read from the
    store while the server stores the one before. A batch the server finds too large
    (long notes, say) is sent again in smaller ones."""
    name = made.mark("pushed")

    def read(after: int, limit: int) -> Outgoing:
        with engine.connect() as connection:
            return outgoing(connection, after=after, limit=limit)

    with engine.connect() as connection:
        after = mark(connection, name)
    with ThreadPoolExecutor(max_workers=1) as reader:
        out = read(after, batch)
        while True:
            ahead = reader.submit(read, out.next, batch) if out.more else None
            if out.count:
                try:
                    answer = call(
                        transport,
                        "POST",
                        "/api/sync/push",
                        token=made.token,
                        payload={
                            "account": made.account,
                            "device": made.device,
                            "clock": now().isoformat(),
                            "tables": out.tables,
                            "last": not out.more,
                        },
                        counter=counter,
                    )
                except SyncFailure as failure:
                    if failure.kind != "size" or batch == 1:
                        raise
                    batch = max(1, batch // 4)
                    out = read(after, batch)
                    continue
                if not isinstance(answer, dict) or not all(
                    isinstance(answer.get(k), int) for k in ("stored", "already")
                ):
                    raise SyncFailure(
                        "not_easeback", "the server's answer to a push was not easeback's"
                    )
                counts.sent += answer["stored"]
                counts.already += answer["already"]
            if out.next != after:
                with engine.begin() as connection:
                    set_mark(connection, name, out.next)
                after = out.next
            if ahead is None:
                return
            out = ahead.result()


def pull(
    engine: Engine,
    transport: Transport,
    made: Link,
    batch: int,
    counts: Counts,
    counter: list[int],
    now: Callable[[], datetime],
    *,
    own: bool = False,
) -> None:
    """Store what the server has that this device lacks, batch after batch, each with
    its cursor in one transaction; ``own``: this device's records too."""
    name = made.mark("pulled")
    while True:
        with engine.connect() as connection:
            after = mark(connection, name)
        answer = call(
            transport,
            "GET",
            "/api/sync/pull",
            token=made.token,
            query={"after": after, "limit": batch, **({"own": 1} if own else {})},
            counter=counter,
        )
        reached = answer.get("next") if isinstance(answer, dict) else None
        more = answer.get("more") if isinstance(answer, dict) else None
        if (
            not isinstance(reached, int)
            or not isinstance(more, bool)
            or not after <= reached < 2**62
            or (more and reached == after)
        ):
            raise SyncFailure("not_easeback", "the server's answer to a pull was not easeback's")
        try:
            with engine.begin() as connection:
                done = store(connection, answer.get("tables", []), source=FROM_SERVER, now=now())
                if done.earliest is not None:
                    forget_progress_from(connection, done.earliest)
                set_mark(connection, name, reached)
        except ExchangeError as exc:
            raise SyncFailure(
                exc.problem,
                f"a record from the server could not be stored here: {exc.message}",
            ) from None
        except SQLAlchemyError as exc:
            raise SyncFailure(
                "store",
                "records from the server could not be stored here "
                f"({type(exc).__name__}); nothing of that batch was kept, sync again",
            ) from None
        counts.received += done.stored
        counts.already += done.already
        if not more:
            return
