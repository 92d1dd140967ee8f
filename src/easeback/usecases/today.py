"""What today holds for the person: the plan's slots with their times, doses and
status, and the routine for a slot. Shared by the terminal and the web app; reads
the store, and the rules stay in core/plan.py and core/progression.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from easeback.wording import messages

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.content.models import Routine
    from easeback.core.encouragement import WeekSoFar
    from easeback.core.plan import Course, DaySettings
    from easeback.core.timeline import Timeline
    from easeback.store.plan import SlotFit
    from easeback.store.quick import PlanInputs


def read_inputs(db: Any, plan_date: str) -> PlanInputs:
    """The plan's inputs: plain sqlite3 when possible (fast), else through the store
    (which first saves any session still waiting in a journal). ``db`` is the store's
    path or URL (None: the default file), or an open engine (a server's, scoped to one
    patient), which is used as it is."""
    from easeback.store.location import pending_journals, resolve_url, sqlite_file
    from easeback.store.quick import read_plan_inputs

    if db is not None and not isinstance(db, str):
        from easeback.store.plan import plan_inputs as engine_inputs

        return engine_inputs(db, plan_date)
    path = sqlite_file(resolve_url(db))
    if path is not None and not pending_journals(path):
        quick = read_plan_inputs(path, plan_date)
        if quick is not None:
            return quick
    from easeback.store import open_store
    from easeback.store.plan import plan_inputs

    return plan_inputs(open_store(db), plan_date)


def current_doses(snapshot: dict[str, dict[str, int]] | None) -> dict[str, dict[str, int]]:
    """stretch -> {hold_s, reps, times_per_day}: the snapshot's, completed with the
    starting doses for any stretch it lacks (the library only loads in that case)."""
    from easeback.core.plan import PLANNED

    if snapshot and all(sid in snapshot for sid in PLANNED):
        return snapshot
    from easeback.content.library import load_library
    from easeback.core.progression import doses, ladders

    starting = {
        sid: {"hold_s": d.hold_s, "reps": d.reps, "times_per_day": d.times_per_day}
        for sid, d in doses({}, ladders(load_library())).items()
    }
    return {**starting, **(snapshot or {})}


def rotation_per_day(dose: dict[str, dict[str, int]]) -> int:
    """How many times a day the rotation is due: it decides the day's slots."""
    return dose["lower-back-rotation"]["times_per_day"]


def slot_fitter(settings: DaySettings, course: Course | int) -> SlotFit:
    """core/slotting.py's rule for this day and course: which slot (and plan date,
    ISO) a session started at a time (aware) with these stretches fills."""
    from easeback.core.slotting import filled_slot

    def fit(started: datetime, stretches: frozenset[str]) -> tuple[str, str] | None:
        found = filled_slot(started, stretches, settings, course)
        return (found[0], found[1].isoformat()) if found else None

    return fit


def store_fitter(engine: Engine) -> SlotFit:
    """The slot rule for the person's day and plan as they stand in the store."""
    from easeback.core.plan import DaySettings, person_day
    from easeback.store.plan import latest_settings
    from easeback.usecases.clock import local_zone, wall_now
    from easeback.usecases.following import store_basis

    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    return slot_fitter(settings, store_basis(engine, person_day(wall_now(), settings)).course)


def slot_filled(engine: Engine, timeline: Timeline, started: datetime) -> tuple[str, str] | None:
    """The slot and plan date a session of ``timeline`` started at ``started`` fills,
    stored with it when it starts (a routine played by name counts for its slot)."""
    return store_fitter(engine)(started, held_stretches(timeline))


def held_stretches(timeline: Timeline) -> frozenset[str]:
    """The stretches a timeline holds."""
    return frozenset(p.stretch for p in timeline.phases if p.stretch)


def day_outcomes(inputs: PlanInputs, fit: SlotFit, plan_date: str) -> dict[str, str]:
    """slot -> how it went on ``plan_date``: the sessions stored for a slot, and those
    stored without one that fill a slot of that date."""
    from easeback.store.quick import outcomes_from_rows

    rows = list(inputs.outcomes.items())
    for session in inputs.unslotted:
        found = fit(session.started, session.stretches)
        if found is not None and found[1] == plan_date:
            rows.append((found[0], session.ending))
    return outcomes_from_rows(rows)


