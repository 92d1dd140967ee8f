"""Every row keeps the person's own time zone (the one in Your day), never the
computer's: a laptop set to New York, used by someone living on Tokyo time, stores
Tokyo everywhere. And a time typed in the diary that the clocks skipped or repeated is
refused or asked about, never stored an hour off."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import easeback.usecases.clock
from easeback.core.localtime import readings, skipped_span
from easeback.core.screening import QUESTION_IDS
from helpers import answers_json, browser_pain_stop

ZONE_TABLES = (
    "sessions",
    "events",
    "consents",
    "screenings",
    "clearances",
    "followups",
    "pain_ratings",
    "diary_entries",
    "psfs_ratings",
)


def zones_stored(db_path: Path) -> dict[str, set[str]]:
    with sqlite3.connect(db_path) as store:
        found = {
            table: {row[0] for row in store.execute(f"SELECT zone FROM {table}")}  # noqa: S608
            for table in ZONE_TABLES
        }
    store.close()
    return found


def test_every_row_keeps_the_persons_zone_not_the_computers(
    cli: Any, client: TestClient, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "America/New_York")  # the computer's zone
    assert easeback.usecases.clock.local_zone() == "America/New_York"
    setup = cli(
        "setup", "--wake", "07:00", "--bed", "23:00", "--work", "none", "--zone", "Asia/Tokyo"
    )
    assert setup.exit_code == 0, setup.output
    assert cli("check", "--answers", "-", input=answers_json()).exit_code == 0
    assert cli("log", "pain", "3", "--note", "stiff").exit_code == 0
    assert (
        cli("psfs", "--activities", "Socks; Garden; Sitting", "--ratings", "4,3,6").exit_code == 0
    )
    # A session in the browser, stopped for pain, then the questions and a go-ahead.
    started = client.post("/api/sessions", json={"routine": "office", "pain_before": 2})
    assert started.status_code == 201, started.text
    session = started.json()
    stop = browser_pain_stop(datetime.now(UTC))
    assert client.post(f"/api/sessions/{session['id']}/events", json={"events": stop}).is_success
    assert client.post(
        f"/api/sessions/{session['id']}/pain", json={"moment": "after", "value": 5}
    ).is_success
    client.post(
        "/check",
        data={"csrf": client.token, "pain_settled": "yes", **dict.fromkeys(QUESTION_IDS, "no")},
    )
    cli("check", "--answers", "-", input=answers_json("cancer"))
    assert cli("clear").exit_code == 0

    stored = zones_stored(db_path)

    assert stored == {table: {"Asia/Tokyo"} for table in ZONE_TABLES}


@pytest.mark.parametrize(
    ("local", "zone", "count"),
    [
        ("2026-03-29 01:30", "Europe/London", 0),  # clocks forward at 01:00
        ("2026-03-29 00:59", "Europe/London", 1),
        ("2026-03-29 02:00", "Europe/London", 1),
        ("2026-10-25 01:30", "Europe/London", 2),  # clocks back at 02:00 BST
        ("2026-10-25 02:00", "Europe/London", 1),
        ("2026-03-08 02:30", "America/New_York", 0),
        ("2026-11-01 01:15", "America/New_York", 2),
        ("2026-04-05 01:45", "Australia/Lord_Howe", 2),  # a half-hour change
        ("2026-07-01 12:00", "Asia/Tokyo", 1),
    ],
)
def test_a_local_time_means_none_one_or_two_instants(local: str, zone: str, count: int) -> None:
    assert len(readings(datetime.fromisoformat(local), zone)) == count


def test_a_skipped_time_names_the_jump() -> None:
    start, end = skipped_span(datetime(2026, 3, 29, 1, 30), "Europe/London")

    assert (start.strftime("%H:%M"), end.strftime("%H:%M")) == ("01:00", "02:00")


def test_a_repeated_time_reads_first_in_summer_time_then_in_winter_time() -> None:
    first, second = readings(datetime(2026, 10, 25, 1, 30), "Europe/London")

    assert (first.abbreviation, first.offset_text()) == ("BST", "UTC+01:00")
    assert (second.abbreviation, second.offset_text()) == ("GMT", "UTC+00:00")
    assert (second.instant - first.instant).total_seconds() == 3600


# --- the diary's --at -----------------------------------------------------------------


@pytest.fixture
def london(cli: Any) -> Any:
    result = cli(
        "setup", "--wake", "07:00", "--bed", "23:00", "--work", "none", "--zone", "Europe/London"
    )
    assert result.exit_code == 0, result.output
    return cli


def stored_times(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as store:
        rows = [r[0] for r in store.execute("SELECT at_utc FROM diary_entries ORDER BY id")]
    store.close()
    return rows


def test_a_time_the_clocks_skipped_is_refused_and_nothing_is_stored(
    london: Any, db_path: Path
) -> None:
    result = london("log", "pain", "2", "--at", "2026-03-29 01:30")

    assert result.exit_code == 2
    assert result.stderr == (
        "easeback: --at: 2026-03-29 01:30 did not happen in Europe/London: the clocks went "
        "forward from 01:00 to 02:00 that night; give a time before or after the change\n"
    )
    assert stored_times(db_path) == []


def test_a_time_that_happened_twice_needs_earlier_or_later(london: Any, db_path: Path) -> None:
    unsure = london("log", "pain", "2", "--at", "2026-10-25 01:30")
    first = london("log", "pain", "2", "--at", "2026-10-25 01:30", "--earlier")
    second = london("log", "note", "again", "--at", "2026-10-25 01:30", "--later")

    assert unsure.exit_code == 2
    assert unsure.stderr == (
        "easeback: --at: 2026-10-25 01:30 happened twice in Europe/London, when the clocks "
        "went back; add --earlier for the first (BST, UTC+01:00) or --later for the second "
        "(GMT, UTC+00:00)\n"
    )
    assert (first.exit_code, second.exit_code) == (0, 0)
    assert stored_times(db_path) == ["2026-10-25 00:30:00.000000", "2026-10-25 01:30:00.000000"]


def test_the_second_reading_of_a_repeated_hour_can_still_be_in_the_future(
    london: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 01:10 GMT on the night the clocks went back: the second 01:30 has not come yet.
    monkeypatch.setattr(
        easeback.usecases.clock, "wall_now", lambda: datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    )

    later = london("log", "pain", "2", "--at", "01:30", "--later")
    earlier = london("log", "pain", "2", "--at", "01:30", "--earlier")

    assert later.exit_code == 2
    assert later.stderr == "easeback: --at: '01:30' is in the future; give the time it happened\n"
    assert earlier.exit_code == 0
