"""Devices and a server for sync tests: SQLite stores linked to one patient on a
real PostgreSQL clinic, and transports that reach the server's app in the process,
or drop the connection on purpose."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.testclient import TestClient

from easeback.core.player import Player
from easeback.server.accounts import Account
from easeback.server.tenancy import scoped
from easeback.store import open_store
from easeback.store.sessions import SessionLog
from easeback.sync.link import Link, write_link
from easeback.sync.wire import Reply, Transport
from helpers import ROTATION_TIMELINE as TIMELINE

START = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def in_process(app: FastAPI) -> Transport:
    """A transport calling ``app`` in this process, as the network would."""
    client = TestClient(app, base_url="https://clinic.test")

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        response = client.request(method, path, headers=headers, content=body)
        # The test client has already unpacked a gzip reply.
        kept = {
            k.lower(): v for k, v in response.headers.items() if k.lower() != "content-encoding"
        }
        return Reply(response.status_code, response.content, kept)

    return send


class Dropped(ConnectionResetError):
    """The connection, cut on purpose."""


def dropping(transport: Transport, cut: Callable[[str, str, int], str | None]) -> Transport:
    """``transport``, with the connection cut when ``cut(method, path, n)`` says
    "before" (the request never arrives) or "after" (it arrives, the answer is lost);
    n counts requests from 0."""
    count = [0]

    def send(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        n = count[0]
        count[0] += 1
        when = cut(method, path, n)
        if when == "before":
            raise Dropped("cut before")
        reply = transport(method, path, headers, body)
        if when == "after":
            raise Dropped("cut after")
        return reply

    return send


def sync_app(clinic_engine: Engine, devices: dict[str, tuple[Account, str]]) -> FastAPI:
    """The server's sync routes behind a stand-in for the guard: a bearer token from
    ``devices`` opens its patient's schema (the real guard is tested on its own)."""
    from easeback.server import sync_api

    app = FastAPI()
    app.include_router(sync_api.router)
    app.state.clinic = clinic_engine

    @app.middleware("http")
    async def stand_in(request: Request, call_next: Any) -> Any:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in devices:
            return JSONResponse({"problem": "token", "message": "unknown"}, status_code=401)
        account, device = devices[token]
        request.state.account = account
        request.state.device_id = device
        request.state.engine = scoped(clinic_engine, account.id)
        return await call_next(request)

    return app


@dataclass
class Device:
    """A person's own store on one device, linked as ``device``."""

    engine: Engine
    folder: Path
    link: Link


def device(
    folder: Path, account: Account, name: str, server: str = "https://clinic.test"
) -> Device:
    folder.mkdir(parents=True, exist_ok=True)
    engine = open_store(str(folder / "easeback.db"))
    made = Link(
        server=server,
        account=account.id,
        device=name,
        device_name=name,
        token=f"token-{name}",
        linked_at=START,
    )
    write_link(folder / "easeback.db", made)
    return Device(engine, folder, made)


def play(engine: Engine, ending: str | None, started: datetime, player: str = "terminal") -> str:
    """Play and store a session ending in ``ending`` (None: cut off after phase 1)."""
    log = SessionLog(
        engine,
        TIMELINE,
        title="Just the rotation",
        speed=1.0,
        started=started,
        zone="Europe/London",
        player=player,
    )
    p = Player(TIMELINE, speed=1.0)
    events = p.start(0.0) + p.tick(5.0)
    if ending == "completed":
        events += p.tick(100.0)
    elif ending == "pain_stop":
        events += p.pain_stop(6.0)
    elif ending == "quit":
        events += p.quit(6.0)
    for event in events:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=int(event.at * 1000)
        )
    return log.id
