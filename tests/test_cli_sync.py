"""`easeback link`, `sync`, `sync --status` and `unlink`, and the sync after a session
in the terminal: what a person reads, against the real sync routes on PostgreSQL (the
linking and refusals of tests/sync_shells.py) or a server's canned answers."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import easeback.usecases.clock
import easeback.usecases.syncing
from easeback.server.tenancy import scoped
from easeback.store import open_store
from easeback.store.schema import sessions
from easeback.sync.link import link_path, read_link
from easeback.usecases.syncing import sync_status
from helpers import Terminal, screened_store
from server_helpers import PASSWORD, Clinic, clinic
from sync_helpers import START, device, play
from sync_shells import (
    CLINIC,
    CODE,
    REVOKED,
    SERVER,
    StandIn,
    answer,
    canned,
    linked_here,
    problem,
    reach,
)

NOW = START + timedelta(days=3)  # Thursday 5 March 2026, 07:00 UTC
SYNCED = re.compile(
    r"Synced with (?P<who>.+) at 07:00 in \d+\.\d s: (?P<sent>\d+) records? sent, "
    r"(?P<received>\d+) received, (?P<already>\d+) already there\."
)


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: NOW)
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def hub(postgres_url: str) -> Iterator[Clinic]:
    with clinic(postgres_url) as made:
        yield made


@pytest.fixture
def server(hub: Clinic, monkeypatch: pytest.MonkeyPatch) -> StandIn:
    made = StandIn(hub)
    reach(monkeypatch, made)
    return made


def phone_sessions(hub: Clinic) -> int:
    phone = scoped(hub.app.state.clinic, hub.people["pat_a"].id)  # type: ignore[attr-defined]
    with phone.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(sessions)).scalar_one())


# --- linking -------------------------------------------------------------------------


def test_link_with_an_invitation_code_says_where_the_token_is_kept_readable_by_you_only(
    cli: Any, server: StandIn, db_path: Path
) -> None:
    result = cli(
        "link",
        CODE,
        "--server",
        SERVER,
        "--email",
        server.account.email,
        "--device-name",
        "Sam's laptop",
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    link_file = link_path(db_path)
    assert result.stdout.splitlines() == [
        f"Linked to {CLINIC} ({SERVER}) as Sam's laptop.",
        f"This device's token is kept in {link_file}, readable by you only (mode 0600).",
        "From now on easeback syncs after each session. Run `easeback sync` now to send "
        "your diary and receive your clinic's prescription; `easeback sync --status` says "
        "how it went.",
    ]
    assert link_file.stat().st_mode & 0o777 == 0o600
    assert server.linked == [
        {
            "code": CODE,
            "email": server.account.email,
            "password": PASSWORD,
            "device": "Sam's laptop",
        }
    ]


def test_link_without_a_code_logs_in_and_names_the_device_after_the_computer(
    cli: Any, server: StandIn, db_path: Path
) -> None:
    result = cli("link", "--server", SERVER, "--email", server.account.email, input=PASSWORD)

    assert result.exit_code == 0, result.output
    assert server.linked[0]["code"] is None
    assert server.linked[0]["device"] == socket.gethostname()
    made = read_link(db_path)
    assert made is not None
    assert (made.account, made.clinic_name, made.linked_at) == (server.account.id, CLINIC, NOW)


def test_a_wrong_password_links_nothing_and_says_what_the_server_said(
    cli: Any, server: StandIn, db_path: Path
) -> None:
    result = cli("link", "--server", SERVER, "--email", server.account.email, input="wrong\n")

    assert result.exit_code == 2
    assert result.stderr == (
        "easeback: that email and password do not match an account; check both\n"
    )
    assert not (link_path(db_path)).exists()


def test_link_asks_for_the_email_and_a_new_password_twice_without_showing_it(
    db_path: Path,
) -> None:
    """At a terminal: the questions, the password never echoed; then the server's
    address cannot be reached (nothing listens on port 9), said in one line."""
    term = Terminal(db_path, "link", CODE, "--server", "https://127.0.0.1:9")
    term.expect("Your email address:")
    term.child.sendline("sam@example.org")
    term.expect("Choose a password for your account:")
    term.child.sendline("quiet meadow lantern")
    term.expect("Type it again:")
    term.child.sendline("quiet meadow lantern")

    assert term.finish() == 2
    assert "quiet meadow lantern" not in term.output
    assert term.output.splitlines()[-1] == (
        "easeback: the server is not answering (connection refused); it may be down, try later"
    )
    assert not (link_path(db_path)).exists()


BAD_INPUT = [
    (
        ["link", "--server", "http://clinic.example", "--email", "sam@example.org"],
        "--server: http://clinic.example is not encrypted: a clinic's server is reached "
        "with https:// (plain http only on this machine, for trying it out)",
    ),
    (
        ["link", "--server", "clinic.example", "--email", "sam@example.org"],
        "--server: 'clinic.example' is not a server address; give it as https://host",
    ),
    (
        ["link", CODE, "--email", "sam@example.org"],
        "--server is needed: the address your clinic gave you, e.g. https://physio.example",
    ),
    (
        ["link", "--server", SERVER, "--email", "sam at home"],
        "--email: sam at home is not an email address; give it as name@example.org",
    ),
    (
        ["link", "--server", SERVER],
        "--email is needed when no one is at a terminal to type it",
    ),
    (
        ["link", "--server", SERVER, "--email", "sam@example.org", "--device-name", "x" * 81],
        f"--device-name: {'x' * 81} cannot be used: up to 80 characters, letters, digits, "
        "spaces and signs only",
    ),
    (
        ["link", CODE, "--server", SERVER, "--email", "sam@example.org"],
        "this password cannot be used: the password has 5 characters; use at least 10. "
        "A few ordinary words in a row are easy to remember and hard to guess.",
    ),
    (
        ["sync"],
        "this store is not linked to a clinic's server; run `easeback link CODE --server "
        "URL` first",
    ),
    (["unlink"], "this store is not linked to a server"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUT)
def test_wrong_input_is_refused_in_one_line_and_links_nothing(
    cli: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    calls: list[str] = []
    monkeypatch.setattr(
        easeback.usecases.syncing, "http_transport", lambda server: canned(None, calls)
    )

    result = cli(*args, input="short\n")

    assert result.exit_code == 2, result.output
    assert result.stderr == f"easeback: {message}\n"
    assert "Traceback" not in result.output
    assert calls == []  # refused before anything reached a server
    assert not (link_path(db_path)).exists()


def test_a_linked_store_is_not_linked_twice(cli: Any, db_path: Path) -> None:
    linked_here(db_path.parent)

    result = cli("link", "--server", "https://other.example", "--email", "sam@example.org")

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: this store is already linked to {SERVER} as Sam's laptop; run "
        "`easeback unlink` first to link it elsewhere\n"
    )


# --- sync and its status -------------------------------------------------------------


def test_status_before_the_first_sync_says_what_waits(cli: Any, db_path: Path) -> None:
    engine = open_store(str(db_path))
    play(engine, "completed", START)
    linked_here(db_path.parent)
    waiting = sync_status(engine).waiting

    result = cli("sync", "--status")

    assert result.exit_code == 0
    assert waiting > 0
    assert result.stdout.splitlines() == [
        f"Linked to {CLINIC} ({SERVER}) as Sam's laptop since Monday 2 March, 07:00.",
        "Not synced yet: run `easeback sync`.",
        f"Waiting to be sent: {waiting} records made here.",
    ]


def test_status_of_a_store_not_linked_says_how_to_link(cli: Any) -> None:
    result = cli("sync", "--status")
    as_json = cli("sync", "--status", "--json")

    assert result.exit_code == as_json.exit_code == 0
    assert result.stdout.splitlines() == [
        "This easeback is not linked to a clinic's server.",
        "To link it, run `easeback link CODE --server https://your-clinic.example` with the "
        "invitation code and address your clinic gave you, or leave out CODE to log in to "
        "the account you have.",
    ]
    assert json.loads(as_json.stdout) == {"linked": False}


def test_sync_sends_what_was_made_here_and_receives_what_the_phone_made(
    cli: Any, hub: Clinic, server: StandIn, db_path: Path
) -> None:
    laptop = device(db_path.parent, server.account, "laptop")
    server.add("laptop")
    play(laptop.engine, "completed", START)
    phone = scoped(hub.app.state.clinic, server.account.id)  # type: ignore[attr-defined]
    play(phone, "completed", START + timedelta(hours=10), player="web")
    waiting = sync_status(laptop.engine).waiting

    first = cli("sync")
    second = cli("sync")
    status = cli("sync", "--status")

    assert first.exit_code == second.exit_code == status.exit_code == 0, first.output
    done = SYNCED.fullmatch(first.stdout.strip())
    assert done is not None, first.stdout
    assert done["who"] == SERVER  # sync_helpers' link names no clinic
    assert int(done["sent"]) == waiting
    assert int(done["received"]) > 0
    again = SYNCED.fullmatch(second.stdout.strip())
    assert again is not None
    assert (again["sent"], again["received"]) == ("0", "0")
    assert phone_sessions(hub) == 2
    assert "Last sync: Thursday 5 March, 07:00." in status.stdout.splitlines()
    assert "Nothing made here waits to be sent." in status.stdout.splitlines()


def test_status_json_tells_programs_everything_but_the_token(cli: Any, db_path: Path) -> None:
    linked_here(db_path.parent, last_ok=NOW)

    result = cli("sync", "--status", "--json")

    assert result.exit_code == 0
    assert "token-laptop" not in result.stdout
    assert json.loads(result.stdout) == {
        "linked": True,
        "server": SERVER,
        "clinic": {"name": CLINIC, "fingerprint": "5f3a9c2e"},
        "account": "acct-1",
        "device": {"id": "laptop", "name": "Sam's laptop"},
        "linked_at": START.isoformat(),
        "last_sync": NOW.isoformat(),
        "waiting": 0,
        "last_failure": None,
        "erased_at": None,
    }


def hello_off_by(minutes: int) -> Any:
    return answer(
        200,
        {
            "account": "acct-1",
            "device": "laptop",
            "server_time": (NOW - timedelta(minutes=minutes)).isoformat(),
            "protocol": 1,
        },
    )


# What the server did, what `easeback sync` says, why the status says it failed.
FAILURES = [
    (
        None,
        "the server is not answering (connection refused); it may be down, try later",
        "the server could not be reached",
    ),
    (
        REVOKED,
        "this device was unlinked on the server; link it again with `easeback link`",
        "this device's link was revoked on the server",
    ),
    (
        problem(426, "version", "this server speaks sync version 2; update easeback"),
        "this server speaks sync version 2; update easeback",
        "the server needs a newer version of easeback",
    ),
    (
        hello_off_by(10),
        "this computer's clock is 10 minutes ahead of the server's; set the clock right (or "
        "turn on automatic time) and sync again",
        "this computer's clock is too far off the server's",
    ),
    (
        problem(
            410,
            "erased",
            "the clinic erased your records on its server",
            at="2026-03-04T09:00:00+00:00",
        ),
        "the clinic erased your records on its server",
        "the clinic erased your records on its server",
    ),
]


@pytest.mark.parametrize(("reply", "said", "reason"), FAILURES)
def test_a_failed_sync_says_why_and_the_status_keeps_it(
    cli: Any,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reply: Any,
    said: str,
    reason: str,
) -> None:
    linked_here(db_path.parent)
    reach(monkeypatch, canned(reply))

    result = cli("sync")
    status = cli("sync", "--status")

    assert result.exit_code == 2
    assert result.stderr == f"easeback: {said}\n"
    assert status.exit_code == 0
    lines = status.stdout.splitlines()
    assert f"The last attempt failed (Thursday 5 March, 07:00): {reason}." in lines
    assert f"  {said[:1].upper()}{said[1:]}." in lines
    kept = json.loads(cli("sync", "--status", "--json").stdout)["last_failure"]
    assert (kept["reason"], kept["message"]) == (reason, said)


def test_once_erased_on_the_server_a_device_sends_nothing_back(
    cli: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(str(db_path))
    play(engine, "completed", START)
    linked_here(db_path.parent)
    reach(
        monkeypatch,
        canned(problem(410, "erased", "erased on request", at="2026-03-04T09:00:00+00:00")),
    )
    cli("sync")
    calls: list[str] = []
    reach(monkeypatch, canned(answer(200, {}), calls))

    again = cli("sync")

    assert again.exit_code == 2
    assert again.stderr == (
        "easeback: the clinic erased your records on its server on 2026-03-04, as asked; "
        "this device keeps its own copy and sends nothing back. Run `easeback unlink` to "
        "forget the server\n"
    )
    assert calls == []
    assert sync_status(engine).waiting > 0  # the device's copy is kept


def test_a_device_revoked_on_the_server_is_told_at_its_next_sync(
    cli: Any, server: StandIn, db_path: Path
) -> None:
    device(db_path.parent, server.account, "laptop")
    server.revoked.add(server.add("laptop"))

    result = cli("sync")

    assert result.exit_code == 2
    assert result.stderr.startswith("easeback: this device was unlinked on the server")
    assert (
        "The last attempt failed (Thursday 5 March, 07:00): this device's link was revoked "
        "on the server." in cli("sync", "--status").stdout.splitlines()
    )


# --- unlinking -----------------------------------------------------------------------


def test_unlink_has_the_server_revoke_the_token_and_forgets_it_here(
    cli: Any, server: StandIn, db_path: Path
) -> None:
    device(db_path.parent, server.account, "laptop")
    server.add("laptop")

    result = cli("unlink")

    assert result.exit_code == 0
    assert result.stdout == (
        f"Unlinked: {SERVER} has revoked this device's token. Your diary stays here.\n"
    )
    assert server.revoked == {"token-laptop"}
    assert not (link_path(db_path)).exists()
    assert json.loads(cli("sync", "--status", "--json").stdout) == {"linked": False}


def test_unlink_with_the_server_down_forgets_the_link_here_and_says_so(
    cli: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    linked_here(db_path.parent)
    reach(monkeypatch, canned(None))

    result = cli("unlink")

    assert result.exit_code == 0
    assert result.stdout == (
        f"Unlinked here: this device's token is forgotten, but {SERVER} could not be "
        "reached to revoke it, so it still lists this device: unlink it on your account "
        "page there, or ask your clinic. Your diary stays here.\n"
    )
    assert not (link_path(db_path)).exists()


# --- after a session in the terminal -------------------------------------------------

# 3 + 10 + 2 + 10 + 2 = 27 s of timeline: 2.7 s at --speed 10.
SHORT = """
name = "short-rotation"
title = "Short rotation"
prepare_s = 3
release_s = 2
switch_s = 2
rest_s = 0

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""


