"""The player read from the mat, measured in Debian's Chromium: on a phone upright
(390x844), a phone on its side (844x390) and a laptop (1280x800), in light and dark.
The countdown a third of the screen high, the phase and side in 48 px letters, the pain
button the largest and reddest control with nothing over it, Begin on the first screen,
no layout shift, a look of its own for each kind of phase, and axe before, during and
after. The page's clock is Playwright's fake clock."""

from __future__ import annotations

import colorsys
import re
from typing import Any

import pytest

from browser import Server, open_page, phase_line, run_axe
from easeback.wording import messages

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

SCREENS = {"phone": (390, 844), "phone on its side": (844, 390), "laptop": (1280, 800)}
SCHEMES = {"light": False, "dark": True}


def player_page(chromium: Any, server: Server, screen: str, scheme: str) -> Any:
    page = open_page(chromium, server, dark=SCHEMES[scheme])
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    # Every layout shift from the first paint on, summed as the CLS metric sums them.
    page.add_init_script(
        "window.shifts = 0; new PerformanceObserver((list) => { for (const e of"
        " list.getEntries()) if (!e.hadRecentInput) window.shifts += e.value; })"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    page.clock.install()
    return page


def begin(page: Any) -> None:
    page.get_by_role("button", name="Begin").click()
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).bounding_box()
    return found


def glyph_height(page: Any, selector: str) -> float:
    """The height of the rendered text itself (a Range over it), not of its element."""
    height: float = page.locator(selector).evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getBoundingClientRect().height; }"
    )
    return height


def rgb(css: str) -> tuple[float, float, float]:
    r, g, b = (int(n) / 255 for n in re.findall(r"\d+", css)[:3])
    return r, g, b


