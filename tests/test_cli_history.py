"""`easeback history`: past sessions, newest first, with how each one ended."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from easeback.core.player import Player
from easeback.store.sessions import SessionLog
from helpers import ROTATION_TIMELINE as TIMELINE
from helpers import answers_json

MONDAY = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def record_session(
    engine: Engine, ending: str | None, started: datetime = MONDAY, speed: float = 1.0
) -> str:
    """Store a session that ends in ``ending`` (None: cut off during the first hold)."""
    log = SessionLog(
        engine,
        TIMELINE,
        title="Just the rotation",
        speed=speed,
        started=started,
        zone="Europe/Paris",
        player="terminal",
    )
    player = Player(TIMELINE, speed=speed)
    events = player.start(0.0) + player.tick(5.0 / speed)
    if ending == "completed":
        events += player.tick(TIMELINE.total_ms / 1000 / speed)
    elif ending == "pain_stop":
        events += player.pain_stop(6.0 / speed)
    elif ending == "quit":
        events += player.quit(6.0 / speed)
    for event in events:
        log.append(event, wall=started, offset_ms=round(event.at * 1000))
    return log.id


def test_history_json_prints_only_json(cli, engine: Engine) -> None:
    session_id = record_session(engine, "completed")

    result = cli("history", "--json")

    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["sessions"] == [
        {
            "id": session_id,
            "routine": "rotation",
            "title": "Just the rotation",
            "started_utc": "2026-03-02T07:00:00Z",
            "zone": "Europe/Paris",
            "rehearsal": False,
            "speed": 1.0,
            "player": "terminal",
            "planned_ms": 27_000,
            "elapsed_ms": 27_000,
            "holds_started": 2,
            "outcome": "completed",
            "pain_before": None,
            "pain_after": None,
        }
    ]


def test_history_shows_pain_before_and_after_each_session(cli, engine: Engine) -> None:
    from easeback.store.safety import record_pain

    session_id = record_session(engine, "completed")
    for moment, value in (("before", 4), ("after", 2)):
        record_pain(
            engine, session_id=session_id, moment=moment, value=value, at=MONDAY, zone="UTC"
        )

    (row,) = json.loads(cli("history", "--json").stdout)["sessions"]

    assert (row["pain_before"], row["pain_after"]) == (4, 2)


def test_history_json_lists_newest_first_with_how_each_ended(cli, engine: Engine) -> None:
    record_session(engine, "completed", MONDAY)
    record_session(engine, "pain_stop", MONDAY + timedelta(days=1))
    record_session(engine, "quit", MONDAY + timedelta(days=2))
    record_session(engine, None, MONDAY + timedelta(days=3))

    rows = json.loads(cli("history", "--json").stdout)["sessions"]

    assert [(r["started_utc"][:10], r["outcome"]) for r in rows] == [
        ("2026-03-05", "interrupted"),
        ("2026-03-04", "quit"),
        ("2026-03-03", "pain_stop"),
        ("2026-03-02", "completed"),
    ]


def test_history_json_marks_rehearsals(cli, engine: Engine) -> None:
    record_session(engine, "completed", speed=20)

    (row,) = json.loads(cli("history", "--json").stdout)["sessions"]

    assert (row["rehearsal"], row["speed"]) == (True, 20.0)


def test_history_limit_keeps_the_newest(cli, engine: Engine) -> None:
    record_session(engine, "completed", MONDAY)
    newest = record_session(engine, "quit", MONDAY + timedelta(days=1))

    rows = json.loads(cli("history", "--json", "--limit", "1").stdout)["sessions"]

    assert [r["id"] for r in rows] == [newest]


def test_empty_history_json_has_empty_lists(cli) -> None:
    result = cli("history", "--json")

    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"sessions": [], "safety": []}


def test_history_shows_consent_and_screenings_with_their_answers(cli, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    cli("check", "--answers", "-", input=answers_json())
    cli("check", "--answers", "-", input=answers_json("cancer", clinician_checked=None))

    safety = json.loads(cli("history", "--json").stdout)["safety"]

    assert [(r["kind"], r.get("result"), r.get("reason")) for r in safety] == [
        ("screening", "clinician", "symptoms"),
        ("screening", None, "first-use"),
        ("consent", None, None),
    ]
    assert safety[0]["yes"] == ["cancer"]
    assert safety[0]["answers"]["cancer"] is True
    assert safety[0]["answers"]["fever"] is False
    plain = cli("history").stdout
    assert "Safety questions" in plain
    assert "check with a clinician first (yes: cancer)" in plain


def test_empty_history_says_how_to_start(cli) -> None:
    result = cli("history")

    assert result.exit_code == 0
    assert result.stdout == "No sessions yet. Start one with: easeback start\n"


def test_history_table_says_how_each_session_ended_in_local_time(
    cli, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import easeback.usecases.clock

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", lambda: MONDAY + timedelta(days=8))
    record_session(engine, "completed", MONDAY)
    record_session(engine, "pain_stop", MONDAY + timedelta(days=1))
    record_session(engine, "quit", MONDAY + timedelta(days=2))
    record_session(engine, None, MONDAY + timedelta(days=3), speed=20)

    result = cli("history")

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].rstrip() == "Your sessions, newest first"
    body = [line for line in lines if " March, " in line]
    assert len(body) == 4
    for line, when, outcome in zip(
        body,
        [
            "Thursday 5 March, 08:00",  # this year's: no year
            "Wednesday 4 March, 08:00",
            "Tuesday 3 March, 08:00",
            "Monday 2 March, 08:00",
        ],
        ["interrupted", "ended early", "stopped: pain", "completed"],
        strict=True,
    ):
        assert when in line
        assert outcome in line
    assert "(rehearsal x20)" in body[0]
    assert "rehearsal" not in "".join(body[1:])


def test_history_refuses_a_folder_as_database(cli, tmp_path) -> None:
    result = cli("--db", str(tmp_path), "history", "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"easeback: {tmp_path} is a folder")


def test_a_database_error_is_one_clear_message_naming_its_cause(cli, db_path, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    import easeback.store.sessions

    def locked(*args, **kwargs):
        raise OperationalError("SELECT ...", {}, Exception("database is locked"))

    monkeypatch.setattr(easeback.store.sessions, "list_sessions", locked)

    result = cli("history")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        f"easeback: another program is using {db_path} (a backup, an import or a second "
        "easeback, perhaps), so easeback could not save just now. Nothing already saved is "
        "lost; try again when it has finished.\n"
    )
