"""A throwaway PostgreSQL server for the tests: Debian's own binaries, a cluster made
with initdb in a temporary folder, started with pg_ctl on a free local port as an
unprivileged user (PostgreSQL refuses to run as root), and removed afterwards. Nothing
outside the temporary folder is touched, and nothing needs to be running beforehand."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from browser import free_port

INSTALL = "apt-get install postgresql"


def binaries() -> Path | None:
    """The newest Debian PostgreSQL (15 or later) bin folder, or None."""
    found = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "initdb").exists()),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    found = [p for p in found if p.parent.name.isdigit() and int(p.parent.name) >= 15]
    return found[-1] if found else None


@contextmanager
def cluster() -> Iterator[str]:
    """A running server; yields the SQLAlchemy URL of its ``postgres`` database."""
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError(f"PostgreSQL 15 or later is needed for these tests: {INSTALL}")
    folder = Path(tempfile.mkdtemp(prefix="easeback-pg-"))
    user = None
    if os.geteuid() == 0:  # run the server as nobody, in a folder nobody owns
        user = pwd.getpwnam("nobody")
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, port = folder / "data", free_port()

    def run(*args: str) -> None:
        subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            check=True,
            capture_output=True,
            user=user.pw_uid if user else None,
            group=user.pw_gid if user else None,
            cwd=folder,
        )

    try:
        run("initdb", "-D", str(data), "-U", "easeback", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://easeback@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(server: str) -> Iterator[str]:
    """A new, empty database on the cluster whose maintenance URL is ``server``;
    its URL, and the database dropped afterwards (connections left open or not)."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()
