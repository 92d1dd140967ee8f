"""Taking data out and putting it back: JSON, CSV and FHIR exports, import, backup
and restore, and the PDFs for a clinician."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from easeback.core.plan import DaySettings
from easeback.store import open_store
from easeback.store.diary import add_entry, rate_activities, set_activities
from easeback.store.dump import dump, load
from easeback.store.safety import record_pain
from easeback.store.sessions import SessionLog

START = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)


# --- a history to export ------------------------------------------------------------


def play(engine: Engine, started: datetime, *, ending: str, speed: float = 1.0) -> str:
    from easeback.core.player import Player
    from helpers import ROTATION_TIMELINE

    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="Just the rotation",
        speed=speed,
        started=started,
        zone="Europe/London",
        player="terminal",
        slot="morning",
        plan_date=started.date().isoformat(),
    )
    player = Player(ROTATION_TIMELINE)
    made = player.start(0.0)
    made += {"pain_stop": player.pain_stop, "quit": player.quit, "completed": player.tick}[ending](
        12.0 if ending != "completed" else 99.0
    )
    for event in made:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=round(event.at * 1000)
        )
    return log.id


def fill(engine: Engine, history: dict[str, Any]) -> None:
    """Write a history through the app's own store functions: settings, consent and
    safety answers, sessions (some rehearsals, some stopped for pain, with follow-ups
    and progression), pain ratings, diary entries and PSFS ratings."""
    from easeback.core.plan import DaySettings
    from easeback.core.screening import QUESTION_IDS, Gate
    from easeback.store.consents import record_consent
    from easeback.store.plan import save_settings
    from easeback.store.safety import record_followup
    from easeback.usecases.aftercare import catch_up_progress
    from easeback.usecases.checkup import record_answers

    save_settings(engine, DaySettings(zone="Europe/London"), at=START)
    record_consent(engine, wording="1", given=START, zone="Europe/London")
    answers = {q: q == "age" for q in QUESTION_IDS}
    record_answers(engine, answers, Gate("due", "first"), at=START, zone="Europe/London")
    for i, (ending, before, after) in enumerate(history["sessions"]):
        started = START + timedelta(days=i, hours=i % 5)
        session = play(engine, started, ending=ending, speed=1.0 + (i % 2) * 1.5)
        if ending == "pain_stop":
            record_followup(
                engine,
                at=started,
                zone="UTC",
                kind="pain_stop",
                session_id=session,
                settled=None,
                step_back=False,
            )
        for moment, value in (("before", before), ("after", after)):
            if value is not None:
                record_pain(
                    engine, session_id=session, moment=moment, value=value, at=started, zone="UTC"
                )
    catch_up_progress(engine)
    for i, (pain, note, share) in enumerate(history["diary"]):
        add_entry(
            engine,
            at=START + timedelta(hours=7 * i, minutes=i),
            zone="America/New_York",
            pain=pain,
            note=note or ("x" if pain is None else None),
            share=share,
        )
    if history["psfs"]:
        activities = set_activities(engine, ["Socks on", "Gardening", "Sitting"], at=START)
        for week, values in enumerate(history["psfs"]):
            rate_activities(
                engine,
                {a.id: v for a, v in zip(activities, values, strict=True)},
                at=START + timedelta(weeks=week),
                zone="UTC",
            )


histories = st.fixed_dictionaries(
    {
        "sessions": st.lists(
            st.tuples(
                st.sampled_from(["completed", "pain_stop", "quit"]),
                st.none() | st.integers(0, 10),
                st.none() | st.integers(0, 10),
            ),
            max_size=6,
        ),
        "diary": st.lists(
            st.tuples(
                st.none() | st.integers(0, 10),
                st.none() | st.text(min_size=1, max_size=40),
                st.booleans(),
            ),
            max_size=8,
        ),
        "psfs": st.lists(st.lists(st.integers(0, 10), min_size=3, max_size=3), max_size=4),
    }
)


@pytest.fixture(scope="module")
def blank_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty store file, copied for each example (migrating is slow)."""
    path = tmp_path_factory.mktemp("blank") / "blank.db"
    open_store(str(path)).dispose()
    return path


def fresh(blank: Path, folder: str, name: str) -> Engine:
    target = Path(folder) / name
    shutil.copy(blank, target)
    return open_store(str(target))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(history=histories)
