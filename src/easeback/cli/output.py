"""Human-readable output for the CLI: ``format_*`` build renderables (tested),
``print_*`` only hand them to the console."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.console import Console, Group, RenderableType
from rich.table import Table

from easeback.content.models import Library, Routine
from easeback.core.timeline import Timeline
from easeback.usecases import clock
from easeback.usecases.clock import local_time
from easeback.wording import messages
from easeback.wording.days import date_words, moment_words
from easeback.wording.labels import (
    SAFETY_GROUP_WORDS,
    clock_text,
    phase_label,
    safety_words,
    stretch_name,
)

if TYPE_CHECKING:
    from easeback.core.insight import Change
    from easeback.store.safety import Record
    from easeback.store.sessions import SessionSummary
    from easeback.usecases.overview import Overview

TIME_WORDS = {"morning": "first thing", "daytime": "during the day", "evening": "at bedtime"}


def _console() -> Console:
    return Console(highlight=False)


def format_stretches(library: Library) -> RenderableType:
    table = Table(title="The stretches", title_justify="left", show_lines=True)
    for column in ("Stretch", "Hold", "Sides / order", "Repetitions", "When"):
        table.add_column(column)
    for s in library.stretches:
        order = (
            " then ".join(s.sides)
            if s.sides
            else " then ".join(f"towards the {d}" for d in (st.direction for st in s.steps) if d)
        )
        table.add_row(
            f"{s.name}\n[dim]{s.id}[/dim]",
            f"{s.hold_s.text()} s",
            order,
            s.reps.text() + (" per side" if len(set(s.sides)) > 1 and s.reps.max > 1 else ""),
            f"{s.when}\n[dim]{s.times_per_day.text()} a day[/dim]",
        )
    return table


def print_stretches(library: Library) -> None:
    _console().print(format_stretches(library))
    _console().print(f"[dim]{messages.NOT_ADVICE}[/dim]")


def format_timeline(timeline: Timeline, title: str, library: Library) -> RenderableType:
    table = Table(
        title=f"{title}: {clock_text(timeline.total_ms)} in all",
        title_justify="left",
    )
    for column in ("At", "Stretch", "Phase", "For", "Said"):
        table.add_column(column)
    for phase in timeline.phases:
        table.add_row(
            clock_text(phase.start_ms),
            stretch_name(phase, library),
            phase_label(phase),
            f"{phase.duration_ms // 1000} s" if phase.duration_ms else "",
            phase.say,
        )
    return table


def print_timeline(timeline: Timeline, title: str, library: Library) -> None:
    _console().print(format_timeline(timeline, title, library))


def routine_summary(routine: Routine, timeline: Timeline) -> str:
    holds = sum(1 for p in timeline.phases if p.kind == "hold")
    count = len(routine.stretches)
    return (
        f"{routine.display_title}: OK. {count} stretch{'es' if count != 1 else ''}, "
        f"{holds} hold{'s' if holds != 1 else ''}, {clock_text(timeline.total_ms)} in all."
    )


def _when(moment_utc: datetime, zone: str, now: datetime) -> str:
    """A stored moment in words in its zone, the year shown only when not ``now``'s."""
    moment = local_time(moment_utc, zone)
    return moment_words(moment, now.astimezone(moment.tzinfo).date())


def format_history(rows: list[SessionSummary], now: datetime) -> RenderableType:
    if not rows:
        return "No sessions yet. Start one with: easeback start"
    table = Table(title="Your sessions, newest first", title_justify="left")
    for column in ("When", "Routine", "Outcome", "Time", "Holds", "Pain before → after"):
        table.add_column(column)
    for row in rows:
        when = _when(row.started_utc, row.zone, now)
        outcome = messages.OUTCOME_WORDS.get(row.outcome, row.outcome)
        if row.outcome == "pain_stop":
            outcome = f"[bold red]{outcome}[/bold red]"
        routine = row.title + (f" [dim](rehearsal x{row.speed:g})[/dim]" if row.rehearsal else "")
        pain = " → ".join("-" if v is None else str(v) for v in (row.pain_before, row.pain_after))
        table.add_row(when, routine, outcome, clock_text(row.elapsed_ms), str(row.holds), pain)
    return table


def format_safety(records: list[Record], now: datetime) -> RenderableType:
    table = Table(title="Safety records, newest first", title_justify="left")
    for column in ("When", "What", "Result"):
        table.add_column(column)
    for record in records:
        when = _when(record.at_utc, record.zone, now)
        what, result = _safety_words(record)
        table.add_row(when, what, result)
    return table


def _safety_words(record: Record) -> tuple[str, str]:
    what, result, group = safety_words(record)
    if group in SAFETY_GROUP_STYLE:
        plain = SAFETY_GROUP_WORDS[group]
        result = result.replace(plain, f"[{SAFETY_GROUP_STYLE[group]}]{plain}[/]", 1)
    return what, result


SAFETY_GROUP_STYLE = {"emergency": "bold red", "urgent": "bold red", "clinician": "yellow"}


