"""The CSV export as a spreadsheet opens it: a text cell that would run as a formula
is written as text, numbers stay numbers, and the Excel variant carries a UTF-8
byte-order mark. The JSON export, the person's own backup, keeps every value as typed."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import Engine, insert

from easeback.reports.tables import CSV_TABLES
from easeback.store.diary import add_entry
from easeback.store.schema import dose_changes

AT = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
BOM = b"\xef\xbb\xbf"


def export_csv(cli: Any, tmp_path: Path, *options: str) -> zipfile.ZipFile:
    target = tmp_path / "tables.zip"
    result = cli("export", "--format", "csv", "--output", str(target), *options)
    assert result.exit_code == 0, result.output
    return zipfile.ZipFile(target)


def rows(archive: zipfile.ZipFile, name: str, encoding: str = "utf-8") -> list[dict[str, str]]:
    text = archive.read(f"{name}.csv").decode(encoding)
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("note", "cell"),
    [
        ("=1+1", "'=1+1"),
        (
            '=HYPERLINK("http://example.invalid","click")',
            '\'=HYPERLINK("http://example.invalid","click")',
        ),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-2 points today", "'-2 points today"),
        ("@physio said rest", "'@physio said rest"),
        ("\tindented", "'\tindented"),
        ("\rcarriage", "'\rcarriage"),
        ("2+2 stretches", "2+2 stretches"),  # only the first character matters
        (" =not first", " =not first"),
        ("'quoted already", "'quoted already"),
        ("Stiff after the drive", "Stiff after the drive"),
    ],
)
def test_a_text_cell_a_spreadsheet_would_run_is_written_as_text(
    cli: Any, engine: Engine, tmp_path: Path, note: str, cell: str
) -> None:
    add_entry(engine, at=AT, zone="UTC", pain=6, note=note, share=True)

    (row,) = rows(export_csv(cli, tmp_path), "diary_entries")

    assert row["note"] == cell
    assert row["pain"] == "6"


def test_numbers_stay_numbers_even_below_zero(cli: Any, engine: Engine, tmp_path: Path) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(dose_changes).values(
                at_utc=AT.replace(tzinfo=None),
                zone="UTC",
                session_id=None,
                stretch="knee-press",
                field="hold_s",
                old=-1,
                new=15,
                direction="-up",
                reason="=cmd|' /C calc'!A0",
            )
        )

    (row,) = rows(export_csv(cli, tmp_path), "dose_changes")

    assert (row["old"], row["new"]) == ("-1", "15")
    assert (row["direction"], row["reason"]) == ("'-up", "'=cmd|' /C calc'!A0")
    assert row["at_utc"] == "2026-11-20T08:00:00"


def test_every_text_column_of_every_table_is_covered(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    """A session's title comes from a routine file anyone can write."""
    from easeback.core.player import Player
    from easeback.store.sessions import SessionLog
    from helpers import ROTATION_TIMELINE

    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="@SUM(1+1)*cmd",
        speed=1.0,
        started=AT,
        zone="UTC",
        player="terminal",
    )
    for event in Player(ROTATION_TIMELINE).start(0.0):
        log.append(event, wall=AT, offset_ms=0)

    (row,) = rows(export_csv(cli, tmp_path), "sessions")

    assert row["title"] == "'@SUM(1+1)*cmd"
    assert row["timeline"].startswith('{"routine":"rotation"')


def test_the_excel_variant_begins_every_file_with_a_byte_order_mark(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    add_entry(engine, at=AT, zone="UTC", pain=None, note="Café, naïve, Łódź", share=True)

    plain = export_csv(cli, tmp_path)
    plain_files = {name: plain.read(name) for name in plain.namelist()}
    excel = export_csv(cli, tmp_path, "--excel")

    assert set(excel.namelist()) == {"README.txt", *(f"{t}.csv" for t in CSV_TABLES)}
    for name in excel.namelist():
        data = excel.read(name)
        assert data.startswith(BOM), name
        assert not plain_files[name].startswith(BOM), name
    assert rows(excel, "diary_entries", "utf-8-sig") == rows(plain, "diary_entries")
    assert rows(excel, "diary_entries", "utf-8-sig")[0]["note"] == "Café, naïve, Łódź"
    assert "each beginning with a byte-order mark (for Microsoft Excel)" in (
        excel.read("README.txt").decode("utf-8-sig")
    )
    assert "UTF-8 without a byte-order mark" in plain.read("README.txt").decode()
    assert "remove that first '" in plain.read("README.txt").decode()


@pytest.mark.parametrize("kind", ["json", "fhir"])
def test_the_excel_variant_is_for_csv_only(cli: Any, tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out"

    result = cli("export", "--format", kind, "--output", str(target), "--excel")

    assert result.exit_code == 2
    assert result.stderr == (
        "easeback: --excel: only CSV files are for spreadsheets; use it with --format csv, "
        f"not {kind}\n"
    )
    assert not target.exists()


def test_the_json_backup_keeps_a_formula_like_note_exactly_as_typed(
    cli: Any, runner: Any, engine: Engine, tmp_path: Path
) -> None:
    from easeback.cli import app

    add_entry(engine, at=AT, zone="UTC", pain=3, note="=SUM(A1:A9) -2 @home", share=True)
    backup = tmp_path / "everything.json"
    assert cli("export", "--format", "json", "--output", str(backup)).exit_code == 0
    copy = tmp_path / "copy.db"

    imported = runner.invoke(app, ["--db", str(copy), "import", str(backup)])
    again = runner.invoke(app, ["--db", str(copy), "export", "--format", "json"])

    assert imported.exit_code == 0, imported.output
    (entry,) = json.loads(again.stdout)["tables"]["diary_entries"]
    assert entry["note"] == "=SUM(A1:A9) -2 @home"


# --- the same from the web app --------------------------------------------------------


def test_the_web_app_offers_the_excel_variant(client: Any, app: Any) -> None:
    add_entry(app.state.engine, at=AT, zone="UTC", pain=2, note="+1 walk", share=True)
    soup = BeautifulSoup(client.get("/progress").text, "html.parser")
    link = soup.find("a", string="Tables for Microsoft Excel (CSV zip)")
    assert link is not None

    response = client.get(link["href"])

    assert response.status_code == 200
    assert 'filename="easeback-export-excel.zip"' in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.read("diary_entries.csv").startswith(BOM)
    assert rows(archive, "diary_entries", "utf-8-sig")[0]["note"] == "'+1 walk"


def test_the_web_app_refuses_an_excel_variant_of_anything_but_csv(client: Any) -> None:
    response = client.get("/export/json?excel=true")

    assert response.status_code == 400
    soup = BeautifulSoup(response.text, "html.parser")
    assert "Only the CSV tables come in a version for Excel." in soup.main.get_text()