@pytest.fixture
def short(tmp_path: Path) -> str:
    path = tmp_path / "short.toml"
    path.write_text(SHORT, "utf-8")
    return str(path)


def test_a_linked_store_syncs_after_a_terminal_session_and_says_so_in_one_line(
    cli: Any, hub: Clinic, server: StandIn, db_path: Path, short: str
) -> None:
    laptop = device(db_path.parent, server.account, "laptop")
    server.add("laptop")
    screened_store(laptop.engine)

    result = cli("start", short, "--speed", "10", "--plain")

    assert result.exit_code == 0, result.output
    done = SYNCED.fullmatch(result.stdout.splitlines()[-1])
    assert done is not None, result.stdout
    assert done["who"] == "your clinic's server"
    assert int(done["sent"]) > 0
    assert phone_sessions(hub) == 1
    assert sync_status(laptop.engine).waiting == 0


def test_a_rehearsal_at_the_fastest_speed_is_synced_too(
    cli: Any, hub: Clinic, server: StandIn, db_path: Path
) -> None:
    laptop = device(db_path.parent, server.account, "laptop")
    server.add("laptop")
    screened_store(laptop.engine)

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert SYNCED.fullmatch(result.stdout.splitlines()[-1]) is not None, result.stdout
    assert phone_sessions(hub) == 1