def print_history(rows: list[SessionSummary], records: list[Record]) -> None:
    console = _console()
    now = clock.wall_now()
    console.print(format_history(rows, now))
    if records:
        console.print(format_safety(records, now))


def format_today(view: dict[str, Any]) -> RenderableType:
    """Today's slots: time, where, stretches with their doses, and status."""
    from easeback.content.library import load_library

    library = load_library()
    day = date.fromisoformat(view["date"])
    table = Table(
        title=f"Today, {date_words(day, day)} ({view['zone']}), now {view['now']}",
        title_justify="left",
    )
    for column in ("Time", "When", "Stretches", "Status"):
        table.add_column(column)
    for slot in view["slots"]:
        names = []
        for item in slot["stretches"]:
            stretch = library.get(item["id"])
            dose = f"{item['hold_s']} s"
            if item["reps"] > 1:
                dose += f", {item['reps']} times"
            names.append(f"{stretch.name if stretch else item['id']} ({dose})")
        status = messages.STATUS_WORDS[slot["status"]]
        if slot["status"] == "next":
            status = f"[bold]{status}[/bold]"
        elif slot["status"] == "stopped":
            status = f"[bold red]{status}[/bold red]"
        table.add_row(
            slot["time"],
            f"{messages.SLOT_TITLES[slot['id']]} ({slot['where']})",
            "\n".join(names),
            status,
        )
    from rich.markup import escape

    lines: list[RenderableType] = []
    plan = view.get("plan") or {}
    if plan.get("text"):
        lines.append(f"{escape(plan['text'])}.")
    if plan.get("notice"):
        lines.append(f"[bold]{escape(plan['notice'])}[/bold]")
    flare = plan.get("flare_up")
    if flare and flare["active"]:
        lines.append(
            f"[bold]Flare-up: day {flare['day']} of {flare['days']}[/bold], easier doses; "
            "no dose is raised meanwhile."
        )
        if flare["check_due"]:
            lines.append(f"{messages.FLARE_QUESTION} {messages.FLARE_ANSWER_HOW}")
    if flare and flare["needs_safety"]:
        lines.append(f"[bold red]{messages.FLARE_SAFETY}[/bold red]")
    lines.append(table)
    week = view.get("week") or {}
    if week.get("words"):
        lines.append(escape(week["words"]))
    if not view["set_up"]:
        lines.append(f"[dim]{messages.NOT_SET_UP}[/dim]")
    return Group(*lines)


def print_today(view: dict[str, Any]) -> None:
    _console().print(format_today(view))


def format_progress(view: Overview) -> RenderableType:
    """Adherence bars per week, pain and PSFS sparklines, and what each change means."""
    from easeback.reports.sparks import bar, sparkline

    lines: list[RenderableType] = [
        f"Progress from {view.first:%d %b %Y} to {view.last:%d %b %Y} ({view.zone})",
        "",
        f"Sessions against the plan: {view.done} of {view.planned} slots "
        f"({view.sessions} session{'' if view.sessions == 1 else 's'}, {view.completed} completed, "
        f"{len(view.pain_stops)} stopped for pain"
        + (
            f", {len(view.rehearsal_stops)} of them in a rehearsal)"
            if view.rehearsal_stops
            else ")"
        ),
    ]
    weeks = Table(box=None, show_header=True, pad_edge=False)
    weeks.add_column("Week of")
    weeks.add_column("Done")
    weeks.add_column("")
    for week in view.weeks:
        weeks.add_row(f"{week.start:%d %b}", f"{week.done}/{week.planned}", bar(week.share))
    lines += [weeks, ""]
    by_day: dict[Any, list[int]] = {}
    for point in view.pain:
        if point.source != "after":
            by_day.setdefault(point.at.date(), []).append(point.value)
    days = [view.first + timedelta(days=i) for i in range((view.last - view.first).days + 1)]
    daily = [sum(v) / len(v) if (v := by_day.get(d)) else None for d in days]
    lines.append(f"Pain (0-10, daily)   {sparkline(daily)}")
    lines.append(f"  {_change_words('pain', view.pain_change)}")
    psfs = [mean for _, mean in view.psfs]
    lines.append(f"PSFS (0-10, weekly)  {sparkline(list(psfs)) or '-'}")
    lines.append(f"  {_change_words('PSFS', view.psfs_change)}")
    if view.activities:
        lines.append("")
        for name, latest in view.activities:
            lines.append(f"  {name}: {'-' if latest is None else latest}")
    lines += ["", messages.NOT_ADVICE]
    return Group(*lines)


def _change_words(what: str, change: Change) -> str:
    verdict = messages.VERDICT_WORDS[change.verdict]
    if change.baseline is None or change.recent is None:
        return f"{what.capitalize() if what == 'pain' else what}: {verdict}"
    return (
        f"{what.capitalize() if what == 'pain' else what}: {change.baseline:.1f} at the "
        f"start, {change.recent:.1f} lately: {verdict}"
    )


def print_progress(view: Overview) -> None:
    _console().print(format_progress(view))
