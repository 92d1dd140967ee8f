"""The event store, migrated by Alembic, every event committed at once: on a SQLite
file, on a PostgreSQL database and in one patient's schema on a clinic's server (the
``engine`` fixture runs each test on all three; tests of what only a SQLite file has,
its journal mode, its permissions, its path, are marked ``sqlite_only``)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, text

from easeback.core.player import Player
from easeback.store import StoreError, open_store
from easeback.store.consents import latest_consent, record_consent
from easeback.store.location import resolve_url
from easeback.store.quick import SCHEMA_REVISION
from easeback.store.sessions import SessionLog, list_sessions, session_events
from helpers import ROTATION_TIMELINE as TIMELINE
from stores import BACKENDS, elsewhere, store_on, table_names

HEAD = SCHEMA_REVISION  # the fast read path's revision; checked against Alembic below
MORNING = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
LATER = MORNING + timedelta(days=7)  # long after every session here could have ended


def open_log(engine: Engine, started: datetime = MORNING, speed: float = 1.0) -> SessionLog:
    return SessionLog(
        engine,
        TIMELINE,
        title="Just the rotation",
        speed=speed,
        started=started,
        zone="Europe/London",
        player="terminal",
    )


def record_session(
    engine: Engine, ending: str | None, started: datetime = MORNING, speed: float = 1.0
) -> str:
    """Play and store a session that ends in ``ending`` (None: cut off after phase 1)."""
    log = open_log(engine, started, speed)
    player = Player(TIMELINE, speed=speed)
    events = player.start(0.0) + player.tick(5.0)
    if ending == "completed":
        events += player.tick(100.0)
    elif ending == "pain_stop":
        events += player.pain_stop(6.0)
    elif ending == "quit":
        events += player.quit(6.0)
    for event in events:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=int(event.at * 1000)
        )
    return log.id


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, db_path: Path) -> Iterator[Engine]:
    """A fresh store on each database easeback runs on (tests/stores.py)."""
    with store_on(request.param, db_path, request) as store:
        yield store


@pytest.fixture
def lite(db_path: Path) -> Iterator[Engine]:
    """A fresh store in a SQLite file, for what only a file has."""
    with store_on("sqlite", db_path, None) as store:  # type: ignore[arg-type]
        yield store


def sqlite_rows(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    """Read with a separate, plain sqlite3 connection (another process would see this)."""
    connection = sqlite3.connect(db_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


# --- opening --------------------------------------------------------------------


def test_open_store_creates_the_schema_through_alembic(engine: Engine) -> None:
    assert elsewhere(engine, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    tables = table_names(engine)
    assert {
        "sessions",
        "events",
        "consents",
        "screenings",
        "clearances",
        "followups",
        "pain_ratings",
        "alembic_version",
    } <= tables


@pytest.mark.sqlite_only
def test_connections_use_wal_and_full_synchronous(lite: Engine) -> None:
    with lite.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar() == 2


@pytest.mark.sqlite_only
def test_wal_mode_is_kept_in_the_file(lite: Engine, db_path: Path) -> None:
    assert sqlite_rows(db_path, "PRAGMA journal_mode") == [("wal",)]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_opening_twice_is_fine(request: pytest.FixtureRequest, db_path: Path, kind: str) -> None:
    url = str(db_path) if kind == "sqlite" else request.getfixturevalue("postgres_url")
    first = open_store(url)
    record_session(first, "completed")
    first.dispose()

    second = open_store(url)

    assert len(list_sessions(second, now=LATER)) == 1
    assert elsewhere(second, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    second.dispose()


@pytest.mark.sqlite_only
def test_a_folder_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(str(tmp_path))

    assert str(caught.value) == (
        f"{tmp_path} is a folder; give a file path such as {tmp_path / 'easeback.db'}"
    )


@pytest.mark.sqlite_only
def test_missing_parent_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "easeback.db"

    engine = open_store(str(path))
    engine.dispose()

    assert path.is_file()


# --- where the data lives ---------------------------------------------------------------


def test_easeback_db_env_var_names_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EASEBACK_DB", str(tmp_path / "from-env.db"))

    assert resolve_url() == f"sqlite:///{(tmp_path / 'from-env.db').resolve()}"


def test_easeback_db_env_var_may_be_a_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'url.db'}"
    monkeypatch.setenv("EASEBACK_DB", url)

    assert resolve_url() == url


def test_db_option_wins_over_the_env_var(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("EASEBACK_DB", str(tmp_path / "from-env.db"))

    assert resolve_url(str(tmp_path / "given.db")) == f"sqlite:///{tmp_path / 'given.db'}"
    assert resolve_url(f"sqlite:///{tmp_path / 'u.db'}") == f"sqlite:///{tmp_path / 'u.db'}"


def test_relative_and_home_paths_become_absolute(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EASEBACK_DB", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)

    assert resolve_url("~/home.db") == f"sqlite:///{tmp_path.resolve() / 'home.db'}"
    assert resolve_url("here.db") == f"sqlite:///{tmp_path.resolve() / 'here.db'}"


def test_without_db_or_env_var_the_file_is_in_the_user_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("EASEBACK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))

    assert resolve_url() == f"sqlite:///{tmp_path / 'data' / 'easeback' / 'easeback.db'}"


def test_a_bad_url_is_a_store_error() -> None:
    with pytest.raises(StoreError, match="easeback cannot use the database URL"):
        open_store("not a scheme://x")


def test_cli_db_option_accepts_a_sqlite_url(cli, tmp_path: Path) -> None:
    target = tmp_path / "via-url.db"

    result = cli("--db", f"sqlite:///{target}", "consent", "--yes")

    assert result.exit_code == 0, result.output
    assert sqlite_rows(target, "SELECT kind FROM consents") == [("clinician_check",)]


def test_cli_reads_easeback_db_from_the_environment(
    runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from easeback.cli import app

    target = tmp_path / "env.db"
    monkeypatch.setenv("EASEBACK_DB", str(target))

    result = runner.invoke(app, ["consent", "--yes"])

    assert result.exit_code == 0, result.output
    assert sqlite_rows(target, "SELECT kind FROM consents") == [("clinician_check",)]


def test_cli_refuses_a_folder_with_one_line_on_stderr(cli, tmp_path: Path) -> None:
    result = cli("--db", str(tmp_path), "history")

    assert result.exit_code == 2
    assert result.stderr == (
        f"easeback: {tmp_path} is a folder; give a file path such as {tmp_path / 'easeback.db'}\n"
    )


# --- sessions ----------------------------------------------------------------------------


def test_each_event_is_committed_as_soon_as_it_is_appended(engine: Engine) -> None:
    log = open_log(engine)
    player = Player(TIMELINE)
    assert elsewhere(engine, "SELECT routine, total_ms FROM sessions") == [("rotation", 27_000)]

    for seq, event in enumerate(player.start(0.0) + player.tick(3.0)):
        log.append(event, wall=MORNING, offset_ms=int(event.at * 1000))
        stored = elsewhere(engine, "SELECT seq, kind, phase_index FROM events ORDER BY seq")
        assert stored[-1] == (seq, event.kind, event.phase)
        assert len(stored) == seq + 1


def test_events_keep_the_phase_they_happened_in(engine: Engine) -> None:
    session_id = record_session(engine, "pain_stop")

    stored = session_events(engine, session_id)

    assert [(e["kind"], e["phase_kind"], e["side"]) for e in stored] == [
        ("started", "prepare", "left"),
        ("phase", "prepare", "left"),
        ("phase", "hold", "left"),
        ("pain_stop", "hold", "left"),
    ]
    assert stored[-1]["position_ms"] == 6000
    assert stored[-1]["offset_ms"] == 6000
    assert stored[-1]["zone"] == "Europe/London"


def test_wall_times_are_stored_in_utc(engine: Engine) -> None:
    paris_morning = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    session_id = record_session(engine, "quit", started=paris_morning)

    (summary,) = list_sessions(engine, now=LATER)

    assert summary.id == session_id
    assert summary.started_utc == datetime(2026, 3, 2, 8, 0)


@pytest.mark.parametrize("ending", ["completed", "pain_stop", "quit"])
def test_outcome_is_read_from_the_ending_event(engine: Engine, ending: str) -> None:
    record_session(engine, ending)

    (summary,) = list_sessions(engine, now=LATER)

    assert summary.outcome == ending


def test_a_session_without_an_ending_event_was_interrupted(engine: Engine) -> None:
    record_session(engine, None)

    (summary,) = list_sessions(engine, now=LATER)

    assert summary.outcome == "interrupted"
    assert summary.holds == 1


def test_a_session_without_an_ending_is_playing_while_it_could_still_run(engine: Engine) -> None:
    record_session(engine, None)  # the rotation, 27 s, cut off 5 s in

    (soon,) = list_sessions(engine, now=MORNING + timedelta(minutes=5))
    (later,) = list_sessions(engine, now=MORNING + timedelta(minutes=11))

    assert (soon.outcome, later.outcome) == ("playing", "interrupted")


def test_a_session_without_any_event_was_interrupted(engine: Engine) -> None:
    open_log(engine)

    (summary,) = list_sessions(engine, now=LATER)

    assert (summary.outcome, summary.elapsed_ms, summary.holds) == ("interrupted", 0, 0)


def test_sessions_are_listed_newest_first(engine: Engine) -> None:
    oldest = record_session(engine, "completed", started=MORNING)
    newest = record_session(engine, "quit", started=MORNING + timedelta(days=2))
    middle = record_session(engine, "pain_stop", started=MORNING + timedelta(days=1))

    summaries = list_sessions(engine, now=LATER)

    assert [s.id for s in summaries] == [newest, middle, oldest]
    assert [s.outcome for s in summaries] == ["quit", "pain_stop", "completed"]
    assert [s.id for s in list_sessions(engine, limit=2, now=LATER)] == [newest, middle]


def test_completed_session_summary(engine: Engine) -> None:
    record_session(engine, "completed")

    (summary,) = list_sessions(engine, now=LATER)

    assert summary.planned_ms == 27_000
    assert summary.holds == 2
    assert summary.rehearsal is False
    assert summary.speed == 1.0
    assert summary.player == "terminal"
    assert summary.title == "Just the rotation"


@pytest.mark.parametrize(("speed", "rehearsal"), [(1.0, False), (0.5, True), (20.0, True)])
def test_a_session_at_another_speed_is_a_rehearsal(
    engine: Engine, speed: float, rehearsal: bool
) -> None:
    record_session(engine, "completed", speed=speed)

    (summary,) = list_sessions(engine, now=LATER)

    assert summary.rehearsal is rehearsal
    assert summary.to_json()["rehearsal"] is rehearsal


def test_naive_wall_times_are_refused(engine: Engine) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        open_log(engine, started=datetime(2026, 3, 2, 7, 0))


# --- consents ------------------------------------------------------------------------


def test_no_consent_yet(engine: Engine) -> None:
    assert latest_consent(engine) is None


def test_consents_are_appended_and_the_newest_is_latest(engine: Engine) -> None:
    record_consent(engine, wording="1", given=MORNING, zone="Europe/London")
    record_consent(engine, wording="2", given=MORNING + timedelta(days=30), zone="Europe/Paris")

    latest = latest_consent(engine)

    assert latest is not None
    assert (latest.kind, latest.wording, latest.zone) == ("clinician_check", "2", "Europe/Paris")
    assert latest.given_utc == datetime(2026, 4, 1, 7, 0)
    assert elsewhere(engine, "SELECT wording FROM consents ORDER BY id") == [("1",), ("2",)]


def test_latest_consent_is_the_newest_given_not_the_last_written(engine: Engine) -> None:
    record_consent(engine, wording="2", given=MORNING + timedelta(days=30), zone="UTC")
    record_consent(engine, wording="1", given=MORNING, zone="UTC")

    latest = latest_consent(engine)

    assert latest is not None
    assert latest.wording == "2"


# --- what a person sees when the database cannot be used -----------------------------


@pytest.mark.sqlite_only
def test_a_new_database_and_its_folder_are_private_to_their_owner(tmp_path: Path) -> None:
    path = tmp_path / "new-folder" / "easeback.db"

    open_store(str(path)).dispose()

    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "mysql://nohost/x",
            r"no database driver for 'mysql' is installed \(MySQLdb\); "
            "easeback works out of the box with a SQLite file path",
        ),
        (
            "postgresql://nohost/x",  # psycopg is installed: the server is what is missing
            r"cannot open the database postgresql://nohost/x: failed to resolve host "
            r"'nohost'.*\. Check that the database server is running and the address, "
            r"user and database name in the URL are right\.",
        ),
        (
            "foo://bar",
            "easeback cannot use the database URL 'foo://bar': "
            "Can't load plugin: sqlalchemy\\.dialects:foo",
        ),
    ],
)
def test_an_unusable_url_is_a_clear_store_error(url: str, message: str) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(url)

    assert re.fullmatch(message, str(caught.value))


@pytest.mark.sqlite_only
def test_a_file_from_a_newer_easeback_is_refused_and_left_alone(db_path: Path) -> None:
    open_store(str(db_path)).dispose()
    connection = sqlite3.connect(db_path)
    connection.execute("UPDATE alembic_version SET version_num = '0099'")
    connection.commit()
    connection.close()

    with pytest.raises(StoreError, match="written by a newer version of easeback"):
        open_store(str(db_path))

    assert sqlite_rows(db_path, "SELECT version_num FROM alembic_version") == [("0099",)]


def test_migrations_build_exactly_the_tables_that_schema_py_describes(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from easeback.store.schema import metadata

    with engine.connect() as connection:
        found = compare_metadata(MigrationContext.configure(connection), metadata)
    # Column comments in schema.py are its documentation, not written to the database
    # (SQLite has nowhere to keep them; PostgreSQL would, so alembic names them there).
    differences = [d for d in found if not (isinstance(d, list) and d[0][0] == "modify_comment")]
    assert differences == []


def test_the_fast_read_path_knows_the_newest_migration() -> None:
    from importlib import resources

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("easeback.store").joinpath("migrations"))
    )
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


@pytest.mark.sqlite_only
def test_a_store_from_before_sync_with_psfs_ratings_opens_and_every_record_gets_its_id(
    db_path: Path,
) -> None:
    from alembic import command

    from easeback.store.db import alembic_config, make_engine

    old = make_engine(f"sqlite:///{db_path}")
    config = alembic_config()
    with old.begin() as connection:
        config.attributes["connection"] = connection
        config.attributes["schema"] = None
        command.upgrade(config, "0009")
        connection.execute(
            text("INSERT INTO psfs_activities (name, added_utc) VALUES ('Walking', '2026-03-01')")
        )
        connection.execute(
            text(
                "INSERT INTO psfs_ratings (activity_id, value, at_utc, zone) "
                "VALUES (1, 4, '2026-03-01', 'UTC')"
            )
        )
    old.dispose()

    engine = open_store(str(db_path))

    with engine.connect() as connection:
        assert connection.execute(text("SELECT uid FROM psfs_ratings")).scalar()
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        lines = connection.execute(text("SELECT tbl FROM sync_ledger ORDER BY n")).all()
    assert [line[0] for line in lines] == ["psfs_activities", "psfs_ratings"]
    engine.dispose()
