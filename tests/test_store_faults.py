"""When the disk is full, the folder read-only, the file damaged or someone else's:
reading still works, and every message names the real cause and what to do."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from easeback.store.faults import Fault, diagnose
from easeback.wording import messages
from helpers import SmallDisk


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    small = SmallDisk(tmp_path / "disk")
    yield small
    small.remove()


class Ran:
    def __init__(self, done: subprocess.CompletedProcess[str]) -> None:
        self.exit_code = done.returncode
        self.stdout = done.stdout
        self.stderr = done.stderr


@pytest.fixture
def store_on_disk(disk: SmallDisk):  # type: ignore[no-untyped-def]
    """A store with one consent and one note on the small disk; returns a function that
    runs easeback on it in a real process (nothing of this test holds the file open,
    so the disk can be made read-only)."""
    path = disk.folder / "easeback.db"

    def invoke(*args: str) -> Ran:
        easeback = Path(sys.executable).parent / "easeback"
        return Ran(
            subprocess.run(
                [str(easeback), "--db", str(path), *args], capture_output=True, text=True
            )
        )

    assert invoke("consent", "--yes").exit_code == 0
    assert invoke("log", "note", "before the disk filled").exit_code == 0
    invoke.path = path  # type: ignore[attr-defined]
    return invoke


FULL = (
    "easeback: the disk that holds {path} is full, so easeback could not save. Free some "
    "space, then try again; reading, exporting and backing up still work.\n"
)
READ_ONLY = (
    "easeback: {path} cannot be written: the file or its folder is read-only. Make it "
    "writable, or point --db (or EASEBACK_DB) at a file you can write; reading, exporting "
    "and backing up still work.\n"
)


def test_on_a_full_disk_history_export_and_backup_still_work(
    store_on_disk, disk: SmallDisk, tmp_path: Path
) -> None:
    disk.fill()

    history = store_on_disk("history", "--json")
    exported = store_on_disk("export", "--format", "json", "--output", str(tmp_path / "x.json"))
    backed_up = store_on_disk("backup", str(tmp_path / "backup.db"))

    assert history.exit_code == 0, history.stderr
    assert [r["kind"] for r in json.loads(history.stdout)["safety"]] == ["consent"]
    assert exported.exit_code == 0, exported.stderr
    notes = json.loads((tmp_path / "x.json").read_text())["tables"]["diary_entries"]
    assert [n["note"] for n in notes] == ["before the disk filled"]
    assert backed_up.exit_code == 0, backed_up.stderr
    with sqlite3.connect(tmp_path / "backup.db") as copy:
        assert copy.execute("SELECT note FROM diary_entries").fetchall() == [
            ("before the disk filled",)
        ]


def test_a_write_on_a_full_disk_says_the_disk_is_full_and_works_once_space_is_freed(
    store_on_disk, disk: SmallDisk
) -> None:
    disk.fill()

    refused = store_on_disk("log", "note", "while full")
    disk.free()
    saved = store_on_disk("log", "note", "after freeing space")

    assert refused.exit_code == 2
    assert refused.stderr == FULL.format(path=store_on_disk.path)
    assert saved.exit_code == 0, saved.stderr
    notes = [
        e["note"]
        for e in json.loads(store_on_disk("export", "--format", "json").stdout)["tables"][
            "diary_entries"
        ]
    ]
    assert notes == ["before the disk filled", "after freeing space"]


def test_a_backup_onto_the_full_disk_is_refused_by_name(store_on_disk, disk: SmallDisk) -> None:
    disk.fill()

    result = store_on_disk("backup", str(disk.folder / "backup.db"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: FILE: cannot write {disk.folder / 'backup.db'}: the disk is full; free "
        "some space or choose a file on another disk\n"
    )
    assert not (disk.folder / "backup.db").exists()


def test_on_a_read_only_disk_reading_works_and_a_write_says_read_only(
    store_on_disk, disk: SmallDisk
) -> None:
    disk.read_only()

    history = store_on_disk("history", "--json")
    refused = store_on_disk("log", "note", "cannot be kept")

    assert history.exit_code == 0, history.stderr
    assert refused.exit_code == 2
    assert refused.stderr == READ_ONLY.format(path=store_on_disk.path)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite+pysqlite://",
        "sqlite:///file:notes?mode=memory&uri=true",
    ],
)
def test_a_database_in_memory_is_refused_since_it_keeps_nothing(runner, url: str) -> None:
    from easeback.cli import app

    result = runner.invoke(app, ["--db", url, "log", "note", "gone at exit"])

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"easeback: {url} is a database in memory, which keeps nothing once easeback stops; "
        "give a file path instead, e.g. --db ~/easeback.db\n"
    )


def test_another_programs_sqlite_file_is_refused_and_left_untouched(cli, db_path: Path) -> None:
    with sqlite3.connect(db_path) as other:
        other.execute("CREATE TABLE customers (id INTEGER, name TEXT)")
        other.execute("CREATE TABLE orders (id INTEGER)")
    before = db_path.read_bytes()

    result = cli("history")

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {db_path} holds another program's tables (customers, orders), "
        "not an easeback store; easeback has left it untouched. Give a new file with --db or "
        "EASEBACK_DB.\n"
    )
    assert db_path.read_bytes() == before


def test_another_programs_alembic_database_is_refused_not_called_a_newer_easeback(
    cli, db_path: Path
) -> None:
    with sqlite3.connect(db_path) as other:
        other.execute("CREATE TABLE alembic_version (version_num TEXT)")
        other.execute("INSERT INTO alembic_version VALUES ('9f3c2a1b')")
        other.execute("CREATE TABLE invoices (id INTEGER)")

    result = cli("history")

    assert result.exit_code == 2
    assert "holds another program's tables (alembic_version, invoices)" in result.stderr


def test_an_empty_sqlite_file_becomes_a_new_store(cli, db_path: Path) -> None:
    sqlite3.connect(db_path).close()

    assert cli("history").exit_code == 0


def test_a_damaged_store_points_to_restore(cli, db_path: Path) -> None:
    assert cli("consent", "--yes").exit_code == 0
    data = bytearray(db_path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the first page, past SQLite's header
    db_path.write_bytes(bytes(data))

    result = cli("history")

    assert result.exit_code == 2
    assert result.stderr.startswith(f"easeback: {db_path} is damaged (SQLite says: ")
    assert result.stderr.endswith(
        "Restore your latest backup with: easeback restore BACKUP-FILE (the damaged file is "
        "kept until that succeeds).\n"
    )


def test_a_file_that_is_no_database_is_named_so_and_left_untouched(cli, db_path: Path) -> None:
    db_path.write_text("my shopping list\n")

    result = cli("history")

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {db_path} is not an SQLite database, so it cannot be an easeback store; "
        "easeback has left it untouched. Give the path of your store, or of a new file, with "
        "--db or EASEBACK_DB; if it was your store and something wrote over it, restore your "
        "latest backup with: easeback restore BACKUP-FILE\n"
    )
    assert db_path.read_text() == "my shopping list\n"


def test_a_restore_over_a_file_that_is_no_database_keeps_that_file(
    cli, db_path: Path, tmp_path: Path
) -> None:
    assert cli("consent", "--yes").exit_code == 0
    assert cli("backup", str(tmp_path / "backup.db")).exit_code == 0
    db_path.write_text("my shopping list\n")

    result = cli("restore", "--yes", str(tmp_path / "backup.db"))

    assert result.exit_code == 0, result.output
    kept = db_path.with_name("easeback.db.before-restore")
    assert result.stdout.endswith(
        f"The file it replaced was not a database; it is kept as {kept}.\n"
    )
    assert kept.read_text() == "my shopping list\n"
    assert cli("history").exit_code == 0


def test_a_store_locked_by_another_program_is_named_as_locked(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    writer = sqlite3.connect(path, timeout=0)
    try:
        with pytest.raises(sqlite3.OperationalError) as raised:
            writer.execute("INSERT INTO t VALUES (1)")
    finally:
        writer.close()
        holder.close()

    assert diagnose(raised.value, path) is Fault.LOCKED


@pytest.mark.parametrize(
    ("errno_name", "fault"),
    [("ENOSPC", Fault.FULL), ("EDQUOT", Fault.FULL), ("EROFS", Fault.READ_ONLY)],
)
def test_file_system_errors_are_named_by_their_cause(errno_name: str, fault: Fault) -> None:
    import errno

    assert diagnose(OSError(getattr(errno, errno_name), "x")) is fault


def test_the_web_app_started_on_a_full_disk_saves_again_once_space_is_freed(
    store_on_disk, disk: SmallDisk
) -> None:
    from fastapi.testclient import TestClient

    from easeback.store.diary import entries
    from easeback.web.app import Settings, create_app
    from helpers import WEB_BASE, WEB_PORT

    disk.fill()
    app = create_app(Settings(db=str(store_on_disk.path), port=WEB_PORT))
    with TestClient(app, base_url=WEB_BASE) as client:
        assert client.get("/history").status_code == 200  # reading works on a full disk
        token = client.cookies["easeback_csrf"]
        full = client.post("/diary", data={"csrf": token, "pain": "3", "note": "while full"})
        disk.free()
        freed = client.post("/diary", data={"csrf": token, "pain": "3", "note": "space freed"})

        notes = [e.note for e in entries(app.state.engine)]
    app.state.engine.dispose()

    assert full.status_code == 503
    alert = BeautifulSoup(full.text, "html.parser").find(role="alert").get_text(" ", strip=True)
    assert messages.WEB_STORE_CAUSES["full"] in alert
    assert freed.status_code == 200
    assert notes == ["before the disk filled", "space freed"]


def test_a_store_whose_name_holds_a_question_mark_is_that_very_file(runner, tmp_path: Path) -> None:
    from easeback.cli import app

    path = tmp_path / "my?notes#1.db"

    result = runner.invoke(app, ["--db", str(path), "consent", "--yes"])

    assert result.exit_code == 0, result.output
    name = "my?notes#1.db"
    assert {p.name for p in tmp_path.iterdir()} <= {name, f"{name}-wal", f"{name}-shm"}
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_database_url_in_a_folder_that_does_not_exist_says_so(runner, tmp_path: Path) -> None:
    from easeback.cli import app

    missing = tmp_path / "no-such-folder" / "x.db"

    result = runner.invoke(app, ["--db", f"sqlite:///{missing}", "history"])

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: the folder of {missing} does not exist. Create it, or point --db (or "
        "EASEBACK_DB) at a file in a folder that exists.\n"
    )