def luminance(colour: tuple[float, float, float]) -> float:
    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def visible_controls(page: Any) -> list[dict[str, Any]]:
    """Every control a finger or the keyboard can reach on screen, with its box."""
    found: list[dict[str, Any]] = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], summary, input, select')]
            .filter((e) => e.checkVisibility() && e.getClientRects().length)
            .map((e) => { const r = e.getBoundingClientRect();
              return {id: e.id || e.textContent.trim(), x: r.x, y: r.y, width: r.width,
                      height: r.height}; })"""
    )
    return found


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


# --- before Begin ----------------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("screen", SCREENS)
def test_begin_and_the_sessions_length_are_on_the_first_screen_and_nothing_shifts(
    chromium: Any, ready_server: Server, screen: str, scheme: str
) -> None:
    from playwright.sync_api import expect

    page = player_page(chromium, ready_server, screen, scheme)
    page.goto("/play?routine=default")
    expect(page.get_by_role("button", name="Begin")).to_be_enabled()
    height = SCREENS[screen][1]

    begin_box = page.get_by_role("button", name="Begin").bounding_box()
    assert begin_box["y"] + begin_box["height"] <= height
    length = page.get_by_text("About 5 minutes · Knee press, Lower-back rotation")
    assert length.bounding_box()["y"] + length.bounding_box()["height"] <= height
    assert page.evaluate("window.scrollY") == 0
    assert page.evaluate("window.shifts") < 0.05
    assert run_axe(page) == []
    page.context.close()


# --- while a session plays -------------------------------------------------------------


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("screen", SCREENS)
def test_the_player_reads_from_the_mat_and_the_pain_button_stands_out(
    chromium: Any, ready_server: Server, screen: str, scheme: str
) -> None:
    page = player_page(chromium, ready_server, screen, scheme)
    page.goto("/play?routine=default")
    begin(page)
    width, height = SCREENS[screen]
    assert not page.get_by_role("navigation", name="Main").is_visible()

    for moment in ("getting ready", "holding"):
        assert glyph_height(page, "#countdown") >= 0.30 * height, moment
        assert box(page, "#countdown")["x"] >= 0
        size = page.locator("#phase-label").evaluate("e => getComputedStyle(e).fontSize")
        assert float(size.removesuffix("px")) >= 48, moment
        name_size = page.locator("#stretch-name").evaluate("e => getComputedStyle(e).fontSize")
        assert float(name_size.removesuffix("px")) >= 18, moment

        # All of it on one screen, above the pain button, without scrolling.
        pain = box(page, "#pain")
        for part in ("#stretch-name", "#figure", "#phase-label", "#countdown", "#next"):
            b = box(page, part)
            assert b["y"] >= 0 and b["y"] + b["height"] <= pain["y"], (moment, part)
            assert b["x"] >= 0 and b["x"] + b["width"] <= width, (moment, part)
        # The picture keeps inside its own box, clear of the words and the countdown.
        page.locator("#figure-art svg").wait_for()
        art, frame = box(page, "#figure-art svg"), box(page, "#figure")
        assert art["height"] >= 60, moment
        assert (
            art["y"] >= frame["y"] - 1
            and art["y"] + art["height"] <= frame["y"] + frame["height"] + 1
        )
        for words in ("#phase-label", "#countdown", "#stretch-name"):
            assert not overlaps(art, box(page, words)), (moment, words)
        for part in ("#position", "#progress", "#phase-bar-fill", "#pause", "#skip", "#quit"):
            b = box(page, part)
            assert b["y"] + b["height"] <= pain["y"], (moment, part)

        # The pain button: the largest control, nothing over it or under it.
        others = [c for c in visible_controls(page) if c["id"] != "pain"]
        assert others, "no other controls found?"
        for control in others:
            assert not overlaps(control, pain), control["id"]
            assert control["width"] * control["height"] < pain["width"] * pain["height"]
        assert run_axe(page) == [], moment
        page.clock.run_for(12_000)  # into the first hold

    # Red, strongly, in both schemes; white words on it; a ring that stands off the page.
    look = page.locator("#pain").evaluate(
        "e => { const s = getComputedStyle(e); return [s.backgroundColor, s.color,"
        " s.boxShadow, getComputedStyle(document.body).backgroundColor]; }"
    )
    background, text, shadow, page_colour = look
    hue, lightness, saturation = colorsys.rgb_to_hls(*rgb(background))
    assert hue * 360 >= 345 or hue * 360 <= 10, background
    assert saturation >= 0.8 and 0.25 <= lightness <= 0.5, background
    assert contrast(rgb(text), rgb(background)) >= 4.5
    assert contrast(rgb(shadow), rgb(page_colour)) >= 3, (shadow, page_colour)

    page.get_by_role("button", name="End the session").click()
    page.get_by_role("button", name=messages.WEB_LEAVE_YES).click()
    page.get_by_role("heading", name="Session over").wait_for()
    assert run_axe(page) == []
    assert page.errors == []
    page.context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_each_kind_of_phase_has_its_own_shape_and_underline_and_the_controls_stay_clear(
    chromium: Any, ready_server: Server, screen: str
) -> None:
    """Through every phase of the routine: each kind has its own shape and underline,
    and the countdown, Pause, Skip and End stay on screen above the pain button however
    long the words of the phase are, paused or not."""
    page = player_page(chromium, ready_server, screen, "light")
    page.goto("/play?routine=default")
    begin(page)

    looks: dict[str, set[tuple[str, str]]] = {}
    while page.locator("#stage").is_visible():
        kind = page.locator("#stage").get_attribute("data-kind")
        looks.setdefault(kind, set()).add(
            (
                page.locator("#phase-icon use").get_attribute("href"),
                page.locator("#phase-label").evaluate(
                    "e => { const s = getComputedStyle(e);"
                    " return s.textDecorationLine + ' ' + s.textDecorationStyle; }"
                ),
            )
        )
        pain = box(page, "#pain")
        for control in ("#countdown", "#next", "#pause", "#skip", "#quit"):
            b = box(page, control)
            assert b["y"] + b["height"] <= pain["y"], (kind, phase_line(page), control)
        # The phase and side, whole: not pushed above the screen nor under the pain button.
        words = box(page, ".phase-line")
        assert words["y"] >= 0 and words["y"] + words["height"] <= pain["y"], (
            kind,
            phase_line(page),
            words,
        )
        if kind == "rest":
            page.keyboard.press("Space")
            assert page.get_by_text("Paused.").is_visible()
            for control in ("#paused-note", "#pause", "#skip", "#quit"):
                b = box(page, control)
                assert b["y"] + b["height"] <= pain["y"], ("paused", control)
            page.keyboard.press("Space")
        page.keyboard.press("n")

    assert set(looks) == {"prepare", "hold", "release", "switch", "rest"}
    assert all(len(seen) == 1 for seen in looks.values()), looks  # one look per kind
    firsts = [next(iter(seen)) for seen in looks.values()]
    shapes = {shape for shape, _ in firsts}
    underlines = {line for _, line in firsts}
    assert len(shapes) == 5 and len(underlines) == 5, looks
    page.context.close()


def bar(page: Any) -> float:
    share: float = page.locator("#phase-bar-fill").evaluate(
        "e => e.getBoundingClientRect().width / e.parentElement.clientWidth"
    )
    return share


@pytest.mark.parametrize("motion", ["no-preference", "reduce"])
def test_the_bar_empties_through_the_phase_on_the_players_clock(
    chromium: Any, ready_server: Server, motion: str
) -> None:
    page = player_page(chromium, ready_server, "phone", "light")
    page.emulate_media(reduced_motion=motion)
    page.goto("/play?routine=default")
    begin(page)
    page.clock.run_for(10_000)  # the first hold (15 s) begins
    assert bar(page) == pytest.approx(1, abs=0.02)

    page.clock.run_for(6_000)
    assert bar(page) == pytest.approx(9 / 15, abs=0.02)
    page.clock.run_for(500)  # between two seconds of the countdown
    smooth = pytest.approx(8.5 / 15, abs=0.02)
    assert bar(page) == (smooth if motion == "no-preference" else pytest.approx(9 / 15, abs=0.02))

    page.keyboard.press("Space")
    held = bar(page)
    page.clock.run_for(5_000)
    assert bar(page) == held  # a pause holds it still
    page.context.close()
