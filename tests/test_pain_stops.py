"""A pain stop is a safety event whatever the speed: one in a rehearsal counts towards
"twice in 7 days", and is shown (marked as a rehearsal) in progress, the report and
the FHIR export, while rehearsals never count as sessions done nor move the doses."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from easeback.content.library import load_library, load_routine
from easeback.core.player import Player
from easeback.core.timeline import build_timeline
from easeback.store.sessions import SessionLog
from easeback.usecases.aftercare import catch_up_progress, follow_up
from easeback.usecases.overview import build_overview

NOW = datetime.now(UTC).replace(microsecond=0)
TODAY = NOW.date()
# How the report writes a day: with the year when its 28 days span two years.
DAY = "%d %b" if (TODAY - timedelta(days=27)).year == TODAY.year else "%d %b %Y"


@pytest.fixture(autouse=True)
def machine_on_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")


def play(engine: Engine, started: datetime, *, speed: float, ending: str = "pain_stop") -> str:
    """A session of the bed routine, stopped for pain in its first hold or completed."""
    timeline = build_timeline(load_routine("bed"), load_library())
    log = SessionLog(
        engine,
        timeline,
        title="Morning and night, lying down",
        speed=speed,
        started=started,
        zone="UTC",
        player="terminal",
    )
    player = Player(timeline, speed=speed)
    events = player.start(0.0) + player.tick(12.0 / speed)
    if ending == "pain_stop":
        events += player.pain_stop(12.0 / speed)
    else:
        events += player.tick(timeline.total_ms / 1000 / speed)
    for event in events:
        log.append(
            event, wall=started + timedelta(seconds=event.at), offset_ms=round(event.at * 1000)
        )
    return log.id


@pytest.mark.parametrize(
    "speeds", [(1.0, 20.0), (20.0, 1.0), (20.0, 20.0)], ids=["then", "first", "both"]
)
def test_a_pain_stop_in_a_rehearsal_counts_towards_twice_in_7_days(
    engine: Engine, speeds: tuple[float, float]
) -> None:
    first = play(engine, NOW - timedelta(days=3), speed=speeds[0])
    assert follow_up(engine, first, "pain_stop") is False
    second = play(engine, NOW - timedelta(hours=1), speed=speeds[1])

    assert follow_up(engine, second, "pain_stop") is True


def test_progress_shows_a_rehearsal_pain_stop_marked_and_counts_it_as_no_session_done(
    engine: Engine, db_path: Path
) -> None:
    play(engine, NOW - timedelta(days=2), speed=1.0, ending="completed")
    play(engine, NOW - timedelta(days=1), speed=20.0)
    play(engine, NOW - timedelta(hours=5), speed=20.0, ending="completed")  # left out
    catch_up_progress(engine)

    view = build_overview(engine, TODAY - timedelta(days=6), TODAY, zone="UTC", now=NOW)

    assert len(view.pain_stops) == 1
    assert view.rehearsal_stops == view.pain_stops
    assert (view.sessions, view.completed) == (2, 1)
    assert view.to_json()["rehearsal_pain_stops"] == [view.pain_stops[0].isoformat()]
    assert [p.source for p in view.pain] == []  # no ratings given
    changes = sqlite3.connect(db_path).execute("SELECT count(*) FROM dose_changes").fetchone()
    assert changes == (0,)  # a rehearsal never moves the doses, even stopped for pain


def test_a_period_holding_only_a_rehearsal_pain_stop_is_not_empty(engine: Engine) -> None:
    play(engine, NOW - timedelta(days=1), speed=20.0)

    view = build_overview(engine, TODAY - timedelta(days=6), TODAY, zone="UTC", now=NOW)

    assert (view.sessions, view.completed, len(view.rehearsal_stops)) == (1, 0, 1)


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_report_lists_a_rehearsal_pain_stop_marked_as_one(
    cli: Any, engine: Engine, tmp_path: Path
) -> None:
    play(engine, NOW - timedelta(days=3), speed=1.0)
    play(engine, NOW - timedelta(days=1), speed=20.0)
    target = tmp_path / "report.pdf"

    assert cli("report", "--pdf", str(target)).exit_code == 0

    text = pdf_text(target)
    stopped = (NOW - timedelta(days=3)).strftime(DAY)
    rehearsed = (NOW - timedelta(days=1)).strftime(DAY)
    assert "2 sessions, 0 completed, 2 stopped for pain (1 of them in a rehearsal" in text
    assert f"2 sessions stopped for pain: {stopped}, {rehearsed} (rehearsal)." in text


def test_progress_in_the_terminal_says_how_many_stops_were_rehearsals(
    cli: Any, engine: Engine
) -> None:
    play(engine, NOW - timedelta(days=3), speed=1.0)
    play(engine, NOW - timedelta(days=1), speed=20.0)

    result = cli("progress")

    assert result.exit_code == 0, result.output
    assert "(2 sessions, 0 completed, 2 stopped for pain, 1 of them in a rehearsal)" in " ".join(
        result.stdout.split()
    )


def test_the_fhir_export_keeps_a_rehearsal_stopped_for_pain_marked_as_one(
    cli: Any, engine: Engine
) -> None:
    stopped = play(engine, NOW - timedelta(days=1), speed=20.0)
    completed = play(engine, NOW - timedelta(hours=5), speed=20.0, ending="completed")

    bundle = json.loads(cli("export", "--format", "fhir").stdout)

    procedures = {
        e["resource"]["id"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Procedure"
    }
    assert list(procedures) == [f"session-{stopped}"]
    assert procedures[f"session-{stopped}"]["status"] == "stopped"
    assert procedures[f"session-{stopped}"]["note"] == [
        {"text": "stopped because of pain"},
        {
            "text": "a rehearsal, played at 20x speed: not counted as a session done, and "
            "kept here because it was stopped for pain"
        },
    ]
    assert completed not in json.dumps(bundle)
