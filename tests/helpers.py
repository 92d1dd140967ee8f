"""Small things several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from easeback.cli import app
from easeback.content.library import load_library, parse_routine
from easeback.core.timeline import build_timeline

# A short routine: get ready 3 s, hold left 10 s, switch 2 s, hold right 10 s, relax 2 s.
ROTATION = """
name = "rotation"
title = "Just the rotation"
prepare_s = 3
release_s = 2
switch_s = 2

[[stretches]]
id = "lower-back-rotation"
hold_s = 10
"""
ROTATION_TIMELINE = build_timeline(parse_routine(ROTATION, "<test>"), load_library())


def command_paths(group: Any, prefix: str = "") -> list[str]:
    """Every visible command and subcommand of a click group, as 'routine check'."""
    paths: list[str] = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        path = f"{prefix}{name}"
        paths.append(path)
        if hasattr(command, "commands"):
            paths += command_paths(command, f"{path} ")
    return paths


COMMANDS = command_paths(typer.main.get_command(app))


def answers_json(*yes: str, clinician_checked: bool | None = True, **extra: object) -> str:
    """An answer file for `easeback check --answers -`: every question 'no' except ``yes``."""
    import json

    from easeback.core.screening import QUESTION_IDS

    data: dict[str, object] = {"answers": {q: q in yes for q in QUESTION_IDS}}
    if clinician_checked is not None:
        data["clinician_checked"] = clinician_checked
    data.update(extra)
    return json.dumps(data)


def screened(db_path: object) -> None:
    """Consent and a clean screening, as a person would give them, in a real process."""
    import subprocess
    import sys
    from pathlib import Path

    easeback = Path(sys.executable).parent / "easeback"
    subprocess.run(
        [str(easeback), "--db", str(db_path), "check", "--answers", "-"],
        input=answers_json(),
        text=True,
        check=True,
        capture_output=True,
    )


# `easeback setup` for a London office worker: up 06:30, bed 23:00, work 08:30-17:00.
SET_UP_LONDON = (
    "setup",
    "--wake",
    "06:30",
    "--bed",
    "23:00",
    "--work",
    "08:30-17:00",
    "--work-days",
    "mon-fri",
    "--zone",
    "Europe/London",
)


def screened_store(engine: object) -> None:
    """Consent and a clean screening, straight into the store (for web tests), at the
    app's wall clock (a test's fake one when it has set one)."""
    from easeback.core.screening import QUESTION_IDS, Gate
    from easeback.store.consents import record_consent
    from easeback.usecases import clock
    from easeback.usecases.checkup import record_answers

    now = clock.wall_now()
    record_consent(engine, wording="1", given=now, zone="UTC")  # type: ignore[arg-type]
    record_answers(
        engine,  # type: ignore[arg-type]
        dict.fromkeys(QUESTION_IDS, False),
        Gate(kind="due", reason="first"),
        at=now,
        zone="UTC",
    )


WEB_PORT = 8421
WEB_BASE = f"http://127.0.0.1:{WEB_PORT}"


class SmallDisk:
    """A real file system of a few hundred KiB (tmpfs), to fill up or make read-only:
    what SQLite does on a full disk cannot be faked by patching Python."""

    def __init__(self, folder: Any, size_kb: int = 512) -> None:
        import os
        import subprocess

        import pytest

        if os.geteuid() != 0:
            pytest.skip("mounting a small file system needs root (CI runs as root)")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k,mode=0700", "tmpfs", str(folder)],
            check=True,
        )
        self.folder = folder

    def fill(self) -> None:
        """Write until the disk says it is full."""
        import errno
        import os

        fd = os.open(self.folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        finally:
            os.close(fd)

    def free(self) -> None:
        (self.folder / "filler").unlink()

    def read_only(self) -> None:
        import subprocess

        subprocess.run(["mount", "-o", "remount,ro", str(self.folder)], check=True)

    def remove(self) -> None:
        import subprocess

        subprocess.run(["umount", "-l", str(self.folder)], check=True)


class HeldLock:
    """Another program holding the store, as a backup or an import does: a plain
    sqlite3 connection inside BEGIN EXCLUSIVE until ``release()``."""

    def __init__(self, db_path: Any) -> None:
        import sqlite3

        self.connection = sqlite3.connect(db_path, isolation_level=None)
        self.connection.execute("BEGIN EXCLUSIVE")

    def release(self) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


def browser_pain_stop(when: Any) -> list[dict[str, Any]]:
    """The events a browser player sends for a session stopped for pain at once:
    started, the first phase, the pain stop (ids made as the page makes them)."""
    at = when.isoformat()
    return [
        {
            "id": f"00000000-0000-4000-8000-00000000000{n}",
            "seq": n,
            "kind": kind,
            "phase": 0,
            "position_ms": 0,
            "offset_ms": n,
            "at": at,
        }
        for n, kind in enumerate(["started", "phase", "pain_stop"])
    ]


EASEBACK = str(Path(sys.executable).parent / "easeback")
TIMEOUT = 30


def clean_env() -> dict[str, str]:
    """The environment of a person's terminal: no store or size given by the tests."""
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "EASEBACK_DB")}
    env.update(TERM="xterm-256color", LANG="C.UTF-8")
    return env


