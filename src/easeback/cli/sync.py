"""The sync commands: link this store to a clinic's server, sync it, say how it went,
unlink it. Each calls one use-case of usecases/syncing.py and prints its outcome in
plain words; a failure is the use-case's message, exit code 2, never a traceback."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any

import typer

from easeback.cli.app import app, db_option, fail, print_json, shown, user_errors

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy import Engine

    from easeback.usecases.syncing import SyncReport, SyncStatus

# The most characters a device's name may have (it is shown in the clinic's list).
NAME_MOST = 80


def _open(ctx: typer.Context) -> "Engine":
    from easeback.store import open_store

    with user_errors():
        return open_store(db_option(ctx))


@contextmanager
def sync_errors() -> Iterator[None]:
    """A sync, link or unlink that did not go through: its message, exit code 2 (a
    wrong server address names --server); the store's own errors as everywhere."""
    from easeback.sync.wire import SyncFailure

    with user_errors():
        try:
            yield
        except SyncFailure as failure:
            fail(f"--server: {failure.message}" if failure.kind == "address" else failure.message)


@app.command()
def link(
    ctx: typer.Context,
    code: Annotated[
        str | None,
        typer.Argument(
            help="The invitation code from your clinic (it makes your account); leave it "
            "out to log in to the account you have.",
            metavar="CODE",
            show_default=False,
        ),
    ] = None,
    server: Annotated[
        str,
        typer.Option(
            "--server",
            metavar="URL",
            help="Your clinic's server, https://... (http:// only on this machine).",
            show_default=False,
        ),
    ] = "",
    email: Annotated[
        str | None, typer.Option(help="Your email address (asked for when not given).")
    ] = None,
    device_name: Annotated[
        str | None,
        typer.Option(
            "--device-name",
            help="What the clinic's list calls this computer (default: its name).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Link this store to your clinic's server, so your diary, your sessions and your
    clinician's prescription are the same here and there.

    With an invitation CODE you choose a password (asked twice, not shown); without
    one you log in. From a script, give --email and the password as the first line of
    standard input. Once linked, easeback syncs after each session.

    Example: easeback link K7QM-2XDP --server https://physio.example --email sam@example.org
    """
    from easeback.sync.wire import http_transport
    from easeback.usecases import syncing

    if not server:
        fail("--server is needed: the address your clinic gave you, e.g. https://physio.example")
    engine = _open(ctx)
    with sync_errors():
        syncing.store_path(engine)
        http_transport(server)  # a wrong address is said before the password is asked
        known = syncing.sync_status(engine).link
    if known is not None:
        fail(
            f"this store is already linked to {shown(known.server)} as "
            f"{shown(known.device_name)}; run `easeback unlink` first to link it elsewhere"
        )
    name = _device_name(device_name)
    address = _email(email)
    password = _password(address, new=code is not None)
    with sync_errors():
        made = syncing.link_device(
            engine,
            server,
            email=address,
            password=password,
            code=code,
            device_name=name,
        )
    clinic = _named(made.clinic_name, made.server)
    typer.echo(f"Linked to {clinic} as {shown(made.device_name)}.")
    typer.echo(
        f"This device's token is kept in {shown(syncing.link_file(engine))}, readable by "
        "you only (mode 0600)."
    )
    typer.echo(
        "From now on easeback syncs after each session. Run `easeback sync` now to send "
        "your diary and receive your clinic's prescription; `easeback sync --status` says "
        "how it went."
    )


def _device_name(given: str | None) -> str:
    """The name given, else the computer's; a clear message when it cannot be used."""
    import socket

    name = (given if given is not None else socket.gethostname() or "this computer").strip()
    if not name:
        fail("--device-name: give a name, e.g. --device-name 'Sam's laptop'")
    if len(name) > NAME_MOST or not name.isprintable():
        fail(
            f"--device-name: {shown(name)} cannot be used: up to {NAME_MOST} characters, "
            "letters, digits, spaces and signs only"
        )
    return name


def _email(given: str | None) -> str:
    if given is None:
        if not sys.stdin.isatty():
            fail("--email is needed when no one is at a terminal to type it")
        given = typer.prompt("Your email address")
    address = given.strip()
    if "@" not in address or len(address) > 254 or not address.isprintable():
        fail(f"--email: {shown(address)} is not an email address; give it as name@example.org")
    return address


def _password(email: str, *, new: bool) -> str:
    """A new password (asked twice) for an invitation, else the account's; hidden at a
    terminal, the first line of standard input from a script."""
    if sys.stdin.isatty():
        if new:
            password: str = typer.prompt(
                "Choose a password for your account",
                hide_input=True,
                confirmation_prompt="Type it again",
            )
        else:
            password = typer.prompt("Your password", hide_input=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        fail("no password was given; type it when asked, or as the first line of standard input")
    if new:
        from easeback.server.passwords import password_problem

        problem = password_problem(password, email)
        if problem is not None:
            fail(f"this password cannot be used: {problem[:1].lower()}{problem[1:]}")
    return password


@app.command()
def unlink(ctx: typer.Context) -> None:
    """Stop syncing with your clinic's server: the server is told to revoke this
    device's token, and the link file is deleted. Your diary stays on this computer.

    Example: easeback unlink
    """
    from easeback.usecases import syncing

    engine = _open(ctx)
    with sync_errors():
        try:
            known = syncing.sync_status(engine).link
        except syncing.SyncFailure:
            known = None  # a damaged link file: unlinking removes it
        outcome = syncing.unlink_device(engine)
    where = shown(known.server) if known is not None else "the server"
    if outcome == "heard":
        typer.echo(f"Unlinked: {where} has revoked this device's token. Your diary stays here.")
    elif outcome == "gone":
        typer.echo(
            f"Unlinked: {where} no longer accepted this device's token (it was revoked, "
            "or your records there were erased). Your diary stays here."
        )
    elif outcome == "damaged":
        typer.echo(
            "Unlinked here: the link file could not be read, so it was removed and the "
            "server was not told; it still lists this device: unlink it on your account "
            "page there, or ask your clinic. Your diary stays here."
        )
    else:
        typer.echo(
            f"Unlinked here: this device's token is forgotten, but {where} could not be "
            "reached to revoke it, so it still lists this device: unlink it on your "
            "account page there, or ask your clinic. Your diary stays here."
        )


@app.command()
def sync(
    ctx: typer.Context,
    status: Annotated[
        bool,
        typer.Option(
            "--status",
            help="Do not sync: say what this store is linked to, when it last synced, "
            "what waits to be sent and why the last attempt failed.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """Sync now with your clinic's server: send the records made here that it lacks,
    receive those made elsewhere (your phone, another computer, your clinician's
    prescription). Nothing is sent twice or lost; a sync cut off goes on next time.

    Example: easeback sync --status
    """
    from easeback.usecases import syncing

    engine = _open(ctx)
    if status:
        with sync_errors():
            found = syncing.sync_status(engine)
        if as_json:
            print_json(status_json(found))
            return
        for line in format_status(found, _zone(engine), _now()):
            typer.echo(line)
        return
    with sync_errors():
        report = syncing.sync_now(engine)
    if as_json:
        print_json(report_json(report))
        return
    with user_errors():
        clinic = _clinic(syncing.sync_status(engine))
    typer.echo(format_report(report, clinic, _zone(engine)))


def _zone(engine: "Engine") -> str:
    from easeback.usecases.today import person_zone

    with user_errors():
        return person_zone(engine)


def _now() -> "datetime":
    from easeback.usecases.clock import wall_now

    return wall_now()


def _clinic(found: "SyncStatus") -> str:
    made = found.link
    if made is None:
        return "the server"
    return shown(made.clinic_name or made.server)


def format_report(report: "SyncReport", clinic: str, zone: str) -> str:
    """One line: 'Synced with Riverside Physio at 07:05 in 0.4 s: 12 records sent,
    3 received, 0 already there.'"""
    from zoneinfo import ZoneInfo

    from easeback.wording.syncing import records

    at = report.at.astimezone(ZoneInfo(zone))
    return (
        f"Synced with {clinic} at {at:%H:%M} in {report.seconds:.1f} s: "
        f"{records(report.sent)} sent, {report.received} received, "
        f"{report.already} already there."
    )


def format_status(found: "SyncStatus", zone: str, now: "datetime") -> list[str]:
    """``easeback sync --status`` in lines: the link, the last sync, what waits, and
    why the last attempt failed."""
    from easeback.wording.syncing import (
        HOW_TO_LINK,
        NOT_LINKED,
        failure_reason,
        records,
        sentence,
        when_words,
    )

    made = found.link
    if made is None:
        return [NOT_LINKED, HOW_TO_LINK]
    clinic = _named(made.clinic_name, made.server)
    lines = [
        f"Linked to {clinic} as {shown(made.device_name)} since "
        f"{when_words(made.linked_at, zone, now)}."
    ]
    if found.last_ok is not None:
        lines.append(f"Last sync: {when_words(found.last_ok, zone, now)}.")
    else:
        lines.append("Not synced yet: run `easeback sync`.")
    if found.waiting:
        lines.append(f"Waiting to be sent: {records(found.waiting)} made here.")
    else:
        lines.append("Nothing made here waits to be sent.")
    failure = found.last_failure
    if failure is not None:
        lines.append(
            f"The last attempt failed ({when_words(failure.at, zone, now)}): "
            f"{failure_reason(failure.kind)}."
        )
        lines.append(f"  {shown(sentence(failure.message))}")
    elif found.erased_at is not None:
        lines.append(f"{failure_reason('erased').capitalize()}; this device sends nothing back.")
    return lines


def _named(clinic: str | None, server: str) -> str:
    """'Riverside Physio (https://physio.example)', or the address alone."""
    return f"{shown(clinic)} ({shown(server)})" if clinic else shown(server)


def _iso(moment: "datetime | None") -> str | None:
    return moment.isoformat() if moment is not None else None


def status_json(found: "SyncStatus") -> dict[str, Any]:
    """The status for programs: never the token."""
    from easeback.wording.syncing import failure_reason

    made = found.link
    if made is None:
        return {"linked": False}
    failure = found.last_failure
    return {
        "linked": True,
        "server": made.server,
        "clinic": {"name": made.clinic_name, "fingerprint": made.fingerprint},
        "account": made.account,
        "device": {"id": made.device, "name": made.device_name},
        "linked_at": _iso(made.linked_at),
        "last_sync": _iso(found.last_ok),
        "waiting": found.waiting,
        "last_failure": None
        if failure is None
        else {
            "kind": failure.kind,
            "reason": failure_reason(failure.kind),
            "message": failure.message,
            "at": _iso(failure.at),
        },
        "erased_at": _iso(found.erased_at),
    }


def report_json(report: "SyncReport") -> dict[str, Any]:
    return {
        "sent": report.sent,
        "received": report.received,
        "already": report.already,
        "seconds": round(report.seconds, 3),
        "bytes_sent": report.bytes_sent,
        "bytes_received": report.bytes_received,
        "at": report.at.isoformat(),
    }


def sync_after_session(engine: "Engine") -> None:
    """After a session, when this store is linked: sync, and say how in one quiet line
    (a failure is kept for ``easeback sync --status``, never an error: the session is
    saved here whatever the server does)."""
    from easeback.usecases.syncing import SyncFailure
    from easeback.usecases.syncing import sync_after_session as run
    from easeback.wording.syncing import failure_reason

    try:
        outcome = run(engine)
    except Exception as exc:  # the session is saved; a sync that broke is no error
        reason = f"it broke off here ({type(exc).__name__}); run `easeback sync` to see why"
    else:
        if outcome is None:
            return
        if not isinstance(outcome, SyncFailure):
            typer.echo(format_report(outcome, "your clinic's server", _zone(engine)))
            return
        reason = f"{failure_reason(outcome.kind)}; `easeback sync --status` says more"
    typer.echo(
        f"Not synced with your clinic's server: {reason}. It is tried again after your "
        "next session."
    )