def test_a_failed_sync_after_a_terminal_session_is_one_quiet_line(
    cli: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(str(db_path))
    screened_store(engine)
    linked_here(db_path.parent)
    reach(monkeypatch, canned(None))

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "Not synced with your clinic's server: the server could not be reached; `easeback "
        "sync --status` says more. It is tried again after your next session."
    )
    assert result.stderr == ""
    status = sync_status(engine)
    assert status.last_failure is not None
    assert status.last_failure.kind == "server_down"
    assert status.waiting > 0


def test_a_store_not_linked_says_nothing_about_syncing_after_a_session(
    cli: Any, db_path: Path
) -> None:
    screened_store(open_store(str(db_path)))

    result = cli("start", "office", "--speed", "500", "--plain")

    assert result.exit_code == 0
    assert "sync" not in result.stdout.lower()


def test_unlink_removes_a_damaged_link_file_and_says_the_server_was_not_told(
    cli: Any, db_path: Path
) -> None:
    cli("log", "pain", "3")
    link_path(db_path).write_text('{"account": "x",', "utf-8")

    result = cli("unlink")

    assert result.exit_code == 0, result.output
    assert "the link file could not be read, so it was removed" in result.stdout
    assert not link_path(db_path).exists()
    assert "is not linked" in cli("sync", "--status").stdout
