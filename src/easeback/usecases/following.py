"""What the plan follows today, as one value every shell and report reads: the
article's plan or the clinician's prescription in force, the flare-up if one is on,
and from them the course (which stretches, in which slots) and the doses.

The rules are in core/prescribed.py and core/progression.py; this puts the stored
facts through them, so that Today, ``start``, progression, the calendar, the sheet,
the report and the FHIR export never decide it twice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from easeback.core.plan import Course
from easeback.core.prescribed import (
    FlareState,
    course_of,
    flare_days,
    flare_doses,
    flare_state,
    in_force,
    starting_doses,
)

if TYPE_CHECKING:
    from easeback.store.prescription_rows import Flare, Followed
    from easeback.store.prescriptions import PlanFacts

DoseMap = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Basis:
    """The plan on one day.

    ``followed``: the prescription in force (None: the article's plan). ``ended``: a
    prescription the person imported whose end has passed (the plan fell back to the
    article's; say so). ``flare``: the flare-up's state when one is on today (or its
    answers still call for the safety questions). ``course`` and ``doses``: what is due
    and at what dose, flare-up included. ``basis``: the id progression climbs under.
    """

    followed: Followed | None
    ended: Followed | None
    flare: Flare | None
    flare_today: FlareState | None
    course: Course
    doses: DoseMap
    zone: str = "UTC"  # the person's: the day a prescription was signed is told in it
    # stretch -> the steps a prescription keeps (by side or direction), where not all
    sides: dict[str, list[str]] = field(default_factory=dict)

    @property
    def basis(self) -> str | None:
        return self.followed.id if self.followed else None

    @property
    def flaring(self) -> bool:
        return self.flare_today is not None and self.flare_today.active


def basis_on(
    day: date,
    *,
    followed: Followed | None,
    article_snapshot: DoseMap | None,
    rx_snapshot: DoseMap | None,
    flare: Flare | None,
    screened_at: datetime | None = None,
    zone: str = "UTC",
) -> Basis:
    """The plan on ``day`` from the stored facts (snapshots: the latest progression
    state under the article's plan, and under the followed prescription)."""
    from easeback.usecases.today import current_doses

    ended = None
    if followed is not None:
        state_of = in_force(followed.start, followed.end, day)
        if state_of != "active":
            ended, followed = (followed if state_of == "expired" else None), None
    if followed is None:
        doses = current_doses(article_snapshot)
        course = Course.article(doses["lower-back-rotation"]["times_per_day"])
    else:
        course = course_of(followed.plan)
        doses = prescribed_doses(followed)
        for sid, dose in (rx_snapshot or {}).items():
            if sid in doses:
                doses[sid] = {k: dose[k] for k in ("hold_s", "reps", "times_per_day")}
    state = None
    if flare is not None:
        # How long it lasts: as the flare-up plan of the prescription followed now says
        # (its advice and doses are the ones shown), else as it was started.
        plan = followed.plan if followed is not None else None
        days = flare_days(plan) if flare_doses(plan) else flare.days
        state = flare_state(flare.day, days, flare.answers, day, screened_at)
        if state.active:
            course, doses = _flaring(course, doses, followed, flare)
    sides = _restricted_sides(followed)
    return Basis(followed, ended, flare, state, course, doses, zone, sides)


def _restricted_sides(followed: Followed | None) -> dict[str, list[str]]:
    """The stored plan names sides only where not all of them (bundle.full)."""
    if followed is None:
        return {}
    return {item["id"]: item["sides"] for item in followed.plan["stretches"] if item.get("sides")}


def prescribed_doses(followed: Followed) -> DoseMap:
    """The prescription's starting doses, stretch by stretch, as plain data."""
    return {sid: asdict(dose) for sid, dose in starting_doses(followed.plan).items()}


def _flaring(
    course: Course, doses: DoseMap, followed: Followed | None, flare: Flare
) -> tuple[Course, DoseMap]:
    """The flare-up plan: the prescription's (its stretches, at its doses), else the
    plan's stretches at their gentlest starting doses."""
    from easeback.usecases.today import current_doses

    # The flare-up plan of the prescription followed now (a new version imported during
    # a flare-up brings its own), as the advice shown with it.
    plan = followed.plan if followed is not None else None
    easier = flare_doses(plan)
    if easier is None:
        if followed is None:
            # The article's plan at its start: the gentlest doses, the rotation twice.
            starting = current_doses(None)
            return Course.article(starting["lower-back-rotation"]["times_per_day"]), starting
        return course, prescribed_doses(followed)
    assert plan is not None  # noqa: S101 - flare_doses gives None without a plan
    flaring = course_of(plan, [sid for sid in course.stretches if sid in easier])
    return flaring, {
        sid: {"hold_s": easier[sid][0], "reps": easier[sid][1], "times_per_day": len(slots)}
        for sid, slots in flaring.slots
    }


def store_basis(engine: Any, day: date) -> Basis:
    """The plan on ``day``, read from the store."""
    from easeback.store.plan import latest_snapshot
    from easeback.store.prescriptions import current, current_flare, screened_at
    from easeback.usecases.today import person_zone

    followed = current(engine)
    return basis_on(
        day,
        followed=followed,
        article_snapshot=latest_snapshot(engine),
        rx_snapshot=latest_snapshot(engine, followed.id) if followed else None,
        flare=current_flare(engine),
        screened_at=screened_at(engine),
        zone=person_zone(engine),
    )


def counting_basis(facts: PlanFacts, day: date, moment: datetime, zone: str) -> Basis:
    """The plan a session started at ``moment`` (aware; on the person's ``day``) was
    played under, from the facts as they stood then: the last prescription imported
    or removed before it, the flare-up started by then. Progression counts with it,
    so a session counted later (records from another device arrived by sync) counts
    the same on every side."""
    from easeback.store.schema import to_utc

    naive = to_utc(moment)
    return basis_on(
        day,
        followed=facts.followed_at(naive),
        article_snapshot=None,
        rx_snapshot=None,
        flare=facts.flare_at(moment),
        screened_at=facts.screened_at(naive),
        zone=zone,
    )


def plan_words(basis: Basis) -> dict[str, Any]:
    """Where the plan comes from, as plain data for every shell: "prescribed by ... on
    ..., version N", or the article's; a notice when a prescription has ended."""
    out: dict[str, Any] = {"source": "article"}
    rx = basis.followed
    if rx is not None:
        out = {
            "source": "prescription",
            "id": rx.id,
            "version": rx.version,
            "clinician": rx.clinician,
            "issued": signed_day(rx, basis.zone).isoformat(),
            "start": rx.start.isoformat(),
            "end": rx.end.isoformat() if rx.end else None,
            "note": rx.plan.get("note", ""),
            "text": prescribed_text(rx, basis.zone),
        }
    if basis.ended is not None:
        out["notice"] = (
            f"The prescription from {basis.ended.clinician['name']} ended on "
            f"{basis.ended.end}; easeback is back to the article's plan. Ask your "
            "clinician for a new one if you want to go on with it."
        )
    if basis.flare_today is not None and basis.flare is not None:
        state = basis.flare_today
        out["flare_up"] = {
            "active": state.active,
            "began": basis.flare.day.isoformat(),
            "day": state.day_number,
            "days": (state.last_day - basis.flare.day).days + 1,
            "last_day": state.last_day.isoformat(),
            "check_due": state.check_due,
            "needs_safety": state.needs_safety,
            **flare_advice(basis, (state.last_day - basis.flare.day).days + 1),
        }
    return out


def signed_day(rx: Followed, zone: str) -> date:
    """The day the prescription was signed, in the person's time zone."""
    from zoneinfo import ZoneInfo

    return rx.issued.astimezone(ZoneInfo(zone)).date()


def flare_advice(basis: Basis, days: int) -> dict[str, Any]:
    """What to do during a flare-up and when to get in touch: the clinician's words from
    the prescription followed, else easeback's."""
    from easeback.wording import messages

    plan = basis.followed.plan.get("flare_up") if basis.followed is not None else None
    if plan:
        return {"advice": plan["advice"], "contact": plan["contact"], "from_clinician": True}
    return {
        "advice": messages.FLARE_ADVICE.format(days=days),
        "contact": messages.FLARE_CONTACT,
        "from_clinician": False,
    }


def prescribed_text(rx: Followed, zone: str = "UTC") -> str:
    """'Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio) on 2026-11-28,
    version 2'."""
    who = rx.clinician
    return (
        f"Prescribed by {who['name']} ({who['role']}, {who['organisation']}) on "
        f"{signed_day(rx, zone).isoformat()}, version {rx.version}"
    )
