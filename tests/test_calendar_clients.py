"""The calendar as two JavaScript calendar libraries read it, through 2040.

ical.js computes every local time from the file's own VTIMEZONE (it knows no zone
names), so it checks the yearly rules the file is written with; node-ical reads the
TZID as an IANA name and checks the events' recurrence. tests/calendar_clients.mjs
runs both (npm ci installs them) and prints each occurrence as a UTC instant; here
each one must be the wall-clock time the plan says, in the zone, as zoneinfo has it,
every day from 2026 to the end of 2040: summers and winters, both hemispheres.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from easeback.core.plan import DaySettings
from easeback.reports.calendar import ZONE_YEARS, PlanVersion, calendar_ics
from easeback.reports.zone_rules import vtimezone
from test_zone_rules import ZONES, wall_times

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(__file__).with_name("calendar_clients.mjs")
LIBRARIES = ("icaljs", "nodeical")
START = date(2026, 1, 1)
# Occurrences are compared up to the end of 2040, in UTC.
LAST = datetime(2041, 1, 1, tzinfo=UTC) - timedelta(seconds=1)

EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKEND = frozenset({5, 6})

# case -> (settings, each event's wall-clock time and the weekdays it falls on)
PLANS: dict[str, tuple[DaySettings, dict[str, tuple[str, frozenset[int]]]]] = {
    "London": (
        DaySettings(zone="Europe/London"),
        {
            "morning@easeback": ("07:05", EVERY_DAY),
            "daytime-work@easeback": ("13:00", WEEKDAYS),
            "daytime-home@easeback": ("14:45", WEEKEND),
            "evening@easeback": ("22:10", EVERY_DAY),
        },
    ),
    "New York": (
        DaySettings(zone="America/New_York"),
        {
            "morning@easeback": ("07:05", EVERY_DAY),
            "daytime-work@easeback": ("13:00", WEEKDAYS),
            "daytime-home@easeback": ("14:45", WEEKEND),
            "evening@easeback": ("22:10", EVERY_DAY),
        },
    ),
    "Sydney, bed after midnight": (
        DaySettings(bed=time(0, 30), zone="Australia/Sydney"),
        {
            "morning@easeback": ("07:05", EVERY_DAY),
            "daytime-work@easeback": ("13:00", WEEKDAYS),
            "daytime-home@easeback": ("15:45", WEEKEND),
            "evening@easeback": ("00:10", EVERY_DAY),
        },
    ),
    "London, a night shift 21:00-04:00 on weekdays": (
        DaySettings(
            wake=time(15, 0),
            bed=time(5, 0),
            work_start=time(21, 0),
            work_end=time(4, 0),
            zone="Europe/London",
        ),
        {
            "morning@easeback": ("15:05", EVERY_DAY),
            "daytime-work@easeback": ("00:30", frozenset({1, 2, 3, 4, 5})),
            "daytime-home@easeback": ("22:00", WEEKEND),
            "evening@easeback": ("04:40", EVERY_DAY),
        },
    ),
}
# The work days removed on 1 July 2030: that series must end there, cancelled.
DROPPED = datetime(2030, 7, 1, 12, 0, tzinfo=UTC)


def made_at(zone: str) -> datetime:
    """The plan made at midnight on 1 January 2026, in its zone."""
    return datetime.combine(START, time(0), tzinfo=ZoneInfo(zone))


def expected_starts(zone: str, at: str, days: frozenset[int], until: datetime = LAST) -> list[int]:
    """Every occurrence from START on, up to ``until``, as UTC seconds: ``at`` in the
    zone on each of ``days``, as zoneinfo has it."""
    tz, clock = ZoneInfo(zone), time.fromisoformat(at)
    moments = (
        datetime.combine(START + timedelta(days=n), clock, tzinfo=tz)
        for n in range((LAST.date() - START).days + 2)
    )
    return [int(m.timestamp()) for m in moments if m.weekday() in days and m <= until]


@pytest.fixture(scope="module")
def read(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every calendar of this module, read by both libraries in one run of node."""
    if shutil.which("node") is None or not (ROOT / "node_modules" / "ical.js").is_dir():
        pytest.fail("these tests need node and the npm packages: run npm ci")
    folder = tmp_path_factory.mktemp("calendars")
    files: dict[str, Path] = {}
    for case, (settings, _) in PLANS.items():
        files[case] = folder / f"{len(files)}.ics"
        versions = [PlanVersion(made_at(settings.zone), settings, 2, 0)]
        files[case].write_bytes(calendar_ics(versions, generated=made_at(settings.zone)))
    london = DaySettings(zone="Europe/London")
    files["work days dropped"] = folder / "dropped.ics"
    dropped = [
        PlanVersion(made_at(london.zone), london, 2, 0),
        PlanVersion(DROPPED, DaySettings(work_days=frozenset(), zone=london.zone), 2, 1),
    ]
    files["work days dropped"].write_bytes(calendar_ics(dropped, generated=DROPPED))
    # Every zone of the table, as the calendar writes it from 2026 to 2041.
    zones = Calendar()
    for zone in ZONES:
        zones.add_component(vtimezone(zone, START.year, START.year + ZONE_YEARS))
    files["zones"] = folder / "zones.ics"
    files["zones"].write_bytes(zones.to_ical())
    request = {
        "files": [str(path) for path in files.values()],
        "from": int(made_at("Pacific/Chatham").timestamp()),
        "to": int(LAST.timestamp()),
        "walls": {
            zone: [[m.year, m.month, m.day, m.hour, m.minute] for m in wall_times(zone)]
            for zone in ZONES
        },
    }
    done = subprocess.run(
        ["node", str(SCRIPT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TZ": "UTC"},  # no help from the machine's own zone
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    return {case: out[str(path)] for case, path in files.items()}


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("case", PLANS, ids=list(PLANS))
def test_every_reminder_through_2040_is_at_the_plans_local_time(
    read: dict[str, dict[str, Any]], case: str, library: str
) -> None:
    settings, plan = PLANS[case]

    found = read[case][library]["events"]

    assert set(found) == set(plan)
    for uid, (at, days) in plan.items():
        expected = expected_starts(settings.zone, at, days)
        assert found[uid]["status"] is None, uid
        assert found[uid]["starts"] == expected, uid


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_series_that_left_the_plan_reads_as_cancelled_from_then_on(
    read: dict[str, dict[str, Any]], library: str
) -> None:
    found = read["work days dropped"][library]["events"]

    work = found["daytime-work@easeback"]
    assert work["status"] == "CANCELLED"
    assert work["sequence"] == 1
    assert work["starts"] == expected_starts("Europe/London", "13:00", WEEKDAYS, DROPPED)
    assert found["daytime-home@easeback"]["sequence"] == 1
    assert found["morning@easeback"]["sequence"] == found["evening@easeback"]["sequence"] == 0


@pytest.mark.parametrize("zone", ZONES, ids=list(ZONES))
def test_icaljs_finds_the_real_utc_time_of_every_wall_clock_time_asked(
    read: dict[str, dict[str, Any]], zone: str
) -> None:
    tz = ZoneInfo(zone)
    asked = wall_times(zone)

    answered = read["zones"]["icaljs"]["walls"][zone]

    wrong = [
        f"{moment:%Y-%m-%d %H:%M}: {datetime.fromtimestamp(got, tz):%H:%M %z}"
        for moment, got in zip(asked, answered, strict=True)
        if got != int(moment.replace(tzinfo=tz).timestamp())
    ]
    assert wrong == []
