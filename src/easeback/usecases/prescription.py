"""The clinician's prescription and the flare-up, for every shell: write and sign one
(the clinician's side), import, show, list and remove one (the person's side), and
start, answer and end a flare-up.

Every refusal is a ``PrescriptionProblem`` with the exit code it deserves (2 for a
file or input that is wrong, 1 for a clinician the person has not confirmed) and a
message that says what to do; nothing is stored unless everything is right, so the
current plan stays exactly as it was.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from easeback.content.prescription import Clinician
    from easeback.prescribing.bundle import Issued
    from easeback.prescribing.keys import Card


class PrescriptionProblem(Exception):
    """A prescription (or flare-up) request refused; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


# --- the clinician's side ------------------------------------------------------------


def clinician_init(data: Path, clinician: Clinician) -> tuple[Card, Path]:
    from easeback.prescribing.keys import KeyProblem, init

    try:
        return init(data, clinician)
    except KeyProblem as exc:
        raise PrescriptionProblem(str(exc)) from None


def write_prescription(
    data: Path, source: Path, *, patient: str, now: datetime
) -> tuple[bytes, Issued]:
    """A prescription TOML file, validated (every problem at once: RoutineError) and
    signed with the clinician's key; the signed file's bytes."""
    from easeback.content.files import FileProblem, read_text, shown
    from easeback.content.library import load_library
    from easeback.content.prescription import Prescription, patient_name
    from easeback.content.toml_problems import load_toml, problems_of
    from easeback.core.errors import Problem, RoutineError
    from easeback.prescribing.bundle import Issued
    from easeback.prescribing.keys import KeyProblem, load
    from easeback.prescribing.signed import make_file

    try:
        patient = patient_name(patient.strip())
    except ValueError as exc:
        raise PrescriptionProblem(
            f"--for: give the person's name as they will recognise it; {exc}"
        ) from None
    name = shown(source)
    try:
        text = read_text(source, limit=64 * 1024)
    except FileProblem as exc:
        raise RoutineError([Problem(name, None, "", f"cannot read the file: {exc}")]) from None
    raw = load_toml(text, name)
    library = load_library()
    from pydantic import ValidationError

    try:
        prescription = Prescription.model_validate(raw, context={"library": library})
    except ValidationError as exc:
        raise RoutineError(problems_of(exc, name, text, Prescription)) from exc
    try:
        key, card = load(data)
    except KeyProblem as exc:
        raise PrescriptionProblem(str(exc)) from None
    issued = Issued(
        prescription=prescription,
        clinician=card.clinician,
        patient=patient,
        issued=now,
        id=str(uuid.uuid4()),
        fingerprint=card.fingerprint,
    )
    return make_file(issued, key, library), issued


# --- the person's side ---------------------------------------------------------------


@dataclass(frozen=True)
class Opened:
    """A prescription file checked and ready to follow, with what the person must see
    before it replaces the plan."""

    issued: Issued
    raw: bytes
    trusted: bool
    already: bool  # the very same file is what the plan follows now
    signed_on: date  # the day it was signed, in the person's time zone


