"""Reading the files a person names (a routine, an answer file, an export), safely.

Only regular files are read, and never more than a size limit named in the message:
``/dev/zero`` would grow without end, and ``/dev/random``, a named pipe or a terminal
would wait forever. A name that is too long, a loop of symbolic links or a folder is
a plain "that is not a file" problem, not a crash. Paths echoed back have their
control characters escaped, so a name cannot rewrite the terminal.
"""

from __future__ import annotations

import errno
import os
import stat
import sys

KB = 1024
MB = 1024 * KB

_REASONS = {
    errno.ENOENT: "there is no such file",
    errno.ENOTDIR: "a part of the path is not a folder",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.ENAMETOOLONG: "the name is too long (a part over 255 bytes, or the whole over 4096)",
    errno.ELOOP: "its symbolic links go round in a loop",
    errno.EISDIR: "it is a folder; give a file",
}


class FileProblem(ValueError):
    """A named file that cannot be read; the message says why (without the path)."""


def shown(path: object) -> str:
    """A path (or any text) fit to echo: control characters written as escapes."""
    return "".join(c if c.isprintable() else _escape(c) for c in str(path))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def reason_for(exc: OSError) -> str:
    """An OS error about a path, in words."""
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or str(exc)).lower()


def size_words(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{max(1, round(count / KB))} KB"


def check_regular(path: str | os.PathLike[str]) -> os.stat_result:
    """The file's status when it is a regular file; FileProblem otherwise. Opens
    nothing, so a pipe or a device cannot make it wait."""
    try:
        status = os.stat(path)
    except OSError as exc:
        raise FileProblem(reason_for(exc)) from None
    _refuse_odd(status)
    return status


def _refuse_odd(status: os.stat_result) -> None:
    if stat.S_ISDIR(status.st_mode):
        raise FileProblem("it is a folder; give a file")
    if not stat.S_ISREG(status.st_mode):
        raise FileProblem(
            "it is not a regular file (a device, a pipe or a socket); give a file saved on disk"
        )


def read_bytes(path: str | os.PathLike[str], *, limit: int) -> bytes:
    """The whole of a regular file of at most ``limit`` bytes; FileProblem otherwise."""
    try:
        # O_NONBLOCK: opening a pipe with no writer must not wait (it is refused next).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise FileProblem(reason_for(exc)) from None
    try:
        status = os.fstat(fd)
        _refuse_odd(status)
        if status.st_size > limit:
            raise FileProblem(_too_big(status.st_size, limit))
        os.set_blocking(fd, True)
        data = _read_up_to(fd, limit + 1)
    except OSError as exc:
        raise FileProblem(reason_for(exc)) from None
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise FileProblem(_too_big(len(data), limit))
    return data


def read_text(path: str | os.PathLike[str], *, limit: int) -> str:
    """A regular file of at most ``limit`` bytes, as UTF-8 text."""
    return _decode(read_bytes(path, limit=limit))


def read_stdin_text(*, limit: int) -> str:
    """Standard input, at most ``limit`` bytes of UTF-8 text (``-`` as a file name)."""
    try:
        data = sys.stdin.buffer.read(limit + 1)
    except OSError as exc:
        raise FileProblem(reason_for(exc)) from None
    if len(data) > limit:
        raise FileProblem(f"it is more than {size_words(limit)}, the most allowed")
    return _decode(data)


def _read_up_to(fd: int, count: int) -> bytes:
    chunks: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, 1 * MB))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblem("it is not UTF-8 text") from None


def _too_big(size: int, limit: int) -> str:
    return f"it is {size_words(size)}, more than the {size_words(limit)} allowed"
