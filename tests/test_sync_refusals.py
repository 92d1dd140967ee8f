"""Sync refuses what it cannot take: a batch made for another account, a record
changed after it was stored, a body too large or malformed, a clock far off. Each
time the server says what and where in plain words, stores nothing of the batch,
the device keeps every record it had (and still counts them as waiting), and
``easeback sync --status`` says why the last sync failed.

The device's own client makes well-formed batches, so the bad ones are made by a
transport that spoils its push on the way (as a broken or hostile client would);
the size checks are also made on a real socket, where "refused without reading it
all" can be seen.
"""

from __future__ import annotations

import gzip
import json
import select as io_select
import socket
import threading
import zlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, update

import easeback.usecases.clock
from browser import free_port
from easeback.server.tenancy import scoped
from easeback.store.diary import add_entry
from easeback.store.exchange import SYNCED, mark, set_mark
from easeback.store.schema import metadata, sessions, sync_ledger
from easeback.sync.wire import Reply, SyncFailure, Transport
from easeback.usecases.aftercare import save_pain
from easeback.usecases.syncing import sync_now, sync_status
from server_helpers import Clinic, clinic
from sync_helpers import START, Device, device, in_process, play, sync_app

NOW = START + timedelta(days=3)
MB = 1024 * 1024

Change = Callable[[dict[str, str], bytes], tuple[dict[str, str], bytes]]


@pytest.fixture
def hub(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Clinic]:
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: NOW)
    with clinic(postgres_url) as made:
        yield made


@pytest.fixture
def laptop(hub: Clinic, tmp_path: Path) -> Iterator[Device]:
    """Pat A's laptop, linked, with a session played and rated, not yet synced."""
    made = device(tmp_path / "laptop", hub.people["pat_a"], "laptop")
    session = play(made.engine, "completed", START)
    save_pain(made.engine, session, "before", 4)
    yield made
    made.engine.dispose()


def server_of(hub: Clinic) -> FastAPI:
    clinic_engine: Engine = hub.app.state.clinic  # type: ignore[attr-defined]
    return sync_app(clinic_engine, {"token-laptop": (hub.people["pat_a"], "laptop")})


def patient_store(hub: Clinic, who: str = "pat_a") -> Engine:
    return scoped(hub.app.state.clinic, hub.people[who].id)  # type: ignore[attr-defined]


def held(engine: Engine) -> dict[str, int]:
    """How many records of each synced table, and the ledger's last line."""
    with engine.connect() as connection:
        out = {
            name: connection.execute(
                select(func.count()).select_from(metadata.tables[name])
            ).scalar_one()
            for name in SYNCED
        }
        out["ledger"] = connection.execute(
            select(func.coalesce(func.max(sync_ledger.c.n), 0))
        ).scalar_one()
    return out


def unpack(headers: dict[str, str], body: bytes) -> Any:
    if headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return json.loads(body)


def plain(headers: dict[str, str], payload: Any) -> tuple[dict[str, str], bytes]:
    headers = {k: v for k, v in headers.items() if k != "Content-Encoding"}
    return headers, json.dumps(payload).encode()


def spoiled(transport: Transport, change: Change) -> Transport:
    """``transport``, with every push body spoiled by ``change`` on its way."""

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if path.startswith("/api/sync/push") and body is not None:
            headers, body = change(dict(headers), body)
        return transport(method, path, headers, body)

    return send


def in_batch(edit: Callable[[Any], None]) -> Change:
    """A change made to the push's JSON, sent as plain JSON."""

    def change(headers: dict[str, str], body: bytes) -> tuple[dict[str, str], bytes]:
        payload = unpack(headers, body)
        edit(payload)
        return plain(headers, payload)

    return change


def table(payload: Any, name: str) -> dict[str, Any]:
    return next(t for t in payload["tables"] if t["name"] == name)


def cell(payload: Any, name: str, column: str, value: Any) -> None:
    found = table(payload, name)
    found["rows"][0][found["columns"].index(column)] = value


def raw(body: bytes, *, gzipped: bool = False) -> Change:
    def change(headers: dict[str, str], _body: bytes) -> tuple[dict[str, str], bytes]:
        headers = {k: v for k, v in headers.items() if k != "Content-Encoding"}
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        return headers, body

    return change


