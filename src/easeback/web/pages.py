"""The HTML pages: first run and safety check, today, the stretch library, the
player, history and settings. Each route reads or writes through the shared modules
(today, checkup, aftercare, store) and renders a template; no rule lives here."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException

from easeback.core.errors import StoreError
from easeback.web.responses import (
    checked_form,
    db,
    form_answer,
    gate_state,
    not_saved,
    render,
    store_of,
)
from easeback.wording import messages

router = APIRouter(include_in_schema=False)

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_WORDS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- today ------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    state = gate_state(request)
    if state.reason in ("consent", "first"):
        return RedirectResponse("/check", status_code=303)
    return today_page(request, state)


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, flare: str | None = None) -> Response:
    return today_page(request, gate_state(request), flare=flare)


def today_page(
    request: Request,
    state: Any = None,
    *,
    flare: str | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    """Today; ``flare``: what a flare-up button just did (said at the top);
    ``errors``/``values``: the flare-up's morning question shown again."""
    from easeback.content.library import load_library
    from easeback.usecases.lengths import builtin_lengths, slot_lengths
    from easeback.usecases.today import person_today, slots_next_first

    view = person_today(db(request))
    plan_day = date.fromisoformat(view["date"])
    flare_up = view["plan"].get("flare_up") or {}
    return render(
        request,
        "today.html",
        status=400 if errors else 200,
        title="Today",
        view=view,
        slots=slots_next_first(view),
        lengths=slot_lengths(view),
        any_time=builtin_lengths(),
        plan_day=plan_day,
        library=load_library(),
        gate=state if state is not None else gate_state(request),
        flare=flare_up if flare_up.get("active") else None,
        flare_done=messages.WEB_FLARE_DONE.get(flare or ""),
        errors=errors or {},
        values=values or {},
    )


# --- stretches --------------------------------------------------------------------------


@router.get("/stretches", response_class=HTMLResponse)
def stretches(request: Request) -> HTMLResponse:
    from easeback.content.library import load_library
    from easeback.usecases.lengths import builtin_lengths

    return render(
        request,
        "stretches.html",
        title="The stretches",
        stretches=load_library().stretches,
        any_time=builtin_lengths(),
    )


@router.get("/stretches/{stretch_id}", response_class=HTMLResponse)
def stretch(request: Request, stretch_id: str) -> HTMLResponse:
    from easeback.content.library import load_library

    found = load_library().get(stretch_id)
    if found is None:
        raise HTTPException(404, f"There is no stretch called {stretch_id!r}.")
    return render(request, "stretch.html", title=found.name, stretch=found)


# --- the player -------------------------------------------------------------------------


@router.get("/play", response_class=HTMLResponse)
def play(
    request: Request,
    slot: str | None = None,
    routine: str | None = None,
    speed: float = 1.0,
) -> HTMLResponse:
    from easeback.web.sessions import PlayRequestError, choose_routine

    state = gate_state(request)
    if not state.allows:
        return render(request, "blocked.html", title="Not now", gate=state)
    try:
        chosen = choose_routine(db(request), slot=slot, routine=routine, speed=speed)
    except PlayRequestError as exc:
        problem = messages.WEB_BAD_ADDRESS.format(problems=exc)
        raise HTTPException(404 if exc.missing else 400, problem) from None
    if chosen is None:
        from easeback.usecases.lengths import builtin_lengths

        return render(
            request, "all-done.html", title="All done for today", any_time=builtin_lengths()
        )
    from easeback.audio.sounds import cue_sounds_data
    from easeback.content.library import load_library

    return render(
        request,
        "play.html",
        title=f"Play: {chosen.routine.display_title}",
        chosen=chosen,
        library=load_library(),
        cue_sounds=cue_sounds_data(),  # the page's beeps, the track's pitches
    )


# --- history ----------------------------------------------------------------------------


@router.get("/history", response_class=HTMLResponse)
def history(request: Request) -> HTMLResponse:
    from easeback.store.safety import safety_records
    from easeback.store.sessions import list_sessions
    from easeback.usecases.clock import wall_now

    engine = store_of(request)
    return render(
        request,
        "history.html",
        title="History",
        sessions=list_sessions(engine, 200, now=wall_now()),
        records=safety_records(engine)[:200],
    )


# --- settings ---------------------------------------------------------------------------


def settings_values(settings: Any, person: Any) -> dict[str, Any]:
    def hhmm(value: Any) -> str:
        return value.strftime("%H:%M") if value else ""

    return {
        "wake": hhmm(settings.wake),
        "bed": hhmm(settings.bed),
        "work_start": hhmm(settings.work_start),
        "work_end": hhmm(settings.work_end),
        "no_work": settings.work_start is None,
        "work_days": [DAY_NAMES[d] for d in sorted(settings.work_days)],
        "zone": settings.zone,
        "name": person.name or "",
        "birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "clinic_id": person.clinic_id or "",
    }


