"""Files a person names are read safely: regular files only, never more than a size
limit the message names, and a name that is too long, a loop of links or a folder
is bad input (exit 2), never a crash or a wait for ever. Names are echoed with their
control characters escaped."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import answers_json

EASEBACK = str(Path(sys.executable).parent / "easeback")
NOT_A_FILE = "it is not a regular file (a device, a pipe or a socket); give a file saved on disk"


def run(
    db_path: Path, *args: str, stdin: object = subprocess.DEVNULL
) -> subprocess.CompletedProcess[str]:
    """easeback in a process of its own: a hang fails the test instead of the suite."""
    return subprocess.run(
        [EASEBACK, "--db", str(db_path), *args],
        stdin=stdin,  # type: ignore[arg-type]
        capture_output=True,
        text=True,
        timeout=20,
    )


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    return path


@pytest.fixture
def loop(tmp_path: Path) -> Path:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    return tmp_path / "a"


READERS = [
    ("routine", "check", "{path}", "{path}: cannot read the file: {reason}"),
    ("timeline", "{path}", None, "{path}: cannot read the file: {reason}"),
    ("start", "{path}", None, "{path}: cannot read the file: {reason}"),
    ("check", "--answers", "{path}", "{path}: cannot read the answers: {reason}"),
    ("import", "{path}", None, "{path}: cannot read it: {reason}; nothing was imported"),
    ("restore", "--yes", "{path}", "FILE: {path}: {reason}; nothing was changed"),
]


def command(words: tuple[str | None, ...], path: Path) -> list[str]:
    return [w.format(path=path) for w in words if w is not None]


@pytest.mark.parametrize(("a", "b", "c", "message"), READERS, ids=lambda x: str(x)[:12])
@pytest.mark.parametrize("special", ["/dev/zero", "/dev/random", "fifo"])
def test_devices_and_pipes_are_refused_at_once(
    db_path: Path, fifo: Path, a: str, b: str, c: str | None, message: str, special: str
) -> None:
    path = fifo if special == "fifo" else Path(special)
    result = run(db_path, *command((a, b, c), path))

    assert result.returncode == 2
    assert result.stderr == f"easeback: {message.format(path=path, reason=NOT_A_FILE)}\n"


@pytest.mark.parametrize(("a", "b", "c", "message"), READERS, ids=lambda x: str(x)[:12])
def test_a_loop_of_symbolic_links_is_bad_input(
    db_path: Path, loop: Path, a: str, b: str, c: str | None, message: str
) -> None:
    result = run(db_path, *command((a, b, c), loop))

    assert result.returncode == 2
    reason = "its symbolic links go round in a loop"
    assert result.stderr == f"easeback: {message.format(path=loop, reason=reason)}\n"


@pytest.mark.parametrize(("a", "b", "c", "message"), READERS, ids=lambda x: str(x)[:12])
def test_a_name_over_255_bytes_is_bad_input(
    db_path: Path, tmp_path: Path, a: str, b: str, c: str | None, message: str
) -> None:
    path = tmp_path / ("n" * 300)

    result = run(db_path, *command((a, b, c), path))

    assert result.returncode == 2
    if a in ("routine", "timeline", "start"):  # a routine name that is not a file at all
        assert result.stderr.startswith(f"easeback: {path}: ")
    else:
        reason = "the name is too long (a part over 255 bytes, or the whole over 4096)"
        assert result.stderr == f"easeback: {message.format(path=path, reason=reason)}\n"


@pytest.mark.parametrize(
    ("args", "limit"),
    [
        (("routine", "check"), "64 KB"),
        (("check", "--answers"), "64 KB"),
    ],
)
def test_a_file_over_its_size_limit_is_refused_with_the_limit_named(
    db_path: Path, tmp_path: Path, args: tuple[str, ...], limit: str
) -> None:
    big = tmp_path / "big"
    big.write_bytes(b"#" * (200 * 1024))

    result = run(db_path, *args, str(big))

    assert result.returncode == 2
    assert f"it is 200 KB, more than the {limit} allowed" in result.stderr


def test_answers_on_standard_input_are_read_up_to_the_limit(db_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        result = run(db_path, "check", "--answers", "-", stdin=zero)

    assert result.returncode == 2
    assert result.stderr == (
        "easeback: standard input: cannot read the answers: it is more than 64 KB, the most "
        "allowed\n"
    )


def test_answers_still_come_from_standard_input(db_path: Path) -> None:
    result = subprocess.run(
        [EASEBACK, "--db", str(db_path), "check", "--answers", "-"],
        input=answers_json(),
        capture_output=True,
        text=True,
        timeout=20,
    )

    assert result.returncode == 0, result.stderr


def test_control_characters_in_a_name_are_shown_escaped(db_path: Path, tmp_path: Path) -> None:
    name = tmp_path / "bad\x1b[31mname\x07.toml"

    result = run(db_path, "routine", "check", str(name))

    assert result.returncode == 2
    assert "\x1b" not in result.stderr and "\x07" not in result.stderr
    assert f"{tmp_path}/bad\\x1b[31mname\\x07.toml: no such routine file" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("export", "--format", "json", "--output", "/dev/null"),
            "--output: /dev/null is not a regular file (a device, a pipe or a socket); give "
            "the name of a file to write",
        ),
        (
            ("calendar", "--ics", "/dev/full"),
            "--ics: /dev/full is not a regular file (a device, a pipe or a socket); give the "
            "name of a file to write",
        ),
    ],
)
def test_output_to_a_device_is_refused(db_path: Path, args: tuple[str, ...], message: str) -> None:
    result = run(db_path, *args)

    assert result.returncode == 2
    assert result.stderr == f"easeback: {message}\n"


def test_an_output_name_over_255_bytes_is_bad_input(db_path: Path, tmp_path: Path) -> None:
    target = tmp_path / ("n" * 300)

    result = run(db_path, "report", "--pdf", str(target))

    assert result.returncode == 2
    assert result.stderr.startswith(f"easeback: --pdf: {target}")
    assert "the name is too long" in result.stderr


@pytest.mark.parametrize("kind", ["long", "loop"])
def test_a_store_path_that_cannot_be_a_file_is_bad_input(
    tmp_path: Path, loop: Path, kind: str
) -> None:
    path = tmp_path / ("n" * 300) if kind == "long" else loop

    result = run(path, "history")

    assert result.returncode == 2
    assert result.stderr.startswith(f"easeback: cannot use {path} for the database: ")
