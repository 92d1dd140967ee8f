"""Charts for the progress page and the clinician report, as inline SVG markup.

One code path for both: the web page puts the markup in its HTML, and WeasyPrint
renders the same markup in the PDF. Pure: values in, a ``Chart`` out; no clock, no
file, no network.

What the markup keeps to, so that it works everywhere it is shown:

- ``role="img"`` with a ``<title>`` and a ``<desc>`` (the one-sentence summary) named
  by ``aria-labelledby``; each chart also carries its data as a table (``headers`` and
  ``table``) for screen readers and for people who prefer numbers;
- no ``style`` attribute, no ``<style>`` and no ``<script>`` (the web app's
  Content-Security-Policy forbids inline styles): presentation attributes only;
- one colour, ``currentColor``, told apart by shape, fill, opacity and dashes, so it
  follows the page in light and dark mode and prints in black and white;
- no width or height: the page sizes it, the viewBox keeps its shape;
- small: numbers carry at most one decimal, and a period of more than
  ``DAILY_LIMIT`` days is drawn as one point per week (the week's mean), which the
  summary says. Five years of daily scores stay under 20 KB.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from easeback.core.insight import Week, pain_change
from easeback.reports.sparks import percent
from easeback.wording.labels import MONTH_WORDS, WEEKDAY_WORDS, day_text, moment_text

if TYPE_CHECKING:
    from easeback.usecases.overview import PainPoint

# The drawing: a 640 x 260 viewBox; values are plotted between LEFT and RIGHT,
# TOP (10, or 100%) and BOTTOM (0). The legend sits above TOP, the dates below BOTTOM.
WIDTH = 640
HEIGHT = 260
LEFT = 44
RIGHT = 628
TOP = 40
BOTTOM = 224
PLOT_WIDTH = RIGHT - LEFT
PLOT_HEIGHT = BOTTOM - TOP

DAILY_LIMIT = 120  # longer periods are drawn one point per week
LABELLED_BARS = 16  # up to this many weeks, each bar carries its percentage
SCALE_TOP = 10.0

NO_ENTRIES = "No entries in this period"
SOURCE_WORDS = {"diary": "Diary", "before": "Before a session", "after": "After a session"}
STOP_WORDS = "Session stopped for pain"
NOTHING_PLANNED = "nothing planned"
MONTHS = MONTH_WORDS

# A dot sits inside an "after" diamond with a gap around it when the two scores match.
DOT_RADIUS = 3
WEEKLY_DOT_RADIUS = 2
DIAMOND = 6  # half the height of the "after a session" diamond
WEEKLY_DIAMOND = 4


@dataclass(frozen=True)
class Chart:
    """An SVG chart with its words: ``title`` names it, ``summary`` is the sentence a
    screen reader gives (also the SVG's <desc>), ``headers`` and ``table`` hold the
    same data as rows of text."""

    svg: str
    title: str
    summary: str
    headers: tuple[str, ...]
    table: list[tuple[str, ...]]


# --- words and numbers ---------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing '.0': 12, 12.5."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _one(value: float) -> str:
    """A score for people: always one decimal, 3.0 or 4.5."""
    return f"{value:.1f}"


def _short_day(day: date) -> str:
    """'2 Mar'."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def _weekday_day(day: date) -> str:
    """'Mon 2 Mar 2026'."""
    return f"{WEEKDAY_WORDS[day.weekday()]} {day_text(day)}"


def _plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def _span(first: date, last: date) -> str:
    """How long the period is: 'over 1 day', 'over 10 days', 'over 4 weeks'; a long
    one by its dates: 'from 2 Mar 2026 to 1 Mar 2031'."""
    days = (last - first).days + 1
    if days > DAILY_LIMIT:
        return _period(first, last)
    if days >= 14 and days % 7 == 0:
        return "over " + _plural(days // 7, "week")
    return "over " + _plural(days, "day")


def _period(first: date, last: date) -> str:
    """'from 2 Mar to 29 Mar 2026', 'on 2 Mar 2026', 'from 30 Dec 2025 to 5 Jan 2026'."""
    if first == last:
        return f"on {day_text(first)}"
    start = _short_day(first) if first.year == last.year else day_text(first)
    return f"from {start} to {day_text(last)}"


# --- positions -----------------------------------------------------------------------


def _check(first: date, last: date) -> int:
    if last < first:
        raise ValueError(f"the period ends ({last}) before it starts ({first})")
    return (last - first).days + 1


def _offset(moment: datetime, first: date) -> float:
    """Days from the start of ``first`` to ``moment``, by its local wall clock."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return (moment.date() - first).days + seconds / 86400


def _x(offset: float, days: int) -> float:
    return LEFT + offset / days * PLOT_WIDTH


def _y(value: float, top: float = SCALE_TOP) -> float:
    return BOTTOM - min(max(value, 0.0), top) / top * PLOT_HEIGHT


def _place(position: float, weekly: bool) -> float:
    """A position as drawn: to a tenth, or to a whole unit for weekly points (2 units
    apart over five years, where a tenth cannot be seen and costs bytes)."""
    return float(round(position)) if weekly else position


def _point(x: float, y: float, weekly: bool) -> tuple[float, float]:
    return _place(x, weekly), _place(y, weekly)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_middle(monday: date, first: date, last: date) -> float:
    """The offset of the middle of the days of the week that fall in the period."""
    start = max(monday, first)
    end = min(monday + timedelta(days=6), last)
    return ((start - first).days + (end - first).days + 1) / 2


# --- drawing -------------------------------------------------------------------------


def _svg(kind: str, title: str, summary: str, body: Iterable[str]) -> str:
    ident = f"chart-{kind}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-labelledby="{ident}-title {ident}-desc" class="chart {ident}" '
        f'font-family="sans-serif" font-size="12">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )


def _text(x: float, y: float, words: str, anchor: str = "middle") -> str:
    return f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}">{escape(words)}</text>'


def _grid(marks: Sequence[tuple[float, str]]) -> list[str]:
    """Horizontal gridlines with their labels on the left: the first one (the zero
    line) solid, the others dashed and faint."""
    lines = [
        f'<path d="M{LEFT} {_num(y)}H{RIGHT}"'
        + (' opacity="0.7"/>' if index == 0 else ' opacity="0.3" stroke-dasharray="4 4"/>')
        for index, (y, _) in enumerate(marks)
    ]
    labels = [_text(LEFT - 6, y + 4, label, "end") for y, label in marks]
    return [
        '<g class="grid" stroke="currentColor" stroke-width="1">',
        *lines,
        "</g>",
        '<g class="y-labels" fill="currentColor">',
        *labels,
        "</g>",
    ]


def _score_grid() -> list[str]:
    return _grid([(_y(value), _num(value)) for value in (0, 5, 10)])


def _day_labels(first: date, last: date) -> list[tuple[float, str]]:
    """(offset in days, label) for the dates under the plot: at most 7 of them, every
    few days for a short period, month starts for a long one."""
    days = (last - first).days + 1
    if days <= DAILY_LIMIT:
        step = math.ceil(days / 7)
        if days > 14:
            step = math.ceil(step / 7) * 7  # whole weeks: the same weekday each time
        return [
            (offset + 0.5, _short_day(first + timedelta(days=offset)))
            for offset in range(0, days, step)
        ]
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    every = next(n for n in (1, 2, 3, 6, 12, 24, 60, 120) if months / n <= 7)
    labels: list[tuple[float, str]] = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        start = date(year, month, 1)
        if start >= first and (year * 12 + month - 1) % every == 0:
            labels.append(((start - first).days, f"{MONTHS[month - 1]} {year}"))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


def _x_labels(labels: Sequence[tuple[float, str]]) -> list[str]:
    ticks = "".join(f"M{_num(x)} {BOTTOM}v4" for x, _ in labels)
    parts = ['<g class="x-labels" fill="currentColor">']
    parts += [_text(min(max(x, LEFT + 18), RIGHT - 18), BOTTOM + 18, text) for x, text in labels]
    parts.append("</g>")
    if ticks:
        parts.append(f'<path class="x-ticks" d="{ticks}" stroke="currentColor" opacity="0.7"/>')
    return parts


def _empty() -> str:
    """The words for an empty period, between the top and middle gridlines."""
    return (
        f'<g class="empty" fill="currentColor">'
        f"{_text((LEFT + RIGHT) / 2, TOP + PLOT_HEIGHT / 4 + 4, NO_ENTRIES)}</g>"
    )


def _dots(points: Sequence[tuple[float, float]], radius: float, kind: str = "") -> str:
    """A filled dot on each point: one path, a zero-length stroke with round caps per
    dot (a dozen bytes each, so years of them stay small)."""
    d = "".join(f"M{_num(x)} {_num(y)}h0" for x, y in points)
    return (
        f'<path{_class(kind)} d="{d}" fill="none" stroke="currentColor" '
        f'stroke-width="{_num(2 * radius)}" stroke-linecap="round"/>'
    )


def _diamonds(points: Sequence[tuple[float, float]], half: float, kind: str = "") -> str:
    """An open diamond around each point: one path, one closed subpath per diamond."""
    h = _num(half)
    d = "".join(f"M{_num(x)} {_num(y - half)}l{h} {h}-{h} {h}-{h}-{h}z" for x, y in points)
    return f'<path{_class(kind)} d="{d}" fill="none" stroke="currentColor" stroke-width="1.5"/>'


def _stops(xs: Sequence[float]) -> str:
    """Each pain stop: a downward triangle above the plot, its tip at the top of a line
    down to the foot of the plot (after 'z' the pen is back at the tip)."""
    d = "".join(f"M{_num(x)} {TOP}l-5-8h10zV{BOTTOM}" for x in xs)
    return (
        f'<path class="pain-stops" d="{d}" fill="currentColor" stroke="currentColor" '
        f'stroke-opacity="0.5"/>'
    )


def _class(kind: str) -> str:
    return f' class="{kind}"' if kind else ""


def _lone_value(x: float, y: float, value: float, kind: str) -> str:
    """The value written above a series' only point, which has no line to read."""
    return f'<g class="{kind}" fill="currentColor">{_text(x, y - 10, _num(value))}</g>'


def _line(points: Sequence[tuple[float, float]], kind: str) -> str:
    coords = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
    return (
        f'<polyline class="{kind}" points="{coords}" fill="none" stroke="currentColor" '
        f'stroke-width="2" stroke-linejoin="round" opacity="0.8"/>'
    )


def _legend(entries: Sequence[tuple[str, str]]) -> list[str]:
    """Marker and words for each series, in a row above the plot. ``entries`` holds
    (markup of the marker drawn around 0,0, words); each entry takes a fixed width."""
    parts = ['<g class="legend" fill="currentColor">']
    x = float(LEFT)
    for marker, words in entries:
        parts.append(f'<g transform="translate({_num(x + 6)} 16)">{marker}</g>')
        parts.append(_text(x + 20, 20, words, "start"))
        x += 20 + len(words) * 6.5 + 24
    parts.append("</g>")
    return parts


# --- adherence -----------------------------------------------------------------------


def adherence_chart(weeks: list[Week]) -> Chart:
    """One bar per week, its height the share of planned sessions done (0-100%)."""
    title = "Sessions done each week"
    headers = ("Week of", "Done", "Planned", "Share done")
    table: list[tuple[str, ...]] = [
        (
            _weekday_day(week.start),
            str(week.done),
            str(week.planned),
            percent(week.share) if week.planned else NOTHING_PLANNED,
        )
        for week in weeks
    ]
    summary = _adherence_summary(weeks)
    body = _grid([(_y(share, 1.0), percent(share)) for share in (0.0, 0.5, 1.0)])
    if not weeks:
        body.append(_empty())
        return Chart(_svg("adherence", title, summary, body), title, summary, headers, table)

    slot = PLOT_WIDTH / len(weeks)
    bars = []
    labels = []
    for index, week in enumerate(weeks):
        height = week.share * PLOT_HEIGHT if week.planned else 0.0
        centre = LEFT + (index + 0.5) * slot
        bars.append(
            f'<rect x="{_num(centre - slot * 0.35)}" y="{_num(BOTTOM - height)}" '
            f'width="{_num(slot * 0.7)}" height="{_num(height)}"/>'
        )
        if len(weeks) <= LABELLED_BARS:
            words = percent(week.share) if week.planned else "none"
            labels.append(_text(centre, BOTTOM - height - 5, words))
    body += ['<g class="bars" fill="currentColor" opacity="0.7">', *bars, "</g>"]
    if labels:
        body += ['<g class="bar-labels" fill="currentColor">', *labels, "</g>"]
    body += _x_labels(_week_labels(weeks, slot))
    return Chart(_svg("adherence", title, summary, body), title, summary, headers, table)


def _week_labels(weeks: Sequence[Week], slot: float) -> list[tuple[float, str]]:
    if len(weeks) <= DAILY_LIMIT // 7:
        every = math.ceil(len(weeks) / 7)
        return [
            (LEFT + (index + 0.5) * slot, _short_day(week.start))
            for index, week in enumerate(weeks)
            if index % every == 0
        ]
    first, last = weeks[0].start, weeks[-1].start + timedelta(days=6)
    days = (last - first).days + 1
    return [(_x(offset, days), text) for offset, text in _day_labels(first, last)]


def _adherence_summary(weeks: Sequence[Week]) -> str:
    if not weeks:
        return "No weeks in this period."
    span = _plural(len(weeks), "week")
    planned = sum(week.planned for week in weeks)
    done = sum(week.done for week in weeks)
    if not planned:
        return f"No sessions were planned in these {span}."
    sentence = (
        f"{done} of {_plural(planned, 'planned session')} done ({percent(done / planned)}) "
        f"over {span}"
    )
    with_plan = [week for week in weeks if week.planned]
    if len(with_plan) > 1:
        sentence += (
            f", {percent(with_plan[0].share)} in the first week with a plan and "
            f"{percent(with_plan[-1].share)} in the last"
        )
    return sentence + "."


# --- pain ----------------------------------------------------------------------------


def pain_chart(points: list[PainPoint], stops: list[datetime], first: date, last: date) -> Chart:
    """Pain 0-10 over the days of the period: the diary scores and the scores before a
    session as one line with dots, the scores after a session as open diamonds, and
    each session stopped for pain as a line down the plot under a triangle.

    Entries outside [first, last] are left out. A period longer than ``DAILY_LIMIT``
    days is drawn (and tabled) as one point per week: the week's mean.
    """
    days = _check(first, last)
    title = "Pain scores, 0 to 10"
    inside = sorted(
        (p for p in points if first <= p.at.date() <= last), key=lambda p: (p.at, p.source)
    )
    stopped = sorted(s for s in stops if first <= s.date() <= last)
    trend = [p for p in inside if p.source != "after"]
    after = [p for p in inside if p.source == "after"]
    weekly = days > DAILY_LIMIT

    if weekly:
        trend_marks = _weekly_means([(p.at, float(p.value)) for p in trend], first, last)
        after_marks = _weekly_means([(p.at, float(p.value)) for p in after], first, last)
        stop_weeks: dict[date, int] = {}
        for moment in stopped:
            monday = _monday(moment.date())
            stop_weeks[monday] = stop_weeks.get(monday, 0) + 1
        stop_offsets = [_week_middle(monday, first, last) for monday in sorted(stop_weeks)]
        headers: tuple[str, ...] = (
            "Week of",
            "Mean pain (diary and before a session)",
            "Mean pain after a session",
            "Sessions stopped for pain",
        )
        table: list[tuple[str, ...]] = _pain_weeks(trend_marks, after_marks, stop_weeks)
    else:
        trend_marks = [(p.at, _offset(p.at, first), float(p.value), 1) for p in trend]
        after_marks = [(p.at, _offset(p.at, first), float(p.value), 1) for p in after]
        stop_offsets = [_offset(moment, first) for moment in stopped]
        headers = ("When", "Pain (0-10)", "Recorded")
        rows = [(p.at, (moment_text(p.at), str(p.value), SOURCE_WORDS[p.source])) for p in inside]
        rows += [(moment, (moment_text(moment), "", STOP_WORDS)) for moment in stopped]
        table = [row for _, row in sorted(rows, key=lambda item: item[0])]

    summary = _pain_summary(trend, after, stopped, first, last, weekly)
    radius = WEEKLY_DOT_RADIUS if weekly else DOT_RADIUS
    half = WEEKLY_DIAMOND if weekly else DIAMOND
    body = _legend(
        [
            (_dots([(0, 0)], DOT_RADIUS), "Diary or before a session"),
            (_diamonds([(0, 0)], DIAMOND), "After a session"),
            ('<path d="M-5 -5h10l-5 8z"/>', STOP_WORDS),
        ]
    )
    body += _score_grid()
    body += _x_labels([(_x(offset, days), text) for offset, text in _day_labels(first, last)])
    if not trend_marks and not after_marks and not stop_offsets:
        body.append(_empty())
        return Chart(_svg("pain", title, summary, body), title, summary, headers, table)

    if stop_offsets:
        body.append(_stops([_place(_x(offset, days), weekly) for offset in stop_offsets]))
    for marks, kind in ((trend_marks, "pain-dots"), (after_marks, "pain-after")):
        xy = [_point(_x(offset, days), _y(value), weekly) for _, offset, value, _ in marks]
        if not xy:
            continue
        if kind == "pain-dots":
            if len(xy) > 1:
                body.append(_line(xy, "pain-line"))
            body.append(_dots(xy, radius, kind))
        else:
            body.append(_diamonds(xy, half, kind))
        if len(xy) == 1:
            body.append(_lone_value(*xy[0], marks[0][2], f"{kind}-value"))
    return Chart(_svg("pain", title, summary, body), title, summary, headers, table)


def _pain_weeks(
    trend: Sequence[tuple[datetime, float, float, int]],
    after: Sequence[tuple[datetime, float, float, int]],
    stops: dict[date, int],
) -> list[tuple[str, ...]]:
    trend_by_week = {at.date(): value for at, _, value, _ in trend}
    after_by_week = {at.date(): value for at, _, value, _ in after}
    mondays = sorted(set(trend_by_week) | set(after_by_week) | set(stops))
    return [
        (
            _weekday_day(monday),
            _one(trend_by_week[monday]) if monday in trend_by_week else "",
            _one(after_by_week[monday]) if monday in after_by_week else "",
            str(stops.get(monday, 0)),
        )
        for monday in mondays
    ]


def _pain_summary(
    trend: Sequence[PainPoint],
    after: Sequence[PainPoint],
    stops: Sequence[datetime],
    first: date,
    last: date,
    weekly: bool,
) -> str:
    if not trend and not after and not stops:
        return f"No pain scores or pain stops {_period(first, last)}."
    change = pain_change([(p.at, p.value) for p in trend])
    if change.baseline is None:
        lead = f"No pain scores from the diary or before a session {_period(first, last)}"
    elif change.recent is None:
        lead = f"Pain averaged {_one(change.baseline)} {_period(first, last)}"
    else:
        lead = (
            f"Pain went from {_one(change.baseline)} in the first week to "
            f"{_one(change.recent)} in the last, {_span(first, last)}"
        )
    details = []
    if trend:
        details.append(_plural(len(trend), "score") + " from the diary or before a session")
    if after:
        details.append(_plural(len(after), "score") + " after a session")
    if stops:
        details.append(_plural(len(stops), "session") + " stopped for pain")
    if weekly:
        details.append("each point is one week's mean")
    return f"{lead} ({'; '.join(details)})."


def _weekly_means(
    values: Sequence[tuple[datetime, float]], first: date, last: date
) -> list[tuple[datetime, float, float, int]]:
    """(Monday at midnight, offset of the week's middle, mean, count) per week with
    values, oldest first."""
    by_week: dict[date, list[float]] = {}
    for at, value in values:
        by_week.setdefault(_monday(at.date()), []).append(value)
    return [
        (
            datetime.combine(monday, datetime.min.time()),
            _week_middle(monday, first, last),
            fmean(week),
            len(week),
        )
        for monday, week in sorted(by_week.items())
    ]


# --- PSFS ----------------------------------------------------------------------------


def psfs_chart(means: list[tuple[datetime, float]], first: date, last: date) -> Chart:
    """The PSFS mean (0 = not at all, 10 = as well as before) at each rating occasion
    of the period, as a line with dots. Longer than ``DAILY_LIMIT`` days: weekly means.
    """
    days = _check(first, last)
    title = "Everyday activities (PSFS), 0 to 10"
    inside = sorted((at, value) for at, value in means if first <= at.date() <= last)
    weekly = days > DAILY_LIMIT
    if weekly:
        marks = _weekly_means(inside, first, last)
        headers: tuple[str, ...] = ("Week of", "Mean PSFS (0-10)", "Ratings")
        table: list[tuple[str, ...]] = [
            (_weekday_day(at.date()), _one(mean), str(n)) for at, _, mean, n in marks
        ]
    else:
        marks = [(at, _offset(at, first), value, 1) for at, value in inside]
        headers = ("When", "PSFS mean (0-10)")
        table = [(moment_text(at), _one(value)) for at, value in inside]
    summary = _psfs_summary(inside, first, last, weekly)
    body = _legend([(_dots([(0, 0)], DOT_RADIUS), "Mean of the activity ratings")])
    body += _score_grid()
    body += _x_labels([(_x(offset, days), text) for offset, text in _day_labels(first, last)])
    if not marks:
        body.append(_empty())
        return Chart(_svg("psfs", title, summary, body), title, summary, headers, table)
    xy = [_point(_x(offset, days), _y(value), weekly) for _, offset, value, _ in marks]
    if len(xy) > 1:
        body.append(_line(xy, "psfs-line"))
    body.append(_dots(xy, WEEKLY_DOT_RADIUS if weekly else DOT_RADIUS, "psfs-dots"))
    if len(xy) == 1:
        body.append(_lone_value(*xy[0], marks[0][2], "psfs-dots-value"))
    return Chart(_svg("psfs", title, summary, body), title, summary, headers, table)


def _psfs_summary(
    inside: Sequence[tuple[datetime, float]], first: date, last: date, weekly: bool
) -> str:
    scale = "(the mean of the activity ratings, 0 = not at all, 10 = as well as before)"
    if not inside:
        return f"No activity ratings {_period(first, last)}."
    if len(inside) == 1:
        at, value = inside[0]
        return f"One activity score {scale}: {_one(value)} on {day_text(at.date())}."
    (start, baseline), (end, recent) = inside[0], inside[-1]
    sentence = (
        f"The activity score {scale} went from {_one(baseline)} on {day_text(start.date())} "
        f"to {_one(recent)} on {day_text(end.date())}, over {_plural(len(inside), 'rating')}"
    )
    if weekly:
        sentence += "; each point is one week's mean"
    return sentence + "."