def settings_form(
    request: Request,
    values: dict[str, Any],
    *,
    errors: dict[str, str],
    saved: bool = False,
    browser_zone: bool = False,
    fault: StoreError | None = None,
) -> HTMLResponse:
    """The Your day page; ``browser_zone``: nothing is saved yet, so the page fills
    the time zone from the browser's own (static/js/settings.js)."""
    from easeback.usecases.zones import offered, zone_choices

    return form_answer(
        request,
        "settings.html",
        errors=errors,
        fault=fault,
        title="Your day",
        values=values,
        saved=saved,
        days=list(zip(DAY_NAMES, DAY_WORDS, strict=True)),
        zones=zone_choices(),
        zone_offered=offered(values["zone"]),
        browser_zone=browser_zone,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, saved: bool = False) -> HTMLResponse:
    from easeback.core.plan import DaySettings
    from easeback.store.plan import latest_settings
    from easeback.store.profile import latest_profile
    from easeback.usecases.clock import local_zone

    engine = store_of(request)
    stored = latest_settings(engine)
    current = stored or DaySettings(zone=local_zone())
    values = settings_values(current, latest_profile(engine))
    return settings_form(request, values, errors={}, saved=saved, browser_zone=stored is None)


# Which form field each day-option and profile-option problem belongs to.
SETTINGS_FIELDS = {
    "wake": "wake",
    "bed": "bed",
    "work": "work_start",
    "work-days": "work_days",
    "name": "name",
    "birth-date": "birth_date",
    "clinic-id": "clinic_id",
}
TEXT_FIELDS = ("wake", "bed", "work_start", "work_end", "name", "birth_date", "clinic_id")


@router.post("/settings", response_class=HTMLResponse)
async def save_settings_page(request: Request) -> Response:
    from easeback.core.plan import DaySettings, known_zone, local_day
    from easeback.store.plan import latest_settings, save_settings
    from easeback.store.profile import latest_profile, save_profile
    from easeback.usecases.aftercare import rewrite_calendars
    from easeback.usecases.clock import local_zone, wall_now
    from easeback.usecases.day_input import read_day_options
    from easeback.usecases.profile_input import read_profile_options

    form = await checked_form(request)
    text = {k: str(form.get(k, "")).strip() for k in TEXT_FIELDS}
    no_work = form.get("no_work") is not None
    days = [d for d in form.getlist("work_days") if d in DAY_NAMES]
    zone = str(form.get("zone", "")).strip()
    values = {**text, "no_work": no_work, "work_days": days, "zone": zone}
    engine = store_of(request)
    current = latest_settings(engine) or DaySettings(zone=local_zone())
    person = latest_profile(engine)
    work = "none" if no_work else f"{text['work_start']}-{text['work_end']}"
    errors: dict[str, str] = {}
    for name, value in (("wake", text["wake"]), ("bed", text["bed"]), ("zone", zone)):
        if not value:
            errors[name] = "Please fill this in."
    if not no_work and not (text["work_start"] and text["work_end"]):
        errors["work_start"] = "Give when work starts and ends, or tick 'I do not work set hours'."
    problems: list[tuple[str, str]] = []
    settings = current
    if not errors:
        settings, problems = read_day_options(
            current, text["wake"], text["bed"], work, ",".join(days) or "none", zone
        )
    profile, more = read_profile_options(
        person,
        text["name"],
        text["birth_date"],
        text["clinic_id"],
        today=local_day(wall_now(), settings.zone if known_zone(settings.zone) else current.zone),
    )
    for option, problem in [*problems, *more]:
        errors.setdefault(
            SETTINGS_FIELDS.get(option, option), problem[:1].upper() + problem[1:] + "."
        )
    if errors:
        return settings_form(request, values, errors=errors)
    try:
        if profile != person:
            save_profile(engine, profile, at=wall_now())
        save_settings(engine, settings, at=wall_now())
    except (StoreError, SQLAlchemyError) as exc:
        return settings_form(request, values, errors={}, fault=not_saved(request, exc))
    rewrite_calendars(engine)
    return RedirectResponse("/settings?saved=true", status_code=303)


# --- the safety check -------------------------------------------------------------------


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request) -> HTMLResponse:
    return check_form(request, gate_state(request), answers={}, errors={})


def check_form(
    request: Request,
    state: Any,
    *,
    answers: dict[str, str],
    errors: dict[str, str],
    fault: StoreError | None = None,
) -> HTMLResponse:
    from easeback.core.screening import QUESTIONS

    return form_answer(
        request,
        "check.html",
        errors=errors,
        fault=fault,
        title="Before your first session" if state.reason == "consent" else "Safety questions",
        gate=state,
        questions=QUESTIONS,
        answers=answers,
    )


