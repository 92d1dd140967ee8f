"""Short words for phases, shared by the terminal screen, plain lines, summaries and
the web player (sent with the timeline, so the browser has no wording of its own)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from easeback.content.models import Library
from easeback.core.timeline import DIRECTION_WORDS, SIDE_WORDS, Phase, Timeline

if TYPE_CHECKING:
    from easeback.store.safety import Record

KIND_WORDS = {
    "prepare": "Get ready",
    "hold": "Hold",
    "release": "Relax",
    "switch": "Change sides",
    "rest": "Rest",
    "done": "Done",
}


def stretch_name(phase: Phase, library: Library) -> str:
    stretch = library.get(phase.stretch) if phase.stretch else None
    return stretch.name if stretch else ""


def phase_label(phase: Phase) -> str:
    """'Hold · left side · 1 of 2', 'Hold · towards the feet · 3 of 5', 'Rest'."""
    parts = [KIND_WORDS[phase.kind]]
    if phase.kind in ("hold", "switch", "prepare"):
        if phase.side:
            parts.append(SIDE_WORDS[phase.side].removeprefix("the "))
        if phase.direction and phase.kind == "hold":
            parts.append(DIRECTION_WORDS[phase.direction])
        if phase.kind == "hold" and phase.reps and phase.reps > 1:
            parts.append(f"{phase.rep} of {phase.reps}")
    return " · ".join(parts)


def next_label(timeline: Timeline, index: int, library: Library) -> str:
    """What comes after phase ``index``, for 'Next: ...'."""
    phases = timeline.phases
    if index + 1 >= len(phases):
        return "nothing, the routine is over"
    nxt = phases[index + 1]
    if nxt.kind == "done":
        return "the end of the routine"
    if nxt.kind in ("prepare", "rest"):
        following = next((p for p in phases[index + 1 :] if p.kind == "prepare"), None)
        if following is not None:
            return (
                f"{KIND_WORDS[nxt.kind].lower()}, then {stretch_name(following, library).lower()}"
            )
    return f"{phase_label(nxt).lower()} ({nxt.duration_ms // 1000} s)"


# --- The web player's big line and its small print (issue 15) ---------------------------
# Read from two metres away on a mat: the kind of phase and the side, nothing else; the
# direction and the repetition go on a smaller line under it.
def phase_headline(phase: Phase) -> str:
    """'Hold · left', 'Get ready · right', 'Change sides · right', 'Rest'."""
    if phase.side and phase.kind in ("hold", "switch", "prepare"):
        return f"{KIND_WORDS[phase.kind]} · {phase.side}"
    return KIND_WORDS[phase.kind]


def phase_detail(phase: Phase) -> str:
    """'Towards the feet · 3 of 5' for a hold, '' when the headline says it all."""
    if phase.kind != "hold":
        return ""
    parts = []
    if phase.direction:
        parts.append(DIRECTION_WORDS[phase.direction])
    if phase.reps and phase.reps > 1:
        parts.append(f"{phase.rep} of {phase.reps}")
    text = " · ".join(parts)
    return text[:1].upper() + text[1:]


def stretch_position(timeline: Timeline, index: int) -> tuple[int, int]:
    """(n, m) for 'Stretch n of m' at phase ``index`` (n is 0 before the first)."""
    order: list[str] = []
    for phase in timeline.phases:
        if phase.stretch and phase.stretch not in order:
            order.append(phase.stretch)
    current = timeline.phases[index].stretch
    if current is None:
        done = {p.stretch for p in timeline.phases[: index + 1] if p.stretch}
        return (len(done), len(order))
    return (order.index(current) + 1, len(order))


# The short form of days and times, for the charts and tables where space is tight
# ('Mon 2 Mar 2026, 07:05'); pages and the terminal's lines use wording/days.py.
MONTH_WORDS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAY_WORDS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def day_text(day: date) -> str:
    """'2 Mar 2026'."""
    return f"{day.day} {MONTH_WORDS[day.month - 1]} {day.year}"


def moment_text(moment: datetime) -> str:
    """'Mon 2 Mar 2026, 07:05': a local moment, its time on the 24-hour clock."""
    return f"{WEEKDAY_WORDS[moment.weekday()]} {day_text(moment.date())}, {moment:%H:%M}"


def clock_text(ms: int) -> str:
    """'5:15' for 315000 ms."""
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


SAFETY_GROUP_WORDS = {
    "emergency": "emergency care now",
    "urgent": "see a doctor today",
    "clinician": "check with a clinician first",
}


def safety_words(record: Record) -> tuple[str, str, str | None]:
    """(what, result, group) for one safety record, e.g. ('Safety questions
    (30-days)', 'no warning signs', None)."""
    d = record.detail
    if record.kind == "consent":
        return "Clinician check confirmed", "", None
    if record.kind == "screening":
        group = d["result"]
        result = "no warning signs" if group is None else SAFETY_GROUP_WORDS[group]
        if d["yes"]:
            result += f" (yes: {', '.join(d['yes'])})"
        return f"Safety questions ({d['reason']})", result, group
    if record.kind == "clearance":
        by = f", {d['by']}" if d["by"] else ""
        return "Cleared by a clinician", f"on {d['cleared_on']}{by}", None
    after = {"pain_stop": "Pain stop", "worsening": "Pain rose 2+ points", "settled": "Pain check"}
    if d["after"] == "settled":
        return after["settled"], "settled" if d["settled"] else "not settled", None
    step_back = "step back (2 in 7 days)" if d["step_back"] else ""
    return after.get(d["after"], d["after"]), step_back, None


DAY_WORDS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def days_text(days: Iterable[int]) -> str:
    """'Every day', 'Mon-Fri', 'Sat-Sun', 'Mon, Wed, Fri' or 'Tue-Thu, Sat' for weekday
    numbers (Monday is 0): two or more days in a row are written as a range."""
    chosen = sorted(set(days))
    if len(chosen) == 7:
        return "Every day"
    runs: list[list[int]] = []
    for day in chosen:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ", ".join(
        DAY_WORDS[run[0]] if len(run) == 1 else f"{DAY_WORDS[run[0]]}-{DAY_WORDS[run[-1]]}"
        for run in runs
    )


def timing_text(days: Iterable[int], times: Sequence[tuple[str, str]]) -> str:
    """'Mon-Fri 12:45 (at work)', 'Every day 07:05 and 22:10 (lying down)', or with a
    place for each time when they differ: 'Mon-Fri 07:05 (lying down), 17:30 (at
    home) and 22:10 (lying down)'. ``times`` are ("HH:MM", where), in order."""
    places = {where for _, where in times}
    if len(places) == 1:
        items = [at for at, _ in times]
        tail = f" ({places.pop()})"
    else:
        items = [f"{at} ({where})" for at, where in times]
        tail = ""
    listed = items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
    return f"{days_text(days)} {listed}{tail}"