def today_view(inputs: PlanInputs, now: datetime, zone: str) -> dict[str, Any]:
    """Today's slots with their times, doses and status, as plain data (the JSON).
    "Today" is the day whose plan the person is living (``person_day``): until a bed
    time after midnight, still the day before."""
    from zoneinfo import ZoneInfo

    from easeback.core.encouragement import week_so_far
    from easeback.core.plan import DaySettings, person_day, plan_day, slot_statuses
    from easeback.usecases.following import basis_on, plan_words

    settings = inputs.settings or DaySettings(zone=zone)
    day = person_day(now, settings)
    basis = basis_on(
        day,
        followed=inputs.followed,
        article_snapshot=inputs.snapshot,
        rx_snapshot=inputs.rx_snapshot,
        flare=inputs.flare,
        screened_at=inputs.screened_at,
        zone=settings.zone,
    )
    dose = basis.doses
    slots = plan_day(day, settings, basis.course)
    local_now = now.astimezone(ZoneInfo(settings.zone))
    outcomes = day_outcomes(inputs, slot_fitter(settings, basis.course), day.isoformat())
    statuses = slot_statuses(
        slots, local_now.replace(tzinfo=None), outcomes, settings.on(day, settings.bed)
    )
    return {
        "date": day.isoformat(),
        "zone": settings.zone,
        "now": local_now.strftime("%H:%M"),
        "set_up": inputs.settings is not None,
        "slots": [
            {
                "id": slot.id,
                "time": slot.at.strftime("%H:%M"),
                "where": slot.where,
                "status": statuses[slot.id],
                "stretches": [
                    {"id": sid, "hold_s": dose[sid]["hold_s"], "reps": dose[sid]["reps"]}
                    | ({"sides": basis.sides[sid]} if sid in basis.sides else {})
                    for sid in slot.stretches
                ],
            }
            for slot in slots
        ],
        "next": next((s.id for s in slots if statuses[s.id] == "next"), None),
        "plan": plan_words(basis),
        "week": week_view(week_so_far((person_day(m, settings) for m in inputs.finished), day)),
    }


def week_view(week: WeekSoFar) -> dict[str, Any]:
    """This week so far as plain data, with its gentle line (None when there is
    nothing yet: no nagging)."""
    words = None
    if week.sessions == 1:
        words = messages.WEEK_FIRST
    elif week.sessions > 1:
        template = messages.WEEK_SOME if week.days == week.sessions else messages.WEEK_SOME_DAYS
        days = f"{week.days} day{'s' if week.days != 1 else ''}"
        words = template.format(sessions=week.sessions, days=days)
    return {"sessions": week.sessions, "days": week.days, "words": words}


def slots_next_first(view: dict[str, Any]) -> list[dict[str, Any]]:
    """Today's slots with the next one first (the one a person is most likely to
    play now), then the others in the order of the day."""
    slots: list[dict[str, Any]] = view["slots"]
    return sorted(slots, key=lambda slot: slot["id"] != view["next"])


def person_today(db: Any) -> dict[str, Any]:
    """Today's view in the person's own day: their settings' zone and bed time decide
    the date (which may differ from the computer's), and that date's sessions mark the
    slots."""
    from easeback.core.plan import DaySettings, local_day, person_day
    from easeback.usecases.clock import local_zone, wall_now

    now, zone = wall_now(), local_zone()
    computer_day = local_day(now, zone)
    inputs = read_inputs(db, computer_day.isoformat())
    day = person_day(now, inputs.settings or DaySettings(zone=zone))
    if day != computer_day:
        inputs = read_inputs(db, day.isoformat())
    settings_zone = inputs.settings.zone if inputs.settings else zone
    return today_view(inputs, now, settings_zone)


# Where a slot is done -> the place its routine declares, so the routine's validator
# refuses a stretch done lying down in a slot at work.
ROUTINE_PLACES = {"lying down": "lying", "at work": "seated", "at home": "any"}


