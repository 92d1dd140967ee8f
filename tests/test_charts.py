"""Charts for the progress page and the clinician report, and the terminal's sparkline
and bar.

Each SVG is parsed as XML (it must be well-formed to be inlined in HTML and drawn by
WeasyPrint) and read the way a person would look at it: how many dots, diamonds, pain
stops and bars there are and where, what a screen reader is told, and that nothing in
it breaks the web app's Content-Security-Policy or the page's light and dark colours.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from easeback.core.insight import Week
from easeback.reports.charts import (
    BOTTOM,
    LEFT,
    NO_ENTRIES,
    PLOT_HEIGHT,
    RIGHT,
    TOP,
    Chart,
    adherence_chart,
    pain_chart,
    psfs_chart,
)
from easeback.reports.sparks import bar, sparkline
from easeback.usecases.overview import PainPoint, PainSource

NS = "{http://www.w3.org/2000/svg}"
ZONE = ZoneInfo("Europe/London")
FIRST = date(2026, 3, 2)  # a Monday
LAST = date(2026, 3, 29)  # four weeks later, a Sunday
NUMBER = r"-?\d+(?:\.\d)?"


def at(day: int, hour: int = 8, minute: int = 0) -> datetime:
    """Local time on day ``day`` of the period (0 = FIRST)."""
    return datetime.combine(FIRST + timedelta(days=day), time(hour, minute), ZONE)


def pain(day: int, value: int, source: PainSource = "diary", hour: int = 8) -> PainPoint:
    return PainPoint(at(day, hour), value, source)


def parse(chart: Chart) -> ET.Element:
    root = ET.fromstring(chart.svg)  # noqa: S314 (our own markup, not untrusted input)
    assert root.tag == f"{NS}svg"
    return root


def with_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


def one(root: ET.Element, name: str) -> ET.Element:
    (found,) = with_class(root, name)
    return found


def dots(root: ET.Element, name: str) -> list[tuple[float, float]]:
    """Centres of the dots drawn by the path of class ``name`` (one 'Mx yh0' each)."""
    d = one(root, name).get("d") or ""
    found = re.findall(rf"M({NUMBER}) ({NUMBER})h0", d)
    assert "".join(f"M{x} {y}h0" for x, y in found) == d
    return [(float(x), float(y)) for x, y in found]


def diamonds(root: ET.Element, name: str) -> list[tuple[float, float]]:
    """Centres of the closed diamonds drawn by the path of class ``name``."""
    d = one(root, name).get("d") or ""
    found = re.findall(rf"M({NUMBER}) ({NUMBER})l(\d+) \3-\3 \3-\3-\3z", d)
    assert len(found) == d.count("M")
    return [(float(x), float(y) + float(h)) for x, y, h in found]


def stop_ticks(root: ET.Element) -> list[float]:
    """x of each pain stop: a downward triangle with its tip at the top of the plot,
    and a line from there to the foot of the plot."""
    found = with_class(root, "pain-stops")
    if not found:
        return []
    d = found[0].get("d") or ""
    ticks = re.findall(rf"M({NUMBER}) {TOP}l-5-8h10zV{BOTTOM}", d)
    assert "".join(f"M{x} {TOP}l-5-8h10zV{BOTTOM}" for x in ticks) == d
    return [float(x) for x in ticks]


def y_of(value: float) -> float:
    return BOTTOM - value / 10 * PLOT_HEIGHT


def texts(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iter(f"{NS}text")]


# --- pain ----------------------------------------------------------------------------

POINTS = [
    pain(-1, 9),  # the day before the period: left out
    pain(0, 6),
    pain(1, 6, "before", 7),
    pain(1, 4, "after", 8),
    pain(3, 5),
    pain(7, 7, "before", 7),
    pain(7, 5, "after", 8),
    pain(22, 3),
    pain(26, 4),
    pain(28, 2),  # the day after: left out
    pain(28, 1, "after"),  # left out
]
STOPS = [at(-3, 18), at(2, 18, 30), at(9, 19), at(30, 9)]


def test_pain_chart_draws_a_dot_per_score_a_diamond_per_after_and_a_tick_per_stop() -> None:
    root = parse(pain_chart(POINTS, STOPS, FIRST, LAST))
    line = [p for p in POINTS if p.source != "after" and FIRST <= p.at.date() <= LAST]
    after = [p for p in POINTS if p.source == "after" and FIRST <= p.at.date() <= LAST]

    on_line = dots(root, "pain-dots")
    assert len(on_line) == len(line) == 6
    assert [y for _, y in on_line] == pytest.approx([y_of(p.value) for p in line], abs=0.06)
    xs = [x for x, _ in on_line]
    assert xs == sorted(xs) and xs[0] >= LEFT and xs[-1] <= RIGHT
    # The same points, joined by a line through the dots.
    polyline = one(root, "pain-line").get("points") or ""
    assert [tuple(map(float, p.split(","))) for p in polyline.split()] == on_line

    marked = diamonds(root, "pain-after")
    assert len(marked) == len(after) == 2
    assert [y for _, y in marked] == pytest.approx([y_of(p.value) for p in after], abs=0.11)
    # After a session is a hollow shape, the others are filled dots.
    assert one(root, "pain-after").get("fill") == "none"
    assert one(root, "pain-dots").get("stroke-linecap") == "round"

    ticks = stop_ticks(root)
    assert len(ticks) == 2
    # Each stop sits on its day: the 3rd and the 10th of 28 days.
    assert ticks == pytest.approx(
        [LEFT + (2 + 18.5 / 24) / 28 * (RIGHT - LEFT), LEFT + (9 + 19 / 24) / 28 * (RIGHT - LEFT)],
        abs=0.06,
    )


def test_pain_chart_has_gridlines_at_0_5_and_10_and_a_legend() -> None:
    root = parse(pain_chart(POINTS, STOPS, FIRST, LAST))
    grid = one(root, "grid")
    heights = [re.fullmatch(rf"M{LEFT} ({NUMBER})H{RIGHT}", p.get("d") or "") for p in grid]
    assert [float(m.group(1)) for m in heights if m] == [y_of(0), y_of(5), y_of(10)]
    assert [e.text for e in one(root, "y-labels")] == ["0", "5", "10"]
    legend = [e.text for e in one(root, "legend").iter(f"{NS}text")]
    assert legend == ["Diary or before a session", "After a session", "Session stopped for pain"]
    assert [e.text for e in one(root, "x-labels")] == ["2 Mar", "9 Mar", "16 Mar", "23 Mar"]


def test_pain_table_lists_each_score_and_stop_in_the_period_in_order() -> None:
    chart = pain_chart(POINTS, STOPS, FIRST, LAST)
    assert chart.headers == ("When", "Pain (0-10)", "Recorded")
    assert chart.table == [
        ("Mon 2 Mar 2026, 08:00", "6", "Diary"),
        ("Tue 3 Mar 2026, 07:00", "6", "Before a session"),
        ("Tue 3 Mar 2026, 08:00", "4", "After a session"),
        ("Wed 4 Mar 2026, 18:30", "", "Session stopped for pain"),
        ("Thu 5 Mar 2026, 08:00", "5", "Diary"),
        ("Mon 9 Mar 2026, 07:00", "7", "Before a session"),
        ("Mon 9 Mar 2026, 08:00", "5", "After a session"),
        ("Wed 11 Mar 2026, 19:00", "", "Session stopped for pain"),
        ("Tue 24 Mar 2026, 08:00", "3", "Diary"),
        ("Sat 28 Mar 2026, 08:00", "4", "Diary"),
    ]


def test_pain_summary_gives_the_first_and_last_weeks() -> None:
    scores = [pain(0, 6), pain(2, 6, "before"), pain(24, 3), pain(26, 4), pain(26, 1, "after")]
    chart = pain_chart(scores, [at(5)], FIRST, LAST)
    assert chart.title == "Pain scores, 0 to 10"
    assert chart.summary == (
        "Pain went from 6.0 in the first week to 3.5 in the last, over 4 weeks (4 scores "
        "from the diary or before a session; 1 score after a session; 1 session stopped "
        "for pain)."
    )


# --- adherence -----------------------------------------------------------------------

WEEKS = [
    Week(date(2026, 3, 2), planned=14, done=7),
    Week(date(2026, 3, 9), planned=14, done=14),
    Week(date(2026, 3, 16), planned=0, done=0),
    Week(date(2026, 3, 23), planned=12, done=3),
    Week(date(2026, 3, 30), planned=14, done=0),
]


def test_adherence_chart_has_one_bar_per_week_as_tall_as_its_share() -> None:
    root = parse(adherence_chart(WEEKS))
    bars = list(one(root, "bars"))
    assert len(bars) == len(WEEKS)
    assert all(b.tag == f"{NS}rect" for b in bars)
    for week, rect in zip(WEEKS, bars, strict=True):
        height, top = float(rect.get("height") or "nan"), float(rect.get("y") or "nan")
        assert height == pytest.approx(week.share * PLOT_HEIGHT, abs=0.06)
        assert top + height == pytest.approx(BOTTOM, abs=0.06)  # standing on 0%
    lefts = [float(b.get("x") or "nan") for b in bars]
    assert lefts == sorted(lefts) and lefts[0] >= LEFT and lefts[-1] < RIGHT
    assert [e.text for e in one(root, "bar-labels")] == ["50%", "100%", "none", "25%", "0%"]
    assert [e.text for e in one(root, "y-labels")] == ["0%", "50%", "100%"]


def test_adherence_table_and_summary() -> None:
    chart = adherence_chart(WEEKS)
    assert chart.headers == ("Week of", "Done", "Planned", "Share done")
    assert chart.table == [
        ("Mon 2 Mar 2026", "7", "14", "50%"),
        ("Mon 9 Mar 2026", "14", "14", "100%"),
        ("Mon 16 Mar 2026", "0", "0", "nothing planned"),
        ("Mon 23 Mar 2026", "3", "12", "25%"),
        ("Mon 30 Mar 2026", "0", "14", "0%"),
    ]
    assert chart.summary == (
        "24 of 54 planned sessions done (44%) over 5 weeks, 50% in the first week with a "
        "plan and 0% in the last."
    )


# --- PSFS ----------------------------------------------------------------------------

MEANS = [(at(0, 9), 3.25), (at(13, 9), 4.5), (at(27, 20), 6.0), (at(28, 9), 9.0)]


def test_psfs_chart_is_a_line_with_a_dot_per_rating_in_the_period() -> None:
    chart = psfs_chart(MEANS, FIRST, LAST)
    root = parse(chart)
    marks = dots(root, "psfs-dots")
    assert [y for _, y in marks] == pytest.approx([y_of(3.25), y_of(4.5), y_of(6)], abs=0.06)
    assert len((one(root, "psfs-line").get("points") or "").split()) == 3
    assert chart.headers == ("When", "PSFS mean (0-10)")
    assert chart.table == [
        ("Mon 2 Mar 2026, 09:00", "3.2"),  # one decimal, as the terminal shows it
        ("Sun 15 Mar 2026, 09:00", "4.5"),
        ("Sun 29 Mar 2026, 20:00", "6.0"),
    ]
    assert chart.summary == (
        "The activity score (the mean of the activity ratings, 0 = not at all, 10 = as well "
        "as before) went from 3.2 on 2 Mar 2026 to 6.0 on 29 Mar 2026, over 3 ratings."
    )


# --- what every chart keeps to -------------------------------------------------------

EVERY_CHART: dict[str, Callable[[], Chart]] = {
    "pain": lambda: pain_chart(POINTS, STOPS, FIRST, LAST),
    "pain, empty": lambda: pain_chart([], [], FIRST, LAST),
    "pain, one score": lambda: pain_chart([pain(3, 6)], [], FIRST, LAST),
    "pain, one day": lambda: pain_chart([pain(0, 6)], [at(0, 12)], FIRST, FIRST),
    "pain, weekly": lambda: pain_chart(POINTS, STOPS, FIRST, FIRST + timedelta(days=400)),
    "adherence": lambda: adherence_chart(WEEKS),
    "adherence, empty": lambda: adherence_chart([]),
    "adherence, one week": lambda: adherence_chart(WEEKS[:1]),
    "psfs": lambda: psfs_chart(MEANS, FIRST, LAST),
    "psfs, empty": lambda: psfs_chart([], FIRST, LAST),
    "psfs, one": lambda: psfs_chart(MEANS[:1], FIRST, LAST),
    "psfs, weekly": lambda: psfs_chart(MEANS, FIRST, FIRST + timedelta(days=400)),
}


@pytest.mark.parametrize("make", EVERY_CHART.values(), ids=EVERY_CHART.keys())
def test_every_chart_is_named_for_screen_readers(make: Callable[[], Chart]) -> None:
    chart = make()
    root = parse(chart)
    assert root.get("role") == "img"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox") or "")
    title, desc = root[0], root[1]
    assert (title.tag, desc.tag) == (f"{NS}title", f"{NS}desc")
    assert (title.text, desc.text) == (chart.title, chart.summary)
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert chart.summary.endswith(".") and chart.title


@pytest.mark.parametrize("make", EVERY_CHART.values(), ids=EVERY_CHART.keys())
def test_every_chart_keeps_to_the_content_security_policy_and_the_page_colours(
    make: Callable[[], Chart],
) -> None:
    root = parse(make())
    assert root.get("width") is None and root.get("height") is None
    for element in root.iter():
        assert "style" not in element.attrib, element.tag
        assert element.tag not in (f"{NS}script", f"{NS}style", f"{NS}foreignObject")
        assert not any(name.startswith("on") for name in element.attrib), element.tag
        for paint in ("fill", "stroke", "color"):
            assert element.get(paint, "currentColor") in ("currentColor", "none"), element.tag
    # Text is drawn in the page's colour (an SVG's default black would vanish in dark
    # mode) and in a sans-serif font.
    assert root.get("font-family") == "sans-serif"
    parents = {child: parent for parent in root.iter() for child in parent}
    for text in root.iter(f"{NS}text"):
        ancestor: ET.Element | None = text
        while ancestor is not None and ancestor.get("fill") is None:
            ancestor = parents.get(ancestor)
        assert ancestor is not None and ancestor.get("fill") == "currentColor", text.text


@pytest.mark.parametrize("make", EVERY_CHART.values(), ids=EVERY_CHART.keys())
def test_every_number_has_at_most_one_decimal(make: Callable[[], Chart]) -> None:
    chart = make()
    assert not re.search(r"\d\.\d\d", chart.svg)
    assert not re.search(r"\d\.\d\d", chart.summary)
    assert not any(re.search(r"\d\.\d\d", cell) for row in chart.table for cell in row)


def test_each_kind_of_chart_has_its_own_ids() -> None:
    charts = [pain_chart([], [], FIRST, LAST), adherence_chart([]), psfs_chart([], FIRST, LAST)]
    ids = [e.get("id") for chart in charts for e in parse(chart).iter() if e.get("id")]
    assert ids == [
        "chart-pain-title",
        "chart-pain-desc",
        "chart-adherence-title",
        "chart-adherence-desc",
        "chart-psfs-title",
        "chart-psfs-desc",
    ]


# --- empty and single --------------------------------------------------------------


def test_an_empty_period_draws_the_axes_and_says_so() -> None:
    for chart in (
        pain_chart([pain(40, 5)], [at(-2)], FIRST, LAST),
        psfs_chart([], FIRST, LAST),
        adherence_chart([]),
    ):
        root = parse(chart)
        assert NO_ENTRIES in texts(root)
        assert len(one(root, "grid")) == 3
        assert chart.table == []
        for name in ("pain-dots", "pain-after", "pain-stops", "psfs-dots", "bars"):
            assert with_class(root, name) == []
    assert pain_chart([], [], FIRST, LAST).summary == (
        "No pain scores or pain stops from 2 Mar to 29 Mar 2026."
    )
    assert psfs_chart([], FIRST, LAST).summary == "No activity ratings from 2 Mar to 29 Mar 2026."
    assert adherence_chart([]).summary == "No weeks in this period."


def test_a_single_score_is_a_dot_with_its_value_and_no_line() -> None:
    chart = pain_chart([pain(3, 6)], [], FIRST, LAST)
    root = parse(chart)
    assert len(dots(root, "pain-dots")) == 1
    assert with_class(root, "pain-line") == []
    assert [e.text for e in one(root, "pain-dots-value")] == ["6"]
    assert chart.summary == (
        "Pain averaged 6.0 from 2 Mar to 29 Mar 2026 (1 score from the diary or before a session)."
    )

    psfs = psfs_chart(MEANS[1:2], FIRST, LAST)
    root = parse(psfs)
    assert len(dots(root, "psfs-dots")) == 1
    assert [e.text for e in one(root, "psfs-dots-value")] == ["4.5"]
    assert psfs.table == [("Sun 15 Mar 2026, 09:00", "4.5")]


def test_a_one_day_period_puts_its_points_inside_the_plot() -> None:
    root = parse(pain_chart([pain(0, 6), pain(0, 4, "after", 9)], [at(0, 12)], FIRST, FIRST))
    ((x, _),) = dots(root, "pain-dots")
    ((after_x, _),) = diamonds(root, "pain-after")
    (tick,) = stop_ticks(root)
    assert LEFT < x < after_x < tick < RIGHT  # 08:00, 09:00 and 12:00, in that order
    assert [e.text for e in one(root, "x-labels")] == ["2 Mar"]


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        pain_chart([], [], LAST, FIRST)
    with pytest.raises(ValueError, match="before it starts"):
        psfs_chart([], LAST, FIRST)


# --- long periods --------------------------------------------------------------------

FIVE_YEARS = (date(2026, 1, 5), date(2031, 1, 5))


def five_years_daily() -> tuple[list[PainPoint], list[datetime], list[tuple[datetime, float]]]:
    """A diary score, a score before and after a session each day, a pain stop every
    10 days, and a PSFS rating each day: more than anyone records, as a bound."""
    first, last = FIVE_YEARS
    points: list[PainPoint] = []
    stops: list[datetime] = []
    means: list[tuple[datetime, float]] = []
    for offset in range((last - first).days + 1):
        day = datetime.combine(first + timedelta(days=offset), time(0), ZONE)
        value = (offset * 7) % 11
        points.append(PainPoint(day.replace(hour=7), value, "before"))
        points.append(PainPoint(day.replace(hour=7, minute=40), max(0, value - 2), "after"))
        points.append(PainPoint(day.replace(hour=21), 10 - value, "diary"))
        if offset % 10 == 0:
            stops.append(day.replace(hour=12))
        means.append((day.replace(hour=9), round(offset % 101 / 10.1, 2)))
    return points, stops, means


def test_five_years_of_daily_entries_stay_small_and_are_drawn_weekly() -> None:
    first, last = FIVE_YEARS
    points, stops, means = five_years_daily()
    weeks = (last - first).days // 7 + 1  # 5 Jan 2026 is a Monday
    assert weeks == 261

    chart = pain_chart(points, stops, first, last)
    assert len(chart.svg.encode()) < 20_000
    root = parse(chart)
    assert len(dots(root, "pain-dots")) == weeks
    assert len(diamonds(root, "pain-after")) == weeks
    assert len(stop_ticks(root)) == len({_monday(s.date()) for s in stops})
    assert len(chart.table) == weeks
    assert chart.headers[0] == "Week of"
    assert chart.table[0] == ("Mon 5 Jan 2026", "5.0", "3.6", "1")
    assert "each point is one week's mean" in chart.summary

    psfs = psfs_chart(means, first, last)
    assert len(psfs.svg.encode()) < 20_000
    assert len(dots(parse(psfs), "psfs-dots")) == weeks
    assert psfs.table[0] == ("Mon 5 Jan 2026", "0.3", "7")
    assert "each point is one week's mean" in psfs.summary

    adherence = adherence_chart(
        [Week(first + timedelta(weeks=n), 14, n % 15) for n in range(weeks)]
    )
    assert len(adherence.svg.encode()) < 20_000
    assert len(one(parse(adherence), "bars")) == weeks
    assert [e.text for e in one(parse(adherence), "x-labels")] == [
        "Jan 2027",
        "Jan 2028",
        "Jan 2029",
        "Jan 2030",
        "Jan 2031",
    ]


@pytest.mark.parametrize(("days", "weekly"), [(120, False), (121, True)])
def test_periods_over_120_days_are_drawn_weekly(days: int, weekly: bool) -> None:
    last = FIRST + timedelta(days=days - 1)
    scores = [pain(day, 5) for day in range(days)]
    chart = pain_chart(scores, [], FIRST, last)
    expected = (days + 6) // 7 if weekly else days
    marks = dots(parse(chart), "pain-dots")
    assert len(marks) == expected
    assert all(y == pytest.approx(y_of(5), abs=0.5) for _, y in marks)
    assert len(chart.table) == expected
    assert ("each point is one week's mean" in chart.summary) is weekly


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


# --- terminal ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "kwargs", "expected"),
    [
        ([], {}, ""),
        ([0, 5, 10], {}, "▁▅█"),
        ([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], {}, "▁▂▂▃▄▅▅▆▇▇█"),
        ([None, 3, None], {}, " ▃ "),
        ([-4, 12.5], {}, "▁█"),
        ([float("nan"), 10], {}, " █"),
        ([1, 2, 3], {"lo": 1, "hi": 3}, "▁▅█"),
        ([0.0, 0.5, 1.0], {"hi": 1}, "▁▅█"),
    ],
)
def test_sparkline(values: list[float | None], kwargs: dict[str, float], expected: str) -> None:
    assert sparkline(values, **kwargs) == expected


@pytest.mark.parametrize(
    ("share", "width", "expected"),
    [
        (0.5, 20, "██████████░░░░░░░░░░ 50%"),
        (0.0, 20, "░░░░░░░░░░░░░░░░░░░░ 0%"),
        (1.0, 20, "████████████████████ 100%"),
        (2 / 3, 10, "███████░░░ 67%"),
        (0.125, 4, "█░░░ 13%"),
        (0.01, 20, "░░░░░░░░░░░░░░░░░░░░ 1%"),
        (1.5, 5, "█████ 100%"),
        (-0.2, 5, "░░░░░ 0%"),
    ],
)
def test_bar(share: float, width: int, expected: str) -> None:
    assert bar(share, width) == expected


def test_sparkline_and_bar_refuse_an_empty_scale() -> None:
    with pytest.raises(ValueError):
        sparkline([1], lo=5, hi=5)
    with pytest.raises(ValueError):
        bar(0.5, width=0)