def test_a_json_export_imports_into_an_empty_store_and_exports_the_same(
    blank_store: Path, history: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first = fresh(blank_store, folder, "first.db")
        fill(first, history)
        exported = json.loads(json.dumps(dump(first, exported=START)))
        second = fresh(blank_store, folder, "second.db")

        load(second, exported, source="export.json")
        again = dump(second, exported=START + timedelta(days=1))

        first.dispose()
        second.dispose()
    assert again["tables"] == exported["tables"]
    assert again["exported_utc"] != exported["exported_utc"]


def test_export_and_import_through_the_commands(
    cli: Any, runner: Any, engine: Engine, tmp_path: Path
) -> None:
    from easeback.cli import app

    fill(
        engine,
        {
            "sessions": [("completed", 4, 3), ("pain_stop", 5, None)],
            "diary": [(6, "stiff", True)],
            "psfs": [[3, 4, 5]],
        },
    )
    target = tmp_path / "export.json"

    written = cli("export", "--format", "json", "--output", str(target))
    imported = runner.invoke(app, ["--db", str(tmp_path / "new.db"), "import", str(target)])

    assert written.exit_code == 0, written.output
    assert "It holds health data" in written.stdout
    assert imported.exit_code == 0, imported.output
    events = len(dump(engine, exported=START)["tables"]["events"])
    assert imported.stdout == f"Imported 2 sessions, {events} events and 1 diary entries.\n"
    assert (target.stat().st_mode & 0o777) == 0o600


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not an easeback export (not JSON"),
        ('{"format": "something-else"}', 'not an easeback export (no "format"'),
        ('{"format": "easeback-export", "version": 99, "tables": {}}', "export version 99"),
        ('{"format": "easeback-export", "version": 1, "tables": {"x": []}}', "unknown tables: x"),
        (
            '{"format": "easeback-export", "version": 1, "tables": {"diary_entries": '
            '[{"id": 1, "at_utc": "soon", "zone": "UTC", "pain": 3, "note": null, '
            '"share": false}]}}',
            "tables.diary_entries[0].at_utc: 'soon' is not an ISO 8601 time",
        ),
        (
            '{"format": "easeback-export", "version": 1, "tables": {"diary_entries": '
            '[{"id": 1, "at_utc": "2026-01-01T00:00:00", "zone": "UTC", "pain": "3", '
            '"note": null, "share": false}]}}',
            "tables.diary_entries[0].pain: must be a whole number",
        ),
        ("[" * 100000, "nested too deeply"),
    ],
)
def test_a_corrupt_or_foreign_import_is_refused_and_nothing_is_stored(
    cli: Any, engine: Engine, tmp_path: Path, content: str, message: str
) -> None:
    source = tmp_path / "in.json"
    source.write_text(content)

    result = cli("import", str(source))

    assert result.exit_code == 2
    assert message in result.stderr
    assert "nothing was imported" in result.stderr
    assert all(not rows for rows in dump(engine, exported=START)["tables"].values())


def test_import_refuses_a_store_that_already_holds_data(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    add_entry(engine, at=START, zone="UTC", pain=3, note=None)
    source = tmp_path / "in.json"
    source.write_text(json.dumps(dump(engine, exported=START)))

    result = cli("import", str(source))

    assert result.exit_code == 2
    assert "this store already holds data" in result.stderr


def test_the_csv_export_is_a_zip_of_tables_with_headers_and_documented_columns(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    fill(
        engine,
        {
            "sessions": [("completed", 4, 3)],
            "diary": [(6, "stiff, after, commas", True)],
            "psfs": [],
        },
    )
    target = tmp_path / "tables.zip"

    assert cli("export", "--format", "csv", "--output", str(target)).exit_code == 0

    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        about = archive.read("README.txt").decode()
        diary = archive.read("diary_entries.csv").decode().splitlines()
    assert {"sessions.csv", "events.csv", "pain_ratings.csv", "psfs_ratings.csv"} <= names
    assert diary[0] == "id,uid,at_utc,zone,pain,note,share,client_id"
    assert diary[1].endswith(',6,"stiff, after, commas",True,')  # written here: no page id
    assert "pain (int): 0 (none) to 10 (worst); null for a note alone" in about


def test_csv_needs_a_file(cli: Any) -> None:
    result = cli("export", "--format", "csv")

    assert result.exit_code == 2
    assert "add --output FILE" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "--format", "xml"], "--format: 'xml': choose csv, json or fhir"),
        (["export", "--format", "json", "--output", "/no/such/folder/x.json"], "does not exist"),
        (["report", "--pdf", "/no/such/folder/r.pdf"], "does not exist"),
    ],
)
def test_unwritable_or_unknown_outputs_are_named(cli: Any, args: list[str], message: str) -> None:
    result = cli(*args)

    assert result.exit_code == 2
    assert message in result.stderr


