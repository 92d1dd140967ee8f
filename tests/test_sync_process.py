"""Sync against a real clinic: ``easeback server run`` over HTTPS (a test CA) on the
throwaway PostgreSQL, a person's store on this machine linked with an invitation
code, and the server killed in the middle of a sync."""

from __future__ import annotations

import os
import signal
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import easeback.usecases.syncing
from easeback.server.accounts import make_invite
from easeback.server.tenancy import open_clinic, scoped
from easeback.store import open_store
from easeback.store.schema import events, sessions
from easeback.sync.link import link_path
from easeback.sync.wire import Reply, Transport, http_transport
from easeback.usecases.aftercare import catch_up_progress
from easeback.usecases.syncing import SyncFailure, link_device, sync_now, sync_status
from https import loopback_certificate
from server_helpers import PASSWORD, SECRET, from_template
from server_processes import RunningServer, running, server_env
from sync_helpers import play


@pytest.fixture
def authority(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, Path]]:
    """A certificate for 127.0.0.1 from a test CA that this process trusts."""
    cert, key, trusted = loopback_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(trusted))
    yield cert, key


def count(engine: Engine, table: object) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar() or 0  # type: ignore[arg-type]


def killing_after(server: RunningServer, nth_push: int) -> Transport:
    """The real transport to ``server``, which is killed (SIGKILL) once the
    ``nth_push`` push request has reached it and before its answer is read."""
    send = http_transport(server.url)
    pushes = [0]

    def transport(method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if path.startswith("/api/sync/push"):
            pushes[0] += 1
            if pushes[0] == nth_push:
                reply = send(method, path, headers, body)
                os.kill(server.process.pid, signal.SIGKILL)
                server.process.wait()
                raise ConnectionResetError(f"killed after push {nth_push} ({reply.status})")
        return send(method, path, headers, body)

    return transport


def test_link_sync_kill_the_server_mid_sync_and_sync_again(
    postgres_url: str, authority: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = authority
    people = from_template(postgres_url)
    clinic = open_clinic(postgres_url, pool_size=1)
    try:
        with clinic.begin() as connection:
            code = make_invite(
                connection, SECRET, maker=people["dr_a"], name="Lee Moss", now=datetime.now(UTC)
            )
        laptop = open_store(str(tmp_path / "laptop" / "easeback.db"))
        start = datetime.now(UTC) - timedelta(days=20)
        for day in range(20):
            play(laptop, "completed", start + timedelta(days=day))
        catch_up_progress(laptop)
        monkeypatch.setattr(easeback.usecases.syncing, "BATCH", 40)  # several batches
        env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
        with running(
            env, "--cert", str(cert), "--key", str(key), verify=ssl.create_default_context()
        ) as server:
            port = server.port
            made = link_device(
                laptop,
                server.url,
                email="lee@clinic.test",
                password=PASSWORD,
                code=code,
                device_name="Lee's laptop",
            )
            link_file = link_path(tmp_path / "laptop" / "easeback.db")
            assert link_file.stat().st_mode & 0o777 == 0o600
            with pytest.raises(SyncFailure) as cut:
                sync_now(laptop, transport=killing_after(server, nth_push=3))
        assert cut.value.kind == "server_down"
        assert "nothing is lost" in cut.value.message
        assert sync_status(laptop).last_failure is not None
        assert sync_status(laptop).waiting > 0

        with running(
            env,
            "--cert",
            str(cert),
            "--key",
            str(key),
            verify=ssl.create_default_context(),
            port=port,
        ):
            report = sync_now(laptop)
            assert sync_now(laptop).sent == 0
        phone = scoped(clinic, made.account)
        assert report.sent > 0 and report.already > 0  # the batch cut off was sent again
        assert count(phone, sessions) == count(laptop, sessions) == 20
        assert count(phone, events) == count(laptop, events)
        status = sync_status(laptop)
        assert status.waiting == 0 and status.last_failure is None
    finally:
        clinic.dispose()