def open_prescription(engine: Engine, raw: bytes, *, now: datetime) -> Opened:
    """Check a signed file against the clinical bounds, its signature and today's date
    (the person's day); refuse an older version from the same clinician."""
    from easeback.content.library import load_library
    from easeback.core.plan import DaySettings, person_day
    from easeback.core.prescribed import in_force
    from easeback.prescribing.signed import open_file
    from easeback.store.plan import latest_settings
    from easeback.store.prescriptions import current, stored_file, trusted
    from easeback.usecases.clock import local_zone
    from easeback.wording.days import date_words

    try:
        issued = open_file(raw, load_library())
    except ValueError as exc:
        raise PrescriptionProblem(f"this prescription cannot be used: {exc}") from None
    rx = issued.prescription
    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    today = person_day(now, settings)
    state = in_force(rx.start, rx.end, today)
    if state == "expired":
        raise PrescriptionProblem(
            f"this prescription ended on {date_words(rx.end, today) if rx.end else ''}; ask "
            f"{issued.clinician.name} for a new one. Your plan is unchanged."
        )
    if state == "not-yet":
        raise PrescriptionProblem(
            f"this prescription starts on {date_words(rx.start, today)}; import it on or "
            "after that day. Your plan is unchanged."
        )
    kept = stored_file(engine, issued.id)
    if kept is not None and kept != raw:
        raise PrescriptionProblem(
            "this file carries the identifier of another prescription kept here, with "
            "other content; ask your clinician for the file again. Your plan is unchanged."
        )
    following = current(engine)
    already = following is not None and following.id == issued.id
    if (
        following is not None
        and not already
        and following.fingerprint == issued.fingerprint
        and following.version > rx.version
    ):
        raise PrescriptionProblem(
            f"this is version {rx.version}, older than version {following.version} from the "
            "same clinician, which your plan follows; your plan is unchanged"
        )
    signed_on = issued.issued.astimezone(ZoneInfo(settings.zone)).date()
    return Opened(issued, raw, trusted(engine, issued.fingerprint), already, signed_on)


def follow(engine: Engine, opened: Opened, *, now: datetime, trust: bool) -> list[str]:
    """Keep the file and follow it (trusting its clinician when ``trust``); returns
    problems updating calendar files (the import itself is done)."""
    from easeback.store.prescriptions import save_import
    from easeback.usecases.aftercare import rewrite_calendars

    issued = opened.issued
    rx = issued.prescription
    from easeback.content.library import load_library
    from easeback.prescribing.bundle import full

    plan = full(rx, load_library()).model_dump(mode="json")
    save_import(
        engine,
        rx_id=issued.id,
        version=rx.version,
        fingerprint=issued.fingerprint,
        clinician=issued.clinician.model_dump(),
        patient=issued.patient,
        issued=issued.issued,
        start=rx.start,
        end=rx.end,
        plan=plan,
        file=opened.raw,
        at=now,
        trust_name=issued.clinician.name if trust else None,
    )
    return rewrite_calendars(engine)


def remove(engine: Engine, *, now: datetime) -> tuple[bool, list[str]]:
    """Back to the article's plan; False when no prescription was followed."""
    from easeback.store.prescriptions import current, save_removal
    from easeback.usecases.aftercare import rewrite_calendars

    if current(engine) is None:
        return False, []
    save_removal(engine, at=now)
    return True, rewrite_calendars(engine)


def shown_prescription(engine: Engine, *, now: datetime) -> dict[str, Any]:
    """The plan's source and, for a prescription, every stretch with its dose, slots,
    progression and ceiling, and the flare-up plan: the data ``prescription show``
    and the web page print."""
    from easeback.content.library import load_library
    from easeback.core.plan import DaySettings, person_day
    from easeback.store.plan import latest_settings
    from easeback.store.prescriptions import current
    from easeback.usecases.clock import local_zone
    from easeback.usecases.following import plan_words, store_basis

    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    basis = store_basis(engine, person_day(now, settings))
    out = plan_words(basis)
    stored = current(engine)
    if stored is not None:
        out["fingerprint"] = stored.fingerprint
    rx = basis.followed
    if rx is None:
        return out
    library = load_library()
    out["stretches"] = [
        {
            "id": item["id"],
            "name": library.stretch(item["id"]).name,
            "hold_s": item["hold_s"],
            "reps": item["reps"],
            "slots": item["slots"],
            "progression": item["progression"],
            "ceiling": item.get("ceiling"),
            "sides": item.get("sides"),
            "now": basis.doses.get(item["id"]),
            "now_text": _now_text(item, basis.doses.get(item["id"]), basis.flaring),
        }
        for item in rx.plan["stretches"]
    ]
    flare = rx.plan.get("flare_up")
    if flare:
        out["flare_up_plan"] = {
            **flare,
            "stretches": [{**d, "name": library.stretch(d["id"]).name} for d in flare["stretches"]],
        }
    return out