def test_the_fhir_export_is_a_valid_bundle_with_the_persons_pain_scores(
    cli: Any, engine: Engine
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    add_entry(engine, at=START, zone="UTC", pain=6, note=None)
    add_entry(engine, at=START + timedelta(days=1), zone="UTC", pain=3, note=None)

    result = cli("export", "--format", "fhir")

    bundle = json.loads(result.stdout)
    Bundle.model_validate(bundle)
    pain = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    assert [p["code"]["coding"][0]["code"] for p in pain] == ["72514-3", "72514-3"]
    assert [p["valueInteger"] for p in pain] == [6, 3]
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert {"Patient", "CarePlan", "ServiceRequest"} <= kinds


def test_the_exports_give_the_plan_of_each_kind_of_day_whatever_day_they_run(
    cli: Any, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import easeback.usecases.clock
    from easeback.store.plan import save_settings
    from easeback.usecases.day_input import read_day_options

    saturday = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: saturday)
    settings, _ = read_day_options(
        DaySettings(), "06:30", "23:00", "08:30-17:00", "mon-fri", "Europe/London"
    )
    save_settings(engine, settings, at=START)
    add_entry(engine, at=START, zone="UTC", pain=6, note=None)
    sheet = tmp_path / "sheet.pdf"

    bundle = json.loads(cli("export", "--format", "fhir").stdout)
    assert cli("sheet", "--pdf", str(sheet)).exit_code == 0

    requests = {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "ServiceRequest"
    }
    timing = {
        id: (
            r["occurrenceTiming"]["repeat"].get("dayOfWeek"),
            r["occurrenceTiming"]["repeat"]["timeOfDay"],
        )
        for id, r in requests.items()
    }
    assert timing == {
        "stretch-knee-press": (None, ["06:35:00", "22:40:00"]),
        "stretch-lower-back-rotation": (None, ["06:35:00", "22:40:00"]),
        "stretch-pelvic-tilt": (None, ["06:35:00"]),
        "stretch-chair-twist-mon-tue-wed-thu-fri": (
            ["mon", "tue", "wed", "thu", "fri"],
            ["12:45:00"],
        ),
        "stretch-chair-twist-sat-sun": (["sat", "sun"], ["14:45:00"]),
    }
    text, _ = pdf_text(sheet)
    assert "Hold 7 s, 2 times · Mon-Fri 12:45 (at work); Sat-Sun 14:45 (at home)" in " ".join(
        text.split()
    )


# --- backup and restore -------------------------------------------------------------


def test_backup_then_restore_brings_the_data_back(
    cli: Any, engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    add_entry(engine, at=START, zone="UTC", pain=5, note="before the backup")
    backup = tmp_path / "backup.db"
    assert cli("backup", str(backup)).exit_code == 0
    add_entry(engine, at=START + timedelta(hours=1), zone="UTC", pain=9, note="after it")
    engine.dispose()

    result = cli("restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    notes = [r[0] for r in sqlite3.connect(db_path).execute("SELECT note FROM diary_entries")]
    assert notes == ["before the backup"]


def test_a_backup_is_consistent_while_another_connection_writes(
    engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    from easeback.store.backup import backup

    writer = sqlite3.connect(db_path)
    writer.execute("BEGIN")
    writer.execute(
        "INSERT INTO diary_entries (at_utc, zone, pain, note, share) "
        "VALUES ('2026-01-01', 'UTC', 3, NULL, 0)"
    )  # uncommitted: must not be in the backup
    backup(db_path, tmp_path / "b.db")
    writer.rollback()
    writer.close()

    copy = sqlite3.connect(tmp_path / "b.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM diary_entries").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("hello"), "is not an easeback backup (not an SQLite database)"),
        (
            lambda p: sqlite3.connect(p).execute("CREATE TABLE t (x)").connection.commit(),
            "SQLite database, but not an easeback backup",
        ),
    ],
)
def test_restore_refuses_a_file_that_is_not_an_easeback_backup_and_keeps_the_data(
    cli: Any, engine: Engine, db_path: Path, tmp_path: Path, make: Any, message: str
) -> None:
    add_entry(engine, at=START, zone="UTC", pain=5, note="keep me")
    bad = tmp_path / "bad.db"
    make(bad)

    result = cli("restore", str(bad), "--yes")

    assert result.exit_code == 2
    assert message in result.stderr
    assert "nothing was changed" in result.stderr
    notes = [r[0] for r in sqlite3.connect(db_path).execute("SELECT note FROM diary_entries")]
    assert notes == ["keep me"]


def test_restore_asks_before_replacing_and_refuses_without_a_terminal(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.db"
    cli("backup", str(backup))

    result = cli("restore", str(backup))

    assert result.exit_code == 2
    assert "add --yes to confirm" in result.stderr


# --- PDFs ---------------------------------------------------------------------------


def pdf_text(path: Path) -> tuple[str, int]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join((page.extract_text() or "") for page in reader.pages), len(reader.pages)


def test_the_report_is_one_page_with_the_period_doses_and_figures(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for day, value in ((20, 7), (19, 7), (18, 6), (3, 4), (2, 4), (1, 3)):
        add_entry(engine, at=now - timedelta(days=day), zone="UTC", pain=value, note=None)
    add_entry(
        engine, at=now - timedelta(days=2), zone="UTC", pain=None, note="Walked to work", share=True
    )
    add_entry(engine, at=now - timedelta(days=2), zone="UTC", pain=None, note="private thought")
    play(engine, now - timedelta(days=4), ending="pain_stop")
    target = tmp_path / "report.pdf"

    result = cli("report", "--pdf", str(target))

    assert result.exit_code == 0, result.output
    text, pages = pdf_text(target)
    assert pages == 1
    assert "1 page" in result.stdout
    first = (now - timedelta(days=27)).strftime("%d %b %Y")
    assert first in text
    assert "Knee press 15 s 1 Every day 07:05 and 22:10 (lying down)" in " ".join(text.split())
    assert "Mon-Fri 13:00 (at work); Sat-Sun 14:45 (at home)" in " ".join(text.split())
    assert "1 session, 0 completed, 1 stopped for pain" in " ".join(text.split())
    text = " ".join(text.split())
    assert "a meaningful improvement" in text
    assert "1 session stopped for pain:" in text
    assert "Walked to work" in text
    assert "private thought" not in text
    assert "not medical advice" in text


def test_the_report_refuses_a_period_with_no_data(cli: Any, tmp_path: Path) -> None:
    result = cli(
        "report", "--pdf", str(tmp_path / "r.pdf"), "--from", "2020-01-01", "--to", "2020-01-31"
    )

    assert result.exit_code == 2
    assert "nothing was recorded from 2020-01-01 to 2020-01-31" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_the_routine_sheet_has_every_stretch_with_its_dose_on_one_page(
    cli: Any, tmp_path: Path
) -> None:
    target = tmp_path / "sheet.pdf"

    result = cli("sheet", "--pdf", str(target))

    assert result.exit_code == 0, result.output
    text, pages = pdf_text(target)
    flat = " ".join(text.split())
    assert pages == 1
    for name in ("Knee press", "Lower-back rotation", "Pelvic tilt", "Chair twist"):
        assert name in flat
    assert "Hold 15 s" in flat and "Hold 7 s, 5 times" in flat
    assert "If anything hurts, stop at once" in flat


def test_the_streamed_json_export_holds_exactly_the_dump(cli: Any, engine: Engine) -> None:
    fill(
        engine,
        {"sessions": [("completed", 4, 3)], "diary": [(6, 'quote " and \\n', True)], "psfs": []},
    )

    streamed = json.loads(cli("export", "--format", "json").stdout)

    assert streamed["tables"] == dump(engine, exported=START)["tables"]
    assert streamed["format"] == "easeback-export" and streamed["version"] == 1


def test_a_restore_is_seen_by_a_process_that_has_the_store_open(
    cli: Any, engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    """The web app keeps the store open: after a restore it must see the restored data
    and its next write must land in the restored store, not in a replaced file."""
    add_entry(engine, at=START, zone="UTC", pain=5, note="in the backup")
    backup = tmp_path / "backup.db"
    cli("backup", str(backup))
    add_entry(engine, at=START, zone="UTC", pain=9, note="lost by the restore")
    holder = sqlite3.connect(db_path)
    holder.execute("SELECT count(*) FROM diary_entries").fetchone()

    assert cli("restore", str(backup), "--yes").exit_code == 0
    holder.execute(
        "INSERT INTO diary_entries (at_utc, zone, pain, note, share) "
        "VALUES ('2026-10-02 07:00:00.000000', 'UTC', 2, 'written after the restore', 0)"
    )
    holder.commit()
    holder.close()

    notes = [r[0] for r in sqlite3.connect(db_path).execute("SELECT note FROM diary_entries")]
    assert notes == ["in the backup", "written after the restore"]


def test_a_restore_repairs_a_damaged_store(
    cli: Any, engine: Engine, db_path: Path, tmp_path: Path
) -> None:
    add_entry(engine, at=START, zone="UTC", pain=5, note="in the backup")
    backup = tmp_path / "backup.db"
    cli("backup", str(backup))
    engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    db_path.write_bytes(b"junk" * 100)

    result = cli("restore", str(backup), "--yes")

    assert result.exit_code == 0, result.output
    notes = [r[0] for r in sqlite3.connect(db_path).execute("SELECT note FROM diary_entries")]
    assert notes == ["in the backup"]


def test_a_backup_over_a_file_with_a_stale_journal_holds_the_new_data(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    add_entry(engine, at=START, zone="UTC", pain=5, note="the new data")
    target = tmp_path / "backup.db"
    old = sqlite3.connect(target)
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE stale (x)")
    old.commit()
    Path(str(target) + "-wal").write_bytes(b"stale journal frames")
    old.close()
    Path(str(target) + "-wal").write_bytes(b"stale journal frames")

    assert cli("backup", str(target)).exit_code == 0

    assert not Path(str(target) + "-wal").exists()
    copy = sqlite3.connect(target)
    assert [r[0] for r in copy.execute("SELECT note FROM diary_entries")] == ["the new data"]
    assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.parametrize(
    ("table", "column", "value", "message"),
    [
        ("day_settings", "zone", "Mars/Base", "'Mars/Base' is not a known time zone"),
        ("day_settings", "wake", "late", "'late' is not a time HH:MM"),
        ("sessions", "timeline", "not json", "is not JSON"),
        ("diary_entries", "pain", 99, "99 is not a score from 0 to 10"),
        ("diary_entries", "at_utc", "2026-11-20T10:00:00+05:00", "carries an offset"),
        ("diary_entries", "pain", 2**70, "is too large"),
        ("diary_entries", "note", "\ud800", "not valid text"),
        ("psfs_activities", "name", "  ", "is not an activity name"),
        ("pain_ratings", "session_id", "no-such-session", "the rows do not fit together"),
    ],
)
def test_an_export_with_values_the_app_cannot_use_is_refused_whole(
    cli: Any,
    engine: Engine,
    runner: Any,
    tmp_path: Path,
    table: str,
    column: str,
    value: Any,
    message: str,
) -> None:
    from easeback.cli import app
    from easeback.core.plan import DaySettings
    from easeback.store.plan import save_settings

    save_settings(engine, DaySettings(zone="Europe/London"), at=START)
    fill(
        engine, {"sessions": [("completed", 3, 4)], "diary": [(5, "ok", True)], "psfs": [[1, 2, 3]]}
    )
    data = dump(engine, exported=START)
    data["tables"][table][0][column] = value
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))
    target = tmp_path / "new.db"

    result = runner.invoke(app, ["--db", str(target), "import", str(source)])

    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "nothing was imported" in result.stderr
    assert all(
        not rows for rows in dump(open_store(str(target)), exported=START)["tables"].values()
    )


def test_a_busy_month_still_fits_the_report_on_one_page(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    from easeback.core.screening import QUESTION_IDS, assess
    from easeback.store.safety import record_screening

    now = datetime.now(UTC).replace(microsecond=0)
    for day in range(1, 28):
        for slot in range(3):
            started = now - timedelta(days=day, hours=3 * slot)
            ending = "pain_stop" if (day + slot) % 8 == 0 else "completed"
            session = play(engine, started, ending=ending)
            record_pain(
                engine, session_id=session, moment="before", value=5, at=started, zone="UTC"
            )
        for hour in (8, 20):
            note = f"Day {day}: a long shared note about how the back felt " * 3
            add_entry(
                engine,
                at=now - timedelta(days=day, hours=hour),
                zone="UTC",
                pain=4,
                note=note,
                share=True,
            )
        if day % 5 == 0:
            answers = {q: q == "night-pain" for q in QUESTION_IDS}
            record_screening(
                engine,
                answers=answers,
                result=assess(answers),
                reason="pain",
                at=now - timedelta(days=day),
                zone="UTC",
            )
    target = tmp_path / "busy.pdf"

    result = cli("report", "--pdf", str(target))

    assert result.exit_code == 0, result.output
    text, pages = pdf_text(target)
    flat = " ".join(text.split())
    assert pages == 1
    assert "sessions stopped for pain; the last 5" in flat
    assert "earlier shared notes not shown" in flat
    assert "a warning sign 5 times" in flat


# --- the documents follow a clinician's prescription ---------------------------------

RX_NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)  # a Saturday
PRESCRIBED = (
    "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio) on 2026-11-19, version 2"
)


@pytest.fixture
def rx_clock(monkeypatch: pytest.MonkeyPatch, engine: Engine) -> datetime:
    """The wall clock fixed at RX_NOW on a computer in UTC, with a pain score the week
    before (so the report has a period to cover)."""
    import easeback.usecases.clock

    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: RX_NOW)
    add_entry(engine, at=RX_NOW - timedelta(days=7), zone="UTC", pain=5, note=None)
    return RX_NOW


def documents(cli: Any, tmp_path: Path) -> dict[str, tuple[str, int]]:
    """The routine sheet's and the report's text (whitespace made single spaces) and
    page counts."""
    out = {}
    for command in ("sheet", "report"):
        target = tmp_path / f"{command}.pdf"
        result = cli(command, "--pdf", str(target))
        assert result.exit_code == 0, result.output
        text, pages = pdf_text(target)
        out[command] = (" ".join(text.split()), pages)
    return out


def test_the_sheet_of_a_prescribed_plan_names_who_prescribed_it_with_their_note_and_doses(
    cli: Any, engine: Engine, tmp_path: Path, rx_clock: datetime
) -> None:
    from helpers import prescribe

    prescribe(engine, at=rx_clock - timedelta(days=1), start=date(2026, 11, 20))

    sheet, pages = documents(cli, tmp_path)["sheet"]

    assert pages == 1
    assert f"{PRESCRIBED}." in sheet
    assert (
        "Note from Dr Ada Okafor: Go gently for the first week. Stop and call me if the "
        "pain spreads." in sheet
    )
    assert "Hold 25 s, 2 times · Every day 07:05 and 22:10 (lying down)" in sheet
    assert "Hold 8 s, 5 times · Every day 22:10 (lying down)" in sheet
    assert "Lower-back rotation" not in sheet and "Chair twist" not in sheet


def test_the_report_of_a_prescribed_plan_gives_its_source_note_and_doses_on_one_page(
    cli: Any, engine: Engine, tmp_path: Path, rx_clock: datetime
) -> None:
    from helpers import prescribe

    prescribe(
        engine, at=rx_clock - timedelta(days=1), start=date(2026, 11, 20), end=date(2027, 2, 28)
    )

    report, pages = documents(cli, tmp_path)["report"]

    assert pages == 1
    assert f"Routine and doses now: daily plan {PRESCRIBED}, until 2027-02-28." in report
    assert "Note from Dr Ada Okafor: Go gently for the first week." in report
    assert "Knee press 25 s 2 Every day 07:05 and 22:10 (lying down)" in report
    assert "Pelvic tilt 8 s 5 Every day 22:10 (lying down)" in report
    assert "Lower-back rotation" not in report and "Chair twist" not in report


def test_a_long_note_is_whole_on_the_sheet_and_cut_short_on_the_one_page_report(
    cli: Any, engine: Engine, tmp_path: Path, rx_clock: datetime
) -> None:
    from helpers import prescribe

    lines = [
        f"Week {n}: keep each hold slow and steady, and breathe out as you go."
        for n in range(1, 27)
    ]
    prescribe(
        engine,
        at=rx_clock - timedelta(days=1),
        start=date(2026, 11, 20),
        note="\n".join([*lines, "Last line."]),
    )

    found = documents(cli, tmp_path)

    sheet, report = found["sheet"][0], found["report"][0]
    assert "Week 26: keep each hold slow" in sheet and "Last line." in sheet
    assert "Week 1: keep each hold slow" in report and "Last line." not in report
    assert found["report"][1] == 1


def test_when_the_prescription_has_ended_the_documents_say_so_and_give_the_articles_plan(
    cli: Any, engine: Engine, tmp_path: Path, rx_clock: datetime
) -> None:
    from helpers import prescribe

    prescribe(
        engine, at=rx_clock - timedelta(days=30), start=date(2026, 10, 29), end=date(2026, 11, 25)
    )
    notice = (
        "The prescription from Dr Ada Okafor ended on 2026-11-25; easeback is back to the "
        "article's plan. Ask your clinician for a new one if you want to go on with it."
    )

    found = documents(cli, tmp_path)

    report, sheet = found["report"][0], found["sheet"][0]
    assert f"Routine and doses now: daily plan {notice}" in report
    assert notice in sheet
    for text in (report, sheet):
        assert "Prescribed by" not in text and "Note from" not in text
    assert "Knee press 15 s 1 Every day 07:05 and 22:10 (lying down)" in report
    assert "Chair twist" in report and "Lower-back rotation" in report


def test_with_the_articles_plan_the_documents_say_nothing_of_a_prescription(
    cli: Any, tmp_path: Path, rx_clock: datetime
) -> None:
    found = documents(cli, tmp_path)

    for text, _pages in found.values():
        assert "rescri" not in text and "Note from" not in text and "Flare-up" not in text
    assert "Routine and doses now: daily plan Stretch Hold" in found["report"][0]


def test_during_a_flare_up_the_documents_give_its_easier_plan_and_say_so(
    cli: Any, engine: Engine, tmp_path: Path, rx_clock: datetime
) -> None:
    from easeback.store.prescriptions import start_flare
    from helpers import prescribe

    rx = prescribe(
        engine,
        at=rx_clock - timedelta(days=8),
        start=date(2026, 11, 20),
        flare_up={
            "days": 3,
            "advice": "Rest, keep moving gently.",
            "contact": "Call the clinic if it is no better in 3 days.",
            "stretches": [{"id": "knee-press", "hold_s": 10}],
        },
    )
    start_flare(
        engine, day=date(2026, 11, 27), days=3, prescription_id=rx, at=rx_clock - timedelta(days=1)
    )

    found = documents(cli, tmp_path)

    flare = (
        "Flare-up plan since 2026-11-27, day 2 of 3: the stretches and doses below are its "
        "easier ones."
    )
    report, sheet = found["report"][0], found["sheet"][0]
    assert flare in report and flare in sheet
    # the flare-up plan gives no repetitions: the prescribed 2
    assert "Knee press 10 s 2 Every day 07:05 and 22:10 (lying down)" in report
    assert "Pelvic tilt" not in report and "Pelvic tilt" not in sheet


def test_the_fhir_export_of_a_prescribed_plan_is_based_on_the_prescription(
    cli: Any, engine: Engine, rx_clock: datetime
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from helpers import RX_ID, prescribe

    prescribe(engine, at=rx_clock - timedelta(days=1), start=date(2026, 11, 20))

    bundle = json.loads(cli("export", "--format", "fhir").stdout)

    Bundle.model_validate(bundle)
    resources = [e["resource"] for e in bundle["entry"]]
    care_plan = next(r for r in resources if r["resourceType"] == "CarePlan")
    assert care_plan["basedOn"] == [
        {
            "type": "CarePlan",
            "identifier": {"system": "https://easeback.invalid/fhir/prescription", "value": RX_ID},
            "display": PRESCRIBED,
        }
    ]
    notes = {
        r["code"]["text"]: r["note"][0]["text"]
        for r in resources
        if r["resourceType"] == "ServiceRequest"
    }
    assert set(notes) == {"Knee press", "Pelvic tilt"}
    assert notes["Knee press"].startswith("Hold 25 s on each side")
    assert "2 repetitions" in notes["Knee press"]


def test_the_fhir_export_of_the_articles_plan_is_based_on_nothing(
    cli: Any, engine: Engine, rx_clock: datetime
) -> None:
    from helpers import prescribe

    prescribe(
        engine, at=rx_clock - timedelta(days=30), start=date(2026, 10, 29), end=date(2026, 11, 25)
    )

    bundle = json.loads(cli("export", "--format", "fhir").stdout)

    care_plan = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"
    )
    assert "basedOn" not in care_plan
