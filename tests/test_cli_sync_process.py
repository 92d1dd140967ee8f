"""The sync commands as a person types them, each in its own process, against a real
``easeback server run`` over HTTPS (a test CA) on the throwaway PostgreSQL: link with
an invitation code, sync, the status, unlink, and a copy of the store whose token the
server has revoked since."""

from __future__ import annotations

import json
import re
import shutil
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from easeback.server.accounts import make_invite
from easeback.server.tenancy import open_clinic
from easeback.store import open_store
from easeback.sync.link import link_path
from https import loopback_certificate
from server_helpers import PASSWORD, SECRET, from_template
from server_processes import easeback, running, server_env
from sync_helpers import play


@pytest.fixture
def trusted(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    """A certificate for 127.0.0.1, its key, and the test CA that signed it."""
    yield loopback_certificate(tmp_path)


def test_link_sync_status_and_unlink_each_in_a_process_of_its_own(
    postgres_url: str, trusted: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    cert, key, authority = trusted
    people = from_template(postgres_url)
    clinic = open_clinic(postgres_url, pool_size=1)
    try:
        with clinic.begin() as connection:
            code = make_invite(
                connection, SECRET, maker=people["dr_a"], name="Lee Moss", now=datetime.now(UTC)
            )
    finally:
        clinic.dispose()
    laptop = tmp_path / "laptop"
    laptop.mkdir()
    store = laptop / "easeback.db"
    engine = open_store(str(store))
    for day in range(3):
        play(engine, "completed", datetime.now(UTC) - timedelta(days=3 - day))
    engine.dispose()
    person = server_env(SSL_CERT_FILE=str(authority), TZ="UTC")

    def run(*args: str, db: Path = store, stdin: str = "") -> tuple[int, str, str]:
        done = easeback("--db", str(db), *args, env=person, stdin=stdin)
        return done.returncode, done.stdout, done.stderr

    env = server_env(EASEBACK_SERVER_DB=postgres_url, EASEBACK_SECRET=SECRET)
    with running(
        env,
        "--cert",
        str(cert),
        "--key",
        str(key),
        verify=ssl.create_default_context(cafile=str(authority)),
    ) as server:
        code_given = run(
            "link",
            code,
            "--server",
            server.url,
            "--email",
            "lee@clinic.test",
            "--device-name",
            "Lee's laptop",
            stdin=f"{PASSWORD}\n",
        )
        mode = link_path(store).stat().st_mode & 0o777
        synced = run("sync")
        again = run("sync")
        status = json.loads(run("sync", "--status", "--json")[1])
        copy = tmp_path / "copy"
        shutil.copytree(laptop, copy)  # say, a backup restored on another computer
        unlinked = run("unlink")
        revoked = run("sync", db=copy / "easeback.db")
        revoked_status = json.loads(run("sync", "--status", "--json", db=copy / "easeback.db")[1])

    assert code_given[0] == 0, code_given
    assert re.fullmatch(
        rf"Linked to .+ \({re.escape(server.url)}\) as Lee's laptop\.",
        code_given[1].splitlines()[0],
    )
    assert mode == 0o600
    assert not link_path(store).exists()  # unlinked at the end
    assert synced[0] == 0, synced
    sent = re.fullmatch(r"Synced with .+ in \d+\.\d s: (\d+) records? sent, .*", synced[1].strip())
    assert sent is not None and int(sent[1]) > 0
    assert re.search(r": 0 records sent, 0 received, ", again[1])
    assert (status["linked"], status["waiting"], status["last_failure"]) == (True, 0, None)
    assert status["device"]["name"] == "Lee's laptop"
    assert unlinked == (
        0,
        f"Unlinked: {server.url} has revoked this device's token. Your diary stays here.\n",
        "",
    )
    assert revoked[0] == 2
    assert revoked[2].startswith("easeback: ") and "Traceback" not in revoked[2]
    assert (
        revoked_status["last_failure"]["reason"] == "this device's link was revoked on the server"
    )