def bomb(unpacked_mb: int) -> bytes:
    """A gzip body of a few KB that unpacks to ``unpacked_mb`` MB of spaces."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * MB
    return b"".join(packer.compress(chunk) for _ in range(unpacked_mb)) + packer.flush()


def check_refused(
    hub: Clinic, laptop: Device, change: Change, kind: str, words: list[str]
) -> SyncFailure:
    """Sync with the push spoiled: refused as ``kind`` with ``words`` in its message;
    nothing stored on the server, the device's records and cursor as they were, and
    the status saying why."""
    server_before = held(patient_store(hub))
    device_before = held(laptop.engine)
    waiting = sync_status(laptop.engine).waiting
    assert waiting > 0

    with pytest.raises(SyncFailure) as refused:
        sync_now(laptop.engine, transport=spoiled(in_process(server_of(hub)), change))

    failure = refused.value
    assert failure.kind == kind, failure.message
    for word in words:
        assert word in failure.message
    assert held(patient_store(hub)) == server_before
    assert held(laptop.engine) == device_before
    status = sync_status(laptop.engine)
    assert status.waiting == waiting
    assert status.last_failure is not None
    assert (status.last_failure.kind, status.last_failure.message) == (kind, failure.message)
    return failure


MALFORMED: dict[str, tuple[Change, str, list[str]]] = {
    "not JSON": (raw(b'{"account": "'), "input", ["not JSON"]),
    "columns in another order": (
        in_batch(lambda p: table(p, "sessions")["columns"].reverse()),
        "input",
        ["tables[0] (sessions)", "the columns must be id, "],
    ),
    "a number given as text": (
        in_batch(lambda p: cell(p, "events", "seq", "three")),
        "input",
        ["events[0].seq", "must be a whole number"],
    ),
    "a pain of 11": (
        in_batch(lambda p: cell(p, "pain_ratings", "value", 11)),
        "input",
        ["pain_ratings[0].value", "11 is not a score from 0 to 10"],
    ),
    "a number too large for the server": (
        in_batch(lambda p: cell(p, "events", "seq", 2**40)),
        "input",
        ["events[0].seq", "1099511627776 is too large"],
    ),
    "JSON nested beyond reason": (raw(b"[" * 200_000), "input", ["not JSON"]),
    "a table that does not sync": (
        in_batch(lambda p: p["tables"].append({"name": "accounts", "columns": [], "rows": []})),
        "input",
        ["'accounts' is not a table that syncs"],
    ),
    "a time with an offset": (
        in_batch(lambda p: cell(p, "sessions", "started_utc", "2026-03-02T07:00:00+01:00")),
        "input",
        ["sessions[0].started_utc", "carries an offset"],
    ),
    "events of a session never sent": (
        in_batch(lambda p: p["tables"].remove(table(p, "sessions"))),
        "input",
        ["events", "do not fit together", "nothing of this batch was stored"],
    ),
    "a gzip header on plain bytes": (
        raw(b'{"tables": []}', gzipped=True),
        "input",
        ["says it is gzip but is not"],
    ),
    "a zip bomb": (raw(bomb(100), gzipped=True), "size", ["unpack to at most 16 MB"]),
    "a 50 MB body": (raw(b" " * (50 * MB)), "size", ["at most 4 MB"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_batch_is_refused_saying_what_and_where(
    hub: Clinic, laptop: Device, case: str
) -> None:
    change, kind, words = MALFORMED[case]
    check_refused(hub, laptop, change, kind, words)


def test_a_batch_made_for_another_account_is_refused(hub: Clinic, laptop: Device) -> None:
    other = hub.people["pat_b"].id

    def edit(payload: Any) -> None:
        payload["account"] = other

    check_refused(hub, laptop, in_batch(edit), "account", ["another account", "nothing"])
    assert held(patient_store(hub, "pat_b"))["sessions"] == 0


def test_a_record_changed_after_it_was_stored_is_refused_with_its_name(
    hub: Clinic, laptop: Device
) -> None:
    transport = in_process(server_of(hub))
    sync_now(laptop.engine, transport=transport)
    with laptop.engine.begin() as connection:
        first = connection.execute(select(sessions.c.id)).scalar_one()
        connection.execute(update(sessions).values(title="Renamed on the laptop"))
        # Sent again from the start, with a new record after it.
        set_mark(connection, laptop.link.mark("pushed"), 0)
    play(laptop.engine, "quit", START + timedelta(days=1))

    failure = check_refused(
        hub, laptop, lambda h, b: (h, b), "changed", [f"sessions {first}", "(title)"]
    )

    assert "never changed once stored" in failure.message
    with patient_store(hub).connect() as connection:
        assert connection.execute(select(sessions.c.title)).scalars().all() == ["Just the rotation"]


def test_text_the_server_cannot_store_is_refused_naming_the_record(
    hub: Clinic, laptop: Device
) -> None:
    """SQLite keeps a NUL character in a note (a store edited by hand, an old import);
    PostgreSQL cannot: a refusal naming it, never a server error sent again forever."""
    add_entry(laptop.engine, at=NOW, zone="Europe/London", pain=3, note="stiff\x00")

    check_refused(
        hub,
        laptop,
        lambda h, b: (h, b),
        "input",
        ["diary_entries[0].note", "holds a NUL character", "nothing of this batch was stored"],
    )


def test_a_push_stamped_far_from_the_servers_clock_is_refused_saying_by_how_much(
    hub: Clinic, laptop: Device
) -> None:
    def edit(payload: Any) -> None:
        payload["clock"] = (NOW + timedelta(hours=2, minutes=3)).isoformat()

    check_refused(hub, laptop, in_batch(edit), "clock", ["123 minutes ahead of the server's"])


def test_a_device_whose_clock_is_far_off_sends_nothing_and_says_by_how_much(
    hub: Clinic, laptop: Device
) -> None:
    """The server's hello says its time; 47 minutes apart, the device stops there."""
    inner = in_process(server_of(hub))

    def server_behind(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        reply = inner(method, path, headers, body)
        if path.startswith("/api/sync/hello"):
            answer = json.loads(reply.body)
            answer["server_time"] = (NOW - timedelta(minutes=47)).isoformat()
            return Reply(reply.status, json.dumps(answer).encode(), reply.headers)
        return reply

    server_before = held(patient_store(hub))
    with pytest.raises(SyncFailure) as refused:
        sync_now(laptop.engine, transport=server_behind)

    assert refused.value.kind == "clock"
    assert "47 minutes ahead of the server's" in refused.value.message
    assert "set the clock right" in refused.value.message
    assert held(patient_store(hub)) == server_before
    status = sync_status(laptop.engine)
    assert status.last_failure is not None and status.last_failure.kind == "clock"
    with laptop.engine.connect() as connection:
        assert mark(connection, laptop.link.mark("pushed")) == 0


# --- on a real socket: a body too large is refused before it is all read --------------


@pytest.fixture
def listening(hub: Clinic) -> Iterator[int]:
    """The sync routes (behind the stand-in guard) served by uvicorn on loopback."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            server_of(hub), host="127.0.0.1", port=port, lifespan="off", log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        thread.join(0.05)
        assert thread.is_alive(), "uvicorn did not start"
    yield port
    server.should_exit = True
    thread.join(30)


def push_head(port: int, length: str) -> bytes:
    return (
        f"POST /api/sync/push HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Authorization: Bearer token-laptop\r\nEaseback-Sync: 1\r\n"
        f"Content-Type: application/json\r\n{length}\r\n"
    ).encode()


def answer_of(connection: socket.socket) -> tuple[int, Any]:
    data = b""
    while b"\r\n\r\n" not in data:
        data += connection.recv(65536)
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length")
    )
    while len(rest) < length:
        rest += connection.recv(65536)
    return int(head.split()[1]), json.loads(rest[:length])


def test_a_50_mb_body_declared_is_refused_before_it_is_sent(hub: Clinic, listening: int) -> None:
    before = held(patient_store(hub))
    with socket.create_connection(("127.0.0.1", listening), timeout=20) as connection:
        connection.sendall(push_head(listening, f"Content-Length: {50 * MB}\r\n") + b'{"tables": [')
        status, answer = answer_of(connection)  # while 50 MB less a few bytes are unsent
    assert status == 413
    assert answer["problem"] == "size"
    assert "at most 4 MB" in answer["message"]
    assert held(patient_store(hub)) == before


def test_a_50_mb_body_streamed_is_cut_off_once_past_the_limit(hub: Clinic, listening: int) -> None:
    """Sent in chunks with no length given: the server stops reading past 4 MB and
    answers; far less than 50 MB ever leaves the client."""
    before = held(patient_store(hub))
    chunk = b" " * (256 * 1024)
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    with socket.create_connection(("127.0.0.1", listening), timeout=20) as connection:
        connection.sendall(push_head(listening, "Transfer-Encoding: chunked\r\n"))
        try:
            while sent < 50 * MB:
                answered, _, _ = io_select.select([connection], [], [], 0)
                if answered:
                    break
                connection.sendall(framed)
                sent += len(chunk)
        except ConnectionError:
            pass  # the server answered and closed while a chunk was on its way
        status, answer = answer_of(connection)
    assert status == 413
    assert answer["problem"] == "size"
    assert sent < 20 * MB
    assert held(patient_store(hub)) == before
