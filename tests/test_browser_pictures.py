"""The pictures in Debian's Chromium: the player's figure moves from the start to the
hold on the session's clock (Playwright's fake clock), keeps still when reduced
motion is asked for, and the stretch pages show each step's pictures large enough
to read on a phone, in the page's light or dark colours, with nothing for axe."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser import Server, open_page, run_axe
from easeback.content.library import load_library
from easeback.wording import messages

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PHONE = {"width": 390, "height": 844}
PREPARE_MS = 10_000  # the default routine gets ready for 10 s, then holds the left knee


@pytest.fixture
def phone(chromium: Any, ready_server: Server) -> Iterator[Any]:
    page = open_page(chromium, ready_server)
    page.set_viewport_size(PHONE)
    page.clock.install()
    yield page
    assert page.errors == []
    page.context.close()


def begin(page: Any) -> None:
    page.goto("/play?routine=default&speed=1")
    page.get_by_role("button", name="Begin").click()
    page.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    page.locator("#figure-art svg").wait_for()


def knee_height(page: Any) -> float:
    """How high the moving leg reaches, in the picture's own units (smaller y is
    higher): the top of the highlighted leg as drawn now, animation included."""
    top: float = page.locator("#figure-art svg path.pic-m").first.evaluate("p => p.getBBox().y")
    return round(top, 1)


def shown(page: Any) -> tuple[str, float]:
    """The figure's picture (its name for a screen reader) and its point in the move."""
    svg = page.locator("#figure-art svg")
    return svg.locator("title").text_content() or "", svg.evaluate("s => s.getCurrentTime()")


def test_the_figure_moves_from_start_to_hold_during_the_hold_then_stays(phone: Any) -> None:
    begin(phone)
    phone.clock.run_for(PREPARE_MS)
    title, _ = shown(phone)
    assert title.startswith("Lying on the back, both hands drawing the left knee")

    heights = []
    for _ in range(5):
        heights.append(knee_height(phone))
        phone.clock.run_for(1_000)

    # At the hold's start the leg is at its start (foot flat): it rises for 3 s,
    # then stays drawn to the chest.
    start, *moving, held, still = heights
    assert start > moving[0] > moving[1] > held
    assert held == still
    assert start - held > 12  # a move a person sees, not a twitch
    assert shown(phone)[1] == pytest.approx(0.999, abs=0.01)


def test_getting_ready_shows_the_move_to_come_and_ends_at_the_start(phone: Any) -> None:
    begin(phone)
    at_start = knee_height(phone)
    phone.clock.run_for(PREPARE_MS // 2)
    assert knee_height(phone) < at_start - 12  # half-way: shown at the hold
    phone.clock.run_for(PREPARE_MS // 2 - 300)
    assert knee_height(phone) > at_start - 5  # back near the start as the hold begins


def test_with_reduced_motion_the_figure_keeps_still(phone: Any) -> None:
    phone.emulate_media(reduced_motion="reduce")
    begin(phone)

    ready = [knee_height(phone)]
    for _ in range(3):
        phone.clock.run_for(3_000)
        ready.append(knee_height(phone))
    phone.clock.run_for(PREPARE_MS - 9_000)
    holding = [knee_height(phone)]
    for _ in range(3):
        phone.clock.run_for(2_000)
        holding.append(knee_height(phone))

    assert len(set(ready)) == 1  # getting ready: the start, still
    assert len(set(holding)) == 1  # the hold: the held position from its first moment
    assert holding[0] < ready[0] - 12


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_a_stretch_page_shows_every_step_large_on_a_phone(
    chromium: Any, ready_server: Server, dark: bool
) -> None:
    page = open_page(chromium, ready_server, dark=dark)
    page.set_viewport_size(PHONE)
    for stretch in load_library().stretches:
        page.goto(f"/stretches/{stretch.id}")
        pictures = page.locator(".pic-step svg[role=img]")
        assert pictures.count() == 2 * len(stretch.steps)
        for index in range(pictures.count()):
            box = pictures.nth(index).bounding_box()
            assert box is not None and box["width"] >= 170, (stretch.id, index, box)
        ink = page.locator(".pic-step svg .pic-b").first.evaluate("e => getComputedStyle(e).stroke")
        panel = page.locator(".pic-step svg .pic-bg").first.evaluate(
            "e => getComputedStyle(e).fill"
        )
        # Inlined, the pictures take the page's scheme: light lines on dark, or dark on light.
        assert (ink, panel) == (
            ("rgb(241, 241, 241)", "rgb(30, 30, 30)")
            if dark
            else ("rgb(31, 41, 51)", "rgb(247, 245, 239)")
        )
        assert run_axe(page) == [], stretch.id
    assert page.errors == []
    page.context.close()


def test_the_picture_is_in_the_page_before_it_is_paused_and_set(phone: Any) -> None:
    # A browser may ignore pausing an SVG that is not in the document (Gecko does): the
    # picture would then move on its own, reduced motion or not.
    phone.add_init_script(
        """(() => {
            window.svgCalls = [];
            for (const name of ['pauseAnimations', 'setCurrentTime']) {
                const own = SVGSVGElement.prototype[name];
                SVGSVGElement.prototype[name] = function (...args) {
                    window.svgCalls.push([name, this.isConnected]);
                    return own.apply(this, args);
                };
            }
        })()"""
    )
    begin(phone)
    phone.clock.run_for(2_000)
    calls = phone.evaluate("window.svgCalls")
    assert {name for name, _ in calls} == {"pauseAnimations", "setCurrentTime"}
    assert all(connected for _, connected in calls), calls


def test_a_paused_session_asks_for_no_animation_frames(phone: Any) -> None:
    begin(phone)
    phone.locator("#stretch-name").focus()
    phone.keyboard.press("Space")  # pause while getting ready, the picture mid-move
    phone.get_by_role("button", name="Carry on").wait_for()
    phone.evaluate(
        """() => {
            window.frames = 0;
            const own = window.requestAnimationFrame;
            window.requestAnimationFrame = (callback) => {
                window.frames += 1;
                return own(callback);
            };
        }"""
    )
    phone.clock.run_for(5_000)
    assert phone.evaluate("window.frames") == 0  # nothing moves: no frame is drawn

    phone.keyboard.press("Space")  # carry on: the picture and the bar move again
    phone.clock.run_for(1_000)
    assert phone.evaluate("window.frames") > 10


def test_a_picture_that_failed_to_load_is_asked_for_again_at_the_next_phase(
    phone: Any,
) -> None:
    refused: list[str] = []

    def refuse(route: Any) -> None:
        refused.append(route.request.url)
        route.abort()

    phone.route("**/pictures/**", refuse)
    phone.goto("/play?routine=default&speed=1")
    phone.get_by_role("button", name="Begin").click()
    phone.get_by_role("button", name=messages.WEB_PAIN_KEY).wait_for()
    phone.wait_for_function("() => window.easeback.state.player !== null")
    phone.clock.run_for(1_000)
    assert refused and phone.locator("#figure-art svg").count() == 0

    phone.unroute("**/pictures/**")  # the network is back
    phone.clock.run_for(PREPARE_MS)  # the hold, the same picture: asked for again
    phone.locator("#figure-art svg").wait_for()
    assert shown(phone)[0].startswith("Lying on the back, both hands drawing the left knee")
