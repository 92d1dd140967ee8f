"""Who the clinician's documents are about: a name, a date of birth and a clinic
identifier, given with `easeback setup` (or on Your day), printed on the report and
the routine sheet and put in the FHIR Patient, kept by the JSON backup, left out of
the CSV tables, and shown nowhere else."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from easeback.core.profile import Profile
from easeback.store.diary import add_entry
from easeback.store.dump import dump
from easeback.store.profile import latest_profile, save_profile
from easeback.wording import messages

NOW = datetime.now(UTC).replace(microsecond=0)
SAM = ("--name", "Sam Doe", "--birth-date", "1974-05-02", "--clinic-id", "NHS 943 476 5919")
SAM_PROFILE = Profile("Sam Doe", date(1974, 5, 2), "NHS 943 476 5919")
NOTHING_CHANGED = "easeback: nothing was changed.\n"


@pytest.fixture(autouse=True)
def machine_on_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


def count(db_path: Path, table: str) -> int:
    connection = sqlite3.connect(db_path)
    try:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608
    finally:
        connection.close()


# --- easeback setup ------------------------------------------------------------------


def test_setup_stores_who_the_documents_are_about(cli: Any, engine: Engine) -> None:
    result = cli("setup", *SAM)

    assert result.exit_code == 0, result.output
    assert result.stdout == messages.PROFILE_SAVED + "\n"
    assert latest_profile(engine) == SAM_PROFILE


def test_setup_with_only_these_options_leaves_the_day_alone(
    cli: Any, engine: Engine, db_path: Path
) -> None:
    assert cli("setup", "--wake", "06:30", "--zone", "Europe/London").exit_code == 0

    assert cli("setup", "--name", "Sam Doe").exit_code == 0

    assert count(db_path, "day_settings") == 1  # no new row, so no calendar rewrite
    assert count(db_path, "profiles") == 1


def test_setup_with_the_day_and_these_options_saves_both(
    cli: Any, engine: Engine, db_path: Path
) -> None:
    result = cli("setup", "--wake", "06:30", "--zone", "Europe/London", *SAM)

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == [messages.PROFILE_SAVED, messages.SETUP_SAVED]
    assert latest_profile(engine) == SAM_PROFILE
    assert count(db_path, "day_settings") == 1


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--name", ""), Profile(None, date(1974, 5, 2), "NHS 943 476 5919")),
        (("--birth-date", ""), Profile("Sam Doe", None, "NHS 943 476 5919")),
        (("--clinic-id", "  "), Profile("Sam Doe", date(1974, 5, 2), None)),
        (
            ("--name", "Sam  O'Doe-Łukasz "),
            Profile("Sam  O'Doe-Łukasz", date(1974, 5, 2), "NHS 943 476 5919"),
        ),
        (("--name", "", "--birth-date", "", "--clinic-id", ""), Profile()),
    ],
    ids=["name", "birth date", "clinic id", "a name changed", "all"],
)
def test_an_option_changes_only_its_part_and_empty_clears_it(
    cli: Any, engine: Engine, args: tuple[str, ...], expected: Profile
) -> None:
    assert cli("setup", *SAM).exit_code == 0

    result = cli("setup", *args)

    assert result.exit_code == 0, result.output
    assert latest_profile(engine) == expected


FUTURE = (NOW + timedelta(days=2)).date().isoformat()


@pytest.mark.parametrize(
    ("args", "stderr"),
    [
        (
            ("--name", "Sam\nDoe"),
            "easeback: --name: the name has a control character (such as a tab or a line "
            "break) at character 4; type it as one line of plain text\n",
        ),
        (
            ("--name", "Sam\x00"),
            "easeback: --name: the name has a control character (such as a tab or a line "
            "break) at character 4; type it as one line of plain text\n",
        ),
        (
            ("--name", "S" * 121),
            "easeback: --name: the name has 121 characters; keep it to 120\n",
        ),
        (
            ("--birth-date", "2/5/1974"),
            "easeback: --birth-date: '2/5/1974' is not a date; write it as YYYY-MM-DD, "
            "e.g. 1974-05-02\n",
        ),
        (
            ("--birth-date", "19740502"),  # Python would read it; a person should not
            "easeback: --birth-date: '19740502' is not a date; write it as YYYY-MM-DD, "
            "e.g. 1974-05-02\n",
        ),
        (
            ("--birth-date", "1974-02-30"),
            "easeback: --birth-date: '1974-02-30' is not a date; write it as YYYY-MM-DD, "
            "e.g. 1974-05-02\n",
        ),
        (
            ("--birth-date", FUTURE),
            f"easeback: --birth-date: {FUTURE} is in the future; give your date of birth "
            "as YYYY-MM-DD, e.g. 1974-05-02\n",
        ),
        (
            ("--birth-date", "1899-12-31"),
            "easeback: --birth-date: 1899-12-31 is before 1900; check the year "
            "(YYYY-MM-DD, e.g. 1974-05-02)\n",
        ),
        (
            ("--clinic-id", "A" * 65),
            "easeback: --clinic-id: the identifier has 65 characters; keep it to 64\n",
        ),
        (
            ("--clinic-id", "AB\t123"),
            "easeback: --clinic-id: the identifier has a control character (such as a tab "
            "or a line break) at character 3; type it as one line of plain text\n",
        ),
    ],
    ids=[
        "line break",
        "nul",
        "long name",
        "not iso",
        "no dashes",
        "no such day",
        "future",
        "before 1900",
        "long id",
        "tab in id",
    ],
)
def test_a_wrong_value_is_refused_with_what_where_and_how_to_fix(
    cli: Any, engine: Engine, db_path: Path, args: tuple[str, ...], stderr: str
) -> None:
    result = cli("setup", *args)

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == stderr + NOTHING_CHANGED
    assert count(db_path, "profiles") == 0


def test_every_wrong_value_is_named_at_once_with_the_days(cli: Any, db_path: Path) -> None:
    result = cli("setup", "--wake", "7am", "--name", "N" * 200, "--birth-date", "1800-01-01")

    assert result.exit_code == 2
    assert [line.split(":", 2)[1].strip() for line in result.stderr.splitlines()[:-1]] == [
        "--wake",
        "--name",
        "--birth-date",
    ]
    assert count(db_path, "profiles") == count(db_path, "day_settings") == 0


def test_setup_help_names_the_options_with_an_example(cli: Any) -> None:
    result = cli("setup", "--help")

    flat = " ".join(result.stdout.split())
    for option in ("--name", "--birth-date", "--clinic-id"):
        assert option in flat
    assert 'easeback setup --name "Sam Doe" --birth-date 1974-05-02' in flat


# --- on the report and the sheet -------------------------------------------------------


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def documents(cli: Any, engine: Engine, tmp_path: Path) -> tuple[str, str]:
    add_entry(engine, at=NOW - timedelta(days=1), zone="UTC", pain=4, note=None)
    report, sheet = tmp_path / "report.pdf", tmp_path / "sheet.pdf"
    assert cli("report", "--pdf", str(report)).exit_code == 0
    assert cli("sheet", "--pdf", str(sheet)).exit_code == 0
    return pdf_text(report), pdf_text(sheet)


def test_the_report_and_the_sheet_say_who_they_are_about(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    assert cli("setup", *SAM).exit_code == 0

    report, sheet = documents(cli, engine, tmp_path)

    line = "Name: Sam Doe · Date of birth: 02 May 1974 · Clinic identifier: NHS 943 476 5919"
    assert line in report
    assert line in sheet


def test_without_a_name_the_report_says_so_and_the_sheet_is_as_before(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    assert cli("setup", "--birth-date", "1974-05-02").exit_code == 0

    report, sheet = documents(cli, engine, tmp_path)

    assert "Name: not given · Date of birth: 02 May 1974 · Clinic identifier: not given" in report
    assert "Date of birth: 02 May 1974" in sheet
    assert "Name:" not in sheet


def test_a_name_the_font_cannot_fully_draw_is_printed_with_a_stand_in(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    assert cli("setup", "--name", "Sam 山田 Doe").exit_code == 0

    report, sheet = documents(cli, engine, tmp_path)

    assert "Name: Sam \ufffd\ufffd Doe" in report
    assert "Name: Sam \ufffd\ufffd Doe" in sheet


# --- in the FHIR Patient ----------------------------------------------------------------


def patient(cli: Any) -> dict[str, Any]:
    result = cli("export", "--format", "fhir")
    assert result.exit_code == 0, result.output
    bundle = json.loads(result.stdout)
    (found,) = [
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"
    ]
    return dict(found)


def test_the_fhir_patient_carries_name_birth_date_and_identifier(cli: Any) -> None:
    assert cli("setup", *SAM).exit_code == 0

    assert patient(cli) == {
        "resourceType": "Patient",
        "id": "patient",
        "name": [{"use": "usual", "text": "Sam Doe"}],
        "birthDate": "1974-05-02",
        "identifier": [
            {
                "use": "usual",
                "type": {"text": "Identifier from the person's clinic, as the person gave it"},
                "system": "https://easeback.invalid/fhir/clinic-identifier",
                "value": "NHS 943 476 5919",
            }
        ],
    }


def test_the_fhir_patient_holds_only_what_is_given_now(cli: Any) -> None:
    assert cli("setup", *SAM).exit_code == 0
    assert cli("setup", "--name", "", "--clinic-id", "").exit_code == 0

    assert patient(cli) == {"resourceType": "Patient", "id": "patient", "birthDate": "1974-05-02"}


# --- the JSON backup keeps it, the CSV tables leave it out -------------------------------


def test_the_json_backup_brings_it_back(cli: Any, runner: Any, tmp_path: Path) -> None:
    from easeback.cli import app
    from easeback.store import open_store

    assert cli("setup", "--name", "Old Name").exit_code == 0
    assert cli("setup", *SAM).exit_code == 0
    backup = tmp_path / "everything.json"
    assert cli("export", "--format", "json", "--output", str(backup)).exit_code == 0
    copy = tmp_path / "copy.db"

    result = runner.invoke(app, ["--db", str(copy), "import", str(backup)])

    assert result.exit_code == 0, result.output
    restored = open_store(str(copy))
    assert latest_profile(restored) == SAM_PROFILE
    assert len(dump(restored, exported=NOW)["tables"]["profiles"]) == 2  # its history too


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("name", "Sam\nDoe", "tables.profiles[0].name: 'Sam\\nDoe' is not a name on one line"),
        ("name", "x" * 121, "tables.profiles[0].name: longer than 120 characters"),
        (
            "birth_date",
            "1974-13-01",
            "tables.profiles[0].birth_date: '1974-13-01' is not a date of birth YYYY-MM-DD "
            "from 1900",
        ),
        ("clinic_id", "", "tables.profiles[0].clinic_id: '' is not an identifier on one line"),
    ],
)
def test_an_import_with_an_unusable_profile_is_refused_whole(
    cli: Any, runner: Any, engine: Engine, tmp_path: Path, column: str, value: str, message: str
) -> None:
    from easeback.cli import app

    save_profile(engine, SAM_PROFILE, at=NOW)
    data = dump(engine, exported=NOW)
    data["tables"]["profiles"][0][column] = value
    source = tmp_path / "bad.json"
    source.write_text(json.dumps(data))

    result = runner.invoke(app, ["--db", str(tmp_path / "new.db"), "import", str(source)])

    assert result.exit_code == 2
    assert message in result.stderr
    assert "nothing was imported" in result.stderr


def test_an_export_from_before_profiles_still_imports(
    cli: Any, runner: Any, engine: Engine, tmp_path: Path
) -> None:
    from easeback.cli import app

    add_entry(engine, at=NOW, zone="UTC", pain=2, note=None)
    data = dump(engine, exported=NOW)
    del data["tables"]["profiles"]
    source = tmp_path / "old.json"
    source.write_text(json.dumps(data))

    result = runner.invoke(app, ["--db", str(tmp_path / "new.db"), "import", str(source)])

    assert result.exit_code == 0, result.output


def test_the_csv_tables_leave_it_out(cli: Any, engine: Engine, tmp_path: Path) -> None:
    assert cli("setup", *SAM).exit_code == 0
    target = tmp_path / "tables.zip"

    assert cli("export", "--format", "csv", "--output", str(target)).exit_code == 0

    with zipfile.ZipFile(target) as archive:
        assert "profiles.csv" not in archive.namelist()
        everything = b"".join(archive.read(name) for name in archive.namelist())
    for given in (b"Sam Doe", b"1974-05-02", b"943 476 5919", b"birth_date"):
        assert given not in everything


# --- nowhere else ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ("today",),
        ("today", "--json"),
        ("history",),
        ("history", "--json"),
        ("progress",),
        ("progress", "--json"),
        ("stretches",),
    ],
)
def test_no_other_command_shows_it(cli: Any, engine: Engine, command: tuple[str, ...]) -> None:
    add_entry(engine, at=NOW - timedelta(hours=1), zone="UTC", pain=3, note="ok", share=True)
    assert cli("setup", *SAM).exit_code == 0

    result = cli(*command)

    assert result.exit_code == 0, result.output
    for given in ("Sam", "Doe", "1974", "943 476"):
        assert given not in result.output


def test_a_store_from_the_previous_version_gains_the_table(
    cli: Any, engine: Engine, db_path: Path
) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option(
        "script_location", str(resources.files("easeback.store").joinpath("migrations"))
    )
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    engine.dispose()
    connection = sqlite3.connect(db_path)
    tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
    connection.close()
    assert "profiles" not in tables

    result = cli("setup", *SAM)

    assert result.exit_code == 0, result.output
    assert count(db_path, "profiles") == 1