def slot_routine(db: Any, wanted: str | None) -> tuple[Routine, str, str] | None:
    """The routine for today's next slot (or ``wanted``), with the slot id and the
    local date it belongs to; None when nothing more is due today."""
    view = person_today(db)
    slot = next((s for s in view["slots"] if s["id"] == (wanted or view["next"])), None)
    if slot is None:
        return None
    return slot_as_routine(slot), slot["id"], view["date"]


def slot_as_routine(slot: dict[str, Any]) -> Routine:
    """A slot of today's view as the routine the player plays."""
    from easeback.content.library import load_library
    from easeback.content.models import Routine

    return Routine.model_validate(
        {
            "name": slot["id"],
            "title": f"{messages.SLOT_TITLES[slot['id']]} ({slot['where']})",
            "place": ROUTINE_PLACES[slot["where"]],
            "stretches": [
                {"id": s["id"], "hold_s": s["hold_s"], "reps": s["reps"], "sides": s.get("sides")}
                for s in slot["stretches"]
            ],
        },
        # The plan's doses: the article's, or a prescription's within the clinical bounds
        # (checked when it was imported, and again here).
        context={"library": load_library(), "bounds": "clinical"},
    )


@dataclass(frozen=True)
class ExportPlan:
    """The plan now, as the FHIR export, the routine sheet and the report give it:
    ``stretches`` as ``plan_for_export`` describes them, and ``source``, where the plan
    comes from (``usecases.following.plan_words``: the article's, or "Prescribed by
    ... on ..., version N" with the clinician's note; a notice when a prescription
    has ended; the flare-up when one is on)."""

    stretches: list[dict[str, Any]]
    source: dict[str, Any]


def plan_for_export(engine: Any) -> list[dict[str, Any]]:
    """The current plan per stretch (dose, sides and when): ``export_plan``'s
    stretches."""
    return export_plan(engine).stretches


def export_plan(engine: Any) -> ExportPlan:
    """The current plan per stretch (dose, sides and when), for the FHIR export, the
    routine sheet and the report, and where it comes from, both read from one basis:
    the whole week, as groups of days with the same times (``stretch_week``), whatever
    day it is exported on.

    Each stretch's "schedule" lists its groups: weekdays ("mon"...), times ("HH:MM",
    local in "zone", in the order of the person's day), where each is done, and the
    group in words; "timing" is all of it in words ("Mon-Fri 12:45 (at work);
    Sat-Sun 14:45 (at home)"), empty for a stretch the plan does not hold.
    """
    from easeback.content.library import load_library
    from easeback.core.plan import DAY_NAMES, DaySettings, person_day, plan_week, stretch_week
    from easeback.store.plan import latest_settings
    from easeback.usecases.clock import local_zone, wall_now
    from easeback.usecases.following import plan_words, store_basis
    from easeback.wording.labels import timing_text

    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    basis = store_basis(engine, person_day(wall_now(), settings))
    dose = basis.doses
    week = plan_week(settings, basis.course)
    library = load_library()
    plan = []
    for stretch in library.stretches:
        if stretch.id not in dose:
            continue
        schedule: list[dict[str, Any]] = []
        for days, times in stretch_week(week, stretch.id):
            clock = [(at.strftime("%H:%M"), where) for at, where in times]
            schedule.append(
                {
                    "days": [DAY_NAMES[d] for d in sorted(days)],
                    "times": [at for at, _ in clock],
                    "where": [where for _, where in clock],
                    "text": timing_text(days, clock),
                }
            )
        plan.append(
            {
                "id": stretch.id,
                "name": stretch.name,
                "summary": stretch.summary,
                "hold_s": dose[stretch.id]["hold_s"],
                "reps": dose[stretch.id]["reps"],
                "sides": [s.side or s.direction or "" for s in stretch.steps],
                "schedule": schedule,
                "timing": "; ".join(group["text"] for group in schedule),
                "zone": settings.zone,
            }
        )
    return ExportPlan(plan, plan_words(basis))


def person_zone(engine: Any) -> str:
    """The zone of the person's day (their settings), else this computer's: the zone
    the diary is written and read in everywhere."""
    from easeback.store.plan import latest_settings
    from easeback.usecases.clock import local_zone

    settings = latest_settings(engine)
    return settings.zone if settings else local_zone()
