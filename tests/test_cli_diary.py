"""The diary from the terminal: pain and notes at any time, the PSFS, progress."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from easeback.store.diary import add_entry, entries, ratings
from easeback.store.safety import record_pain
from easeback.store.sessions import SessionLog


def test_log_pain_with_a_note_is_kept_in_the_diary(cli: Any, engine: Engine) -> None:
    result = cli("log", "pain", "4", "--note", "stiff after the drive", "--share")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Saved in your diary: pain 4/10 at ")
    [entry] = entries(engine)
    assert (entry.pain, entry.note, entry.share) == (4, "stiff after the drive", True)


def test_several_entries_a_day_are_allowed(cli: Any, engine: Engine) -> None:
    for value in ("3", "5", "2"):
        assert cli("log", "pain", value).exit_code == 0

    assert [e.pain for e in entries(engine)] == [3, 5, 2]


def test_log_pain_at_an_earlier_time_in_the_persons_own_zone(cli: Any, engine: Engine) -> None:
    """--at is read in the zone of the person's day (as progress reads it back), not
    the computer's: 23:30 in Auckland is 10:30 UTC the same day."""
    cli("setup", "--zone", "Pacific/Auckland")

    result = cli("log", "pain", "6", "--at", "2026-01-02 23:30")

    assert result.exit_code == 0, result.output
    [entry] = entries(engine)
    assert entry.at_utc == datetime(2026, 1, 2, 10, 30)
    assert entry.zone == "Pacific/Auckland"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["log", "pain", "11"], "Invalid value for 'N'"),
        (["log", "pain", "-1"], "No such option: -1"),
        (["log", "pain", "4", "--at", "25:00"], "--at: '25:00' is not a time"),
        (["log", "pain", "4", "--at", "2999-01-01 08:00"], "is in the future"),
        (["log", "pain", "4", "--note", "   "], "--note: the note is empty"),
        (["log", "note", "  "], "the note is empty"),
        (["log", "pain", "4", "--at", "1999-12-31 08:00"], "is too long ago"),
        (["log", "pain", "4", "--note", "\x01\x02"], "--note: the note is empty"),
    ],
)
def test_wrong_diary_input_is_named_and_nothing_is_stored(
    cli: Any, engine: Engine, args: list[str], message: str
) -> None:
    result = cli(*args)

    assert result.exit_code == 2
    assert message in result.output
    assert entries(engine) == []


def test_psfs_names_activities_and_rates_them(cli: Any, engine: Engine) -> None:
    result = cli(
        "psfs", "--activities", "Socks on; Gardening; Sitting an hour", "--ratings", "4,3,6"
    )

    assert result.exit_code == 0, result.output
    assert "Your score this week: 4.3 out of 10" in result.stdout
    view = json.loads(cli("psfs", "--json").stdout)
    assert view["activities"] == [
        {"name": "Socks on", "latest": 4},
        {"name": "Gardening", "latest": 3},
        {"name": "Sitting an hour", "latest": 6},
    ]
    assert view["mean"] == 4.33
    assert view["due"] is False


def test_psfs_re_rating_keeps_the_same_activities(cli: Any, engine: Engine) -> None:
    cli("psfs", "--activities", "A; B; C", "--ratings", "1,2,3")

    cli("psfs", "--ratings", "4,5,6")

    values = [r.value for r in ratings(engine)]
    assert values == [1, 2, 3, 4, 5, 6]
    assert len({r.activity_id for r in ratings(engine)}) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["psfs", "--activities", "A; B"], "2 given; name 3 to 5 activities"),
        (["psfs", "--activities", "A; B; C; D; E; F"], "6 given"),
        (["psfs", "--activities", "A; B; a"], "an activity is named twice"),
        (["psfs", "--ratings", "1,2,3"], "there are no activities to rate yet"),
        (["psfs", "--activities", "A; B; C", "--ratings", "1,2"], "give 3 whole numbers"),
        (["psfs", "--activities", "A; B; C", "--ratings", "1,2,11"], "give 3 whole numbers"),
        (["psfs", "--activities", "A; B; C", "--ratings", "1,2,\u00b2"], "give 3 whole numbers"),
        (["psfs"], "give --activities and/or --ratings, or run it in a terminal"),
    ],
)
def test_wrong_psfs_input_changes_nothing(
    cli: Any, engine: Engine, args: list[str], message: str
) -> None:
    result = cli(*args)

    assert result.exit_code == 2
    assert message in result.output
    assert ratings(engine) == []


def _session(engine: Engine, started: datetime, ending: str, before: int, after: int) -> None:
    from easeback.core.player import Player
    from helpers import ROTATION_TIMELINE

    log = SessionLog(
        engine,
        ROTATION_TIMELINE,
        title="rotation",
        speed=1.0,
        started=started,
        zone="UTC",
        player="terminal",
    )
    player = Player(ROTATION_TIMELINE)
    made = player.start(0.0) + (
        player.pain_stop(5.0) if ending == "pain_stop" else player.tick(99.0)
    )
    for event in made:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=round(event.at * 1000)
        )
    for moment, value in (("before", before), ("after", after)):
        record_pain(engine, session_id=log.id, moment=moment, value=value, at=started, zone="UTC")


def test_progress_reports_a_meaningful_fall_in_pain(cli: Any, engine: Engine) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    for day, value in ((20, 7), (19, 7), (18, 6), (3, 4), (2, 4), (1, 3)):
        add_entry(engine, at=now - timedelta(days=day), zone="UTC", pain=value, note=None)
    _session(engine, now - timedelta(days=5), "pain_stop", 5, 6)

    shown = cli("progress")
    data = json.loads(cli("progress", "--json").stdout)

    assert shown.exit_code == 0, shown.output
    assert "Pain: 6.7 at the start, 4.0 lately: a meaningful improvement" in shown.stdout
    assert data["pain_change"]["verdict"] == "meaningful improvement"
    assert data["sessions"] == 1 and len(data["pain_stops"]) == 1
    assert "not medical advice" in shown.stdout


def test_progress_on_an_empty_period_says_so(cli: Any) -> None:
    result = cli("progress", "--from", "2020-01-01", "--to", "2020-01-31")

    assert result.exit_code == 2
    assert "nothing was recorded from 2020-01-01 to 2020-01-31" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["progress", "--from", "yesterday"], "--from: 'yesterday' is not a date"),
        (["progress", "--from", "2026-02-01", "--to", "2026-01-01"], "is after the last"),
        (["progress", "--to", "9999-12-31"], "9999-12-31 is outside the days easeback can hold"),
        (["progress", "--from", "0001-01-01"], "0001-01-01 is outside the days"),
        (["report", "--pdf", "r.pdf", "--from", "1900-01-01"], "1900-01-01 is outside"),
    ],
)
def test_wrong_periods_are_named(cli: Any, args: list[str], message: str) -> None:
    result = cli(*args)

    assert result.exit_code == 2
    assert message in result.output