@router.post("/check", response_class=HTMLResponse)
async def check_answers(request: Request) -> HTMLResponse:
    from easeback.core.screening import QUESTIONS

    form = await checked_form(request)
    state = gate_state(request)
    fields = [q.id for q in QUESTIONS]
    if state.reason == "consent":
        fields.insert(0, "clinician_checked")
    if state.reason == "pain":
        fields.insert(0, "pain_settled")
    answers = {f: str(form.get(f, "")) for f in fields}
    errors = {f: "Please answer yes or no." for f, v in answers.items() if v not in ("yes", "no")}
    if errors:
        return check_form(request, state, answers=answers, errors=errors)
    try:
        return record_check(request, state, answers)
    except (StoreError, SQLAlchemyError) as exc:
        fault = not_saved(request, exc)
        return check_form(request, gate_state(request), answers=answers, errors={}, fault=fault)


def record_check(request: Request, state: Any, answers: dict[str, str]) -> HTMLResponse:
    """Record a complete set of answers and say what they mean."""
    from easeback.core.screening import QUESTIONS, assess
    from easeback.store.consents import record_consent
    from easeback.usecases.checkup import advice_after_check, record_answers, record_settled
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    engine = store_of(request)
    now, zone = wall_now(), person_zone(engine)
    given = {q.id: answers[q.id] == "yes" for q in QUESTIONS}
    warning = assess(given)
    group = warning.group or "none"
    urgent_first = (
        [messages.WEB_ADVICE.get(group, messages.ADVICE[group])] if warning.blocks else []
    )
    declined = state.reason == "consent" and answers["clinician_checked"] == "no"
    unsettled = state.reason == "pain" and answers["pain_settled"] == "no"
    if declined or unsettled:
        # The routine waits either way, but a warning sign answered on the same page
        # is kept and its advice comes first: it may be more urgent than waiting.
        if unsettled:
            record_settled(engine, False, at=now, zone=zone)
        if warning.blocks:
            record_answers(engine, given, state, at=now, zone=zone)
        lines = [
            *urgent_first,
            messages.WEB_CONSENT_DECLINED if declined else messages.PAIN_NOT_SETTLED,
        ]
        return render(request, "advice.html", title="Not yet", lines=lines, group=warning.group)
    if state.reason == "consent":
        record_consent(engine, wording=messages.CONSENT_WORDING_VERSION, given=now, zone=zone)
    if state.reason == "pain":
        record_settled(engine, True, at=now, zone=zone)
    result = record_answers(engine, given, state, at=now, zone=zone)
    after = gate_state(request)
    return render(
        request,
        "advice.html",
        title="Your answers",
        lines=advice_after_check(result, after, web=True),
        group=result.group,
        ready=after.allows,
        go_ahead=after.reason in GO_AHEAD_LIFTS,
    )


# What a clinician's go-ahead can lift (see core/screening.py: clearance_effect).
GO_AHEAD_LIFTS = ("clinician", "repeated-pain")


@router.get("/clear", response_class=HTMLResponse)
def clear_page(request: Request) -> HTMLResponse:
    return go_ahead_form(request, values={}, errors={})


def go_ahead_form(
    request: Request,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    fault: StoreError | None = None,
) -> HTMLResponse:
    from easeback.usecases.checkup import BY_LIMIT

    return form_answer(
        request,
        "clear.html",
        errors=errors,
        fault=fault,
        title="Your clinician's go-ahead",
        gate=gate_state(request),
        values=values,
        by_limit=BY_LIMIT,
    )


@router.post("/clear", response_class=HTMLResponse)
async def record_clear(request: Request) -> HTMLResponse:
    from easeback.usecases.checkup import ClearanceProblem, record_go_ahead
    from easeback.usecases.clock import wall_now
    from easeback.usecases.today import person_zone

    form = await checked_form(request)
    values = {k: str(form.get(k, "")).strip() for k in ("on", "by")}
    try:
        done = record_go_ahead(
            store_of(request),
            on=values["on"] or None,
            by=values["by"] or None,
            now=wall_now(),
            zone=person_zone(store_of(request)),
        )
    except ClearanceProblem as exc:
        message = str(exc)
        return go_ahead_form(
            request, values=values, errors={exc.field: message[:1].upper() + message[1:] + "."}
        )
    except (StoreError, SQLAlchemyError) as exc:
        return go_ahead_form(request, values=values, errors={}, fault=not_saved(request, exc))
    if done.effect == "nothing":
        lines = [messages.CLEAR_NOT_NEEDED]
    elif done.effect == "cannot":
        lines = [messages.WEB_CLEAR_CANNOT.format(advice=done.advice)]
    else:
        lines = [messages.CLEARED.format(on=done.on_words, by=f" ({done.by})" if done.by else "")]
    state = gate_state(request)
    return render(
        request, "advice.html", title="Your clinician's go-ahead", lines=lines, ready=state.allows
    )