def _now_text(item: dict[str, Any], now: dict[str, int] | None, flaring: bool) -> str | None:
    """Where today's dose differs from the prescribed one, why, in words."""
    if now is None:
        return "Not due during the flare-up." if flaring else None
    if (now["hold_s"], now["reps"]) == (item["hold_s"], item["reps"]):
        return None
    dose = f"hold {now['hold_s']} s, {now['reps']} time{'s' if now['reps'] != 1 else ''}"
    if flaring:
        return f"During the flare-up: {dose}."
    return f"Now {dose}, raised after easy sessions."


# --- the flare-up --------------------------------------------------------------------


def start_flare(engine: Engine, *, now: datetime) -> dict[str, Any]:
    """Start a flare-up today (one already on is left as it is); what to do meanwhile."""
    from easeback.core.prescribed import flare_days
    from easeback.store.prescriptions import start_flare as store_start

    today, basis = _today_basis(engine, now)
    if not basis.flaring:
        rx = basis.followed
        store_start(
            engine,
            day=today,
            days=flare_days(rx.plan if rx else None),
            prescription_id=rx.id if rx else None,
            at=now,
        )
        today, basis = _today_basis(engine, now)
    return flare_view(basis)


def answer_flare(
    engine: Engine, answer: str, *, new_symptom: bool, now: datetime
) -> dict[str, Any]:
    """This morning's answer: better, same or worse than usual, and whether there is a
    new or changed symptom."""
    from easeback.core.prescribed import MORNING_ANSWERS
    from easeback.store.prescriptions import add_flare_answers

    if answer not in MORNING_ANSWERS:
        raise PrescriptionProblem(
            f"{answer!r}: answer better, same or worse (how your back feels compared with usual)"
        )
    today, basis = _today_basis(engine, now)
    state = basis.flare_today
    if not basis.flaring or basis.flare is None or state is None:
        raise PrescriptionProblem(
            "no flare-up is on; start one with: easeback flare-up (or the button on Today)"
        )
    if not state.check_due:
        first = "the morning question begins tomorrow, on the flare-up's second day"
        again = "this morning's question is already answered; the next comes tomorrow"
        raise PrescriptionProblem(
            f"{first if state.day_number == 1 else again}. For a new or changed symptom "
            "now, answer the safety questions: easeback check"
        )
    answers = [answer, "warning"] if new_symptom else [answer]
    add_flare_answers(engine, basis.flare.id, day=today, answers=answers, at=now)
    return flare_view(_today_basis(engine, now)[1])


def flare_check_due(engine: Engine, *, now: datetime) -> bool:
    """Whether this morning's flare-up question is still to be answered."""
    state = _today_basis(engine, now)[1].flare_today
    return state is not None and state.check_due


def end_flare(engine: Engine, *, now: datetime) -> bool:
    """End the flare-up early (the back is back to usual); False when none is on."""
    from easeback.store.prescriptions import add_flare_answers

    today, basis = _today_basis(engine, now)
    if not basis.flaring or basis.flare is None:
        return False
    add_flare_answers(engine, basis.flare.id, day=today, answers=["ended"], at=now)
    return True


def flare_view(basis: Any) -> dict[str, Any]:
    """The flare-up as plain data: its state, the advice to follow, and its doses."""
    from easeback.core.prescribed import ARTICLE_FLARE_DAYS
    from easeback.usecases.following import flare_advice, plan_words

    state = plan_words(basis).get("flare_up") or {
        "active": False,
        **flare_advice(basis, ARTICLE_FLARE_DAYS),
    }
    state["stretches"] = [
        {"id": sid, "hold_s": d["hold_s"], "reps": d["reps"]} for sid, d in basis.doses.items()
    ]
    return dict(state)


def _today_basis(engine: Engine, now: datetime) -> tuple[Any, Any]:
    from easeback.core.plan import DaySettings, person_day
    from easeback.store.plan import latest_settings
    from easeback.usecases.clock import local_zone
    from easeback.usecases.following import store_basis

    settings = latest_settings(engine) or DaySettings(zone=local_zone())
    today = person_day(now, settings)
    return today, store_basis(engine, today)
