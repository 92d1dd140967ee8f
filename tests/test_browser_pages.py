"""The pages around the player in Debian's Chromium, on a phone (390x844) and a desktop
(1280x800), light and dark, with a store that has been used for a few days: axe-core
on every HTML page the app has (listed from its routes, so a new page cannot be left
out), the one-line header and its Menu by keyboard, and Today's Play button in view
without scrolling."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute

from browser import Server, open_page, run_axe, running
from easeback.content.library import load_library
from easeback.core.plan import DaySettings
from easeback.core.player import Player
from easeback.store import open_store
from easeback.store.diary import add_entry
from easeback.store.plan import save_settings
from easeback.store.sessions import SessionLog
from easeback.web.app import Settings, create_app
from helpers import ROTATION_TIMELINE, screened_store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HEADER_MAX_PX = 56


def lived_in(db: Path) -> None:
    """A store as after a few days of use: consent and answers, the day set up, a
    session played to the end on each of the last three days, and diary entries."""
    engine = open_store(str(db))
    screened_store(engine)
    now = datetime.now(UTC)
    save_settings(engine, DaySettings(zone="UTC"), at=now - timedelta(days=4))
    for days_ago in (1, 2, 3):
        started = now - timedelta(days=days_ago, hours=2)
        log = SessionLog(
            engine,
            ROTATION_TIMELINE,
            title="Just the rotation",
            speed=1.0,
            started=started,
            zone="UTC",
            player="web",
            slot=None,
            plan_date=None,
        )
        player = Player(ROTATION_TIMELINE)
        events = player.start(0.0) + player.tick(ROTATION_TIMELINE.total_ms / 1000)
        for event in events:
            log.append(event, wall=started + timedelta(seconds=event.at), offset_ms=0)
        add_entry(engine, at=started - timedelta(minutes=5), zone="UTC", pain=3, note=None)
    engine.dispose()


@pytest.fixture(scope="module")
def lived_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("lived") / "easeback.db"
    lived_in(db)
    with running(db) as live:
        yield live


def html_routes(routes: list[Any]) -> set[str]:
    """The paths of every GET route that answers with an HTML page, however the
    routers are nested."""
    found: set[str] = set()
    for route in routes:
        inner = getattr(route, "original_router", None) or getattr(route, "app", None)
        if isinstance(route, APIRoute):
            if "GET" in route.methods and route.response_class is HTMLResponse:
                found.add(route.path)
        elif inner is not None and hasattr(inner, "routes"):
            found |= html_routes(inner.routes)
    return found


# Each HTML route and the addresses that show it with real content.
ADDRESSES = {
    "/": ["/"],
    "/today": ["/today"],
    "/stretches": ["/stretches"],
    "/stretches/{stretch_id}": [f"/stretches/{s.id}" for s in load_library().stretches],
    "/play": ["/play?routine=default", "/play?slot=evening"],
    "/history": ["/history"],
    "/settings": ["/settings"],
    "/check": ["/check"],
    "/clear": ["/clear"],
    "/diary": ["/diary"],
    "/progress": ["/progress"],
    "/prescription": ["/prescription"],
    "/prescription/confirm": ["/prescription/confirm"],
    "/sync": ["/sync"],
}


def test_the_page_list_covers_every_html_route_of_the_app(tmp_path: Path) -> None:
    app = create_app(Settings(db=str(tmp_path / "easeback.db")))

    assert html_routes(app.routes) == set(ADDRESSES)


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_nothing_on_any_page(
    chromium: Any, lived_server: Server, dark: bool, size: dict[str, int]
) -> None:
    page = open_page(chromium, lived_server, dark=dark)
    page.set_viewport_size(size)
    found = {}
    for address in [a for addresses in ADDRESSES.values() for a in addresses] + ["/no-such"]:
        page.goto(address)
        found[address] = run_axe(page)
    page.goto("/today")
    if size is PHONE:
        page.get_by_text("Menu", exact=True).click()
        found["today, menu open"] = run_axe(page)

    assert {where: v for where, v in found.items() if v} == {}
    assert page.errors == []
    page.context.close()


def header(page: Any) -> Any:
    return page.locator("header.top")


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
@pytest.mark.parametrize("address", ["/today", "/history", "/stretches/knee-press", "/diary"])
def test_on_a_phone_the_header_is_one_line_under_56_px(
    chromium: Any, lived_server: Server, dark: bool, address: str
) -> None:
    page = open_page(chromium, lived_server, dark=dark)
    page.set_viewport_size(PHONE)
    page.goto(address)

    box = header(page).bounding_box()
    brand = page.get_by_role("link", name="easeback", exact=True).bounding_box()
    menu = page.locator("header.top summary").bounding_box()

    assert box["height"] <= HEADER_MAX_PX
    assert abs(brand["y"] + brand["height"] / 2 - (menu["y"] + menu["height"] / 2)) < 2
    assert menu["x"] + menu["width"] <= PHONE["width"]
    assert not page.get_by_role("navigation", name="Main").get_by_role("link").first.is_visible()
    page.context.close()


def test_the_menu_opens_and_closes_by_keyboard_and_gives_the_focus_back(
    chromium: Any, lived_server: Server
) -> None:
    from playwright.sync_api import expect

    page = open_page(chromium, lived_server)
    page.set_viewport_size(PHONE)
    page.goto("/history")
    nav = page.get_by_role("navigation", name="Main")
    menu = page.locator("header.top summary")

    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")

    expect(nav.get_by_role("link", name="Diary")).to_be_visible()
    current = nav.locator("a[aria-current=page]")
    assert current.inner_text() == "History"
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Today")).to_be_focused()
    # Nothing the menu covers is hit instead: the list sits above the page.
    inside = nav.get_by_role("link", name="Safety check").bounding_box()
    assert inside["y"] + inside["height"] <= PHONE["height"]

    page.keyboard.press("Escape")

    expect(nav.get_by_role("link", name="Diary")).to_be_hidden()
    expect(menu).to_be_focused()
    page.keyboard.press("Space")
    expect(nav.get_by_role("link", name="Diary")).to_be_visible()
    page.keyboard.press("Space")
    expect(nav.get_by_role("link", name="Diary")).to_be_hidden()
    page.context.close()


def test_without_scripts_the_menu_still_opens(chromium: Any, lived_server: Server) -> None:
    context = chromium.new_context(
        base_url=lived_server.base, java_script_enabled=False, viewport=PHONE
    )
    page = context.new_page()
    page.goto("/today")
    nav = page.get_by_role("navigation", name="Main")

    page.locator("header.top summary").click()
    nav.get_by_role("link", name="History").click()

    page.wait_for_url("**/history")
    context.close()


def test_on_a_desktop_the_whole_menu_is_one_line_of_links(
    chromium: Any, lived_server: Server
) -> None:
    page = open_page(chromium, lived_server)
    page.set_viewport_size(DESKTOP)
    page.goto("/today")
    links = page.get_by_role("navigation", name="Main").get_by_role("link")

    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}

    assert links.count() == 8
    assert len(tops) == 1
    assert not page.locator("header.top summary").is_visible()
    assert header(page).bounding_box()["height"] <= 64
    page.context.close()


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_on_a_phone_todays_first_play_button_is_in_view_without_scrolling(
    chromium: Any, lived_server: Server, dark: bool
) -> None:
    page = open_page(chromium, lived_server, dark=dark)
    page.set_viewport_size(PHONE)
    page.goto("/today")

    play = page.locator("ol.slots a.button").first
    box = play.bounding_box()

    assert play.inner_text().startswith("Play ")
    assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    assert box["height"] >= 44
    page.context.close()