def keys_as_at_a_terminal() -> None:
    """In the child, before easeback starts: Ctrl-C and Ctrl-\\ act as at a person's
    terminal. A suite started as a background job (``make test &``) has them ignored,
    and an ignored signal stays ignored across exec, so Ctrl-C would do nothing."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


class Terminal:
    """`easeback` running in a pseudo-terminal, with everything it printed kept."""

    def __init__(self, db_path: Any, *args: str, columns: int = 110) -> None:
        import io

        import pexpect

        self.log = io.StringIO()
        self.child = pexpect.spawn(
            EASEBACK,
            ["--db", str(db_path), *args],
            env=clean_env(),
            dimensions=(40, columns),
            encoding="utf-8",
            timeout=TIMEOUT,
            preexec_fn=keys_as_at_a_terminal,
        )
        self.child.logfile_read = self.log

    def expect(self, text: str) -> None:
        self.child.expect_exact(text)

    def finish(self) -> int:
        import pexpect

        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus is not None, f"killed by signal {self.child.signalstatus}"
        return self.child.exitstatus

    @property
    def output(self) -> str:
        return self.log.getvalue()


# --- a clinician's prescription, stored as the import command keeps one ------------------

CLINICIAN = {
    "name": "Dr Ada Okafor",
    "role": "Physiotherapist",
    "organisation": "Riverside Physio",
    "contact": "ada@riverside.example",
}
RX_ID = "3f8a2c1e-7b4d-4e9a-8c2f-1d6e5b4a3c21"
# Knee press held longer and twice, first and last thing; pelvic tilts in the evening;
# no rotation and no chair twist (so no stretch in the middle of the day).
RX_STRETCHES: list[dict[str, Any]] = [
    {"id": "knee-press", "hold_s": 25, "reps": 2, "slots": ["morning", "evening"]},
    {"id": "pelvic-tilt", "hold_s": 8, "slots": ["evening"]},
]


def prescribe(
    engine: Any,
    *,
    at: Any,
    start: Any,
    end: Any = None,
    version: int = 2,
    note: str = "Go gently for the first week.\nStop and call me if the pain spreads.",
    stretches: list[dict[str, Any]] | None = None,
    flare_up: dict[str, Any] | None = None,
    rx_id: str = RX_ID,
    issued: Any = None,
) -> str:
    """Keep a prescription and follow it from ``at`` (aware), as importing its file
    does: every dose stated (``bundle.full``); issued at 09:00 UTC the day before it
    starts unless ``issued`` says when."""
    from datetime import UTC, datetime, time, timedelta

    from easeback.content.prescription import Prescription
    from easeback.prescribing.bundle import full
    from easeback.store.prescriptions import save_import

    library = load_library()
    prescription = Prescription.model_validate(
        {
            "version": version,
            "start": start,
            "end": end,
            "note": note,
            "stretches": RX_STRETCHES if stretches is None else stretches,
            "flare_up": flare_up,
        },
        context={"library": library},
    )
    save_import(
        engine,
        rx_id=rx_id,
        version=version,
        fingerprint="f" * 64,
        clinician=CLINICIAN,
        patient="Sam Doe",
        issued=issued or datetime.combine(start - timedelta(days=1), time(9), UTC),
        start=start,
        end=end,
        plan=full(prescription, library).model_dump(mode="json"),
        file=b"{}",
        at=at,
        trust_name=None,
    )
    return rx_id
