"""Your day in Debian's Chromium: the time zone filled in from the browser's own when
nothing is saved yet, and left alone once it is; the page passes axe-core."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from browser import Server, run_axe, running
from easeback.core.plan import DaySettings
from easeback.store import open_store
from easeback.store.plan import latest_settings, save_settings
from helpers import screened_store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def ready(db_path: Path) -> Path:
    screened_store(open_store(str(db_path)))
    return db_path


def settings_page(chromium: Any, server: Server, zone: str, *, dark: bool = False) -> Any:
    context = chromium.new_context(
        base_url=server.base, timezone_id=zone, color_scheme="dark" if dark else "light"
    )
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.on(
        "console",
        lambda m: page.errors.append(m.text) if m.type == "error" else None,
    )
    page.goto("/settings")
    return page


def stored_zone(db_path: Path) -> str | None:
    engine = open_store(str(db_path))
    try:
        settings = latest_settings(engine)
    finally:
        engine.dispose()
    return settings.zone if settings else None


@pytest.mark.parametrize(
    ("emulated", "zone"),
    [
        ("Asia/Tokyo", "Asia/Tokyo"),
        # Chromium reports the older name of this one, which the list offers too
        ("America/Argentina/Buenos_Aires", "America/Buenos_Aires"),
    ],
)
def test_before_anything_is_saved_the_browsers_zone_is_chosen(
    chromium: Any, ready: Path, emulated: str, zone: str
) -> None:
    with running(ready) as server:
        page = settings_page(chromium, server, emulated)
        chosen = page.get_by_label("Time zone").input_value()
        said = page.locator("#zone-from-browser").inner_text()
        page.get_by_role("button", name="Save my day").click()
        page.get_by_role("status").wait_for()
        assert page.errors == []
        page.context.close()

    assert chosen == zone
    assert said == f"Filled in from this browser: {zone}."
    assert stored_zone(ready) == zone


def test_a_saved_zone_is_left_as_it_is_whatever_the_browser_says(
    chromium: Any, ready: Path
) -> None:
    engine = open_store(str(ready))
    save_settings(engine, DaySettings(zone="Europe/London"), at=datetime.now(UTC))
    engine.dispose()

    with running(ready) as server:
        page = settings_page(chromium, server, "Asia/Tokyo")
        chosen = page.get_by_label("Time zone").input_value()
        said = page.locator("#zone-from-browser").count()
        page.context.close()

    assert (chosen, said) == ("Europe/London", 0)


def test_the_whole_form_can_be_filled_by_label_and_saved(chromium: Any, ready: Path) -> None:
    with running(ready) as server:
        page = settings_page(chromium, server, "Europe/Paris")
        page.get_by_label("When you usually get up").fill("06:45")
        page.get_by_label("When you go to bed").fill("23:15")
        page.get_by_label("Time zone").select_option("Europe/Berlin")
        page.get_by_label("Your name").fill("Sam Doe")
        page.get_by_label("Date of birth").fill("1974-05-02")
        page.get_by_label("Your identifier at your clinic").fill("AB-123")
        page.get_by_role("button", name="Save my day").click()
        page.get_by_role("status").wait_for()
        values = [
            page.get_by_label(label).input_value()
            for label in ("When you usually get up", "When you go to bed", "Your name")
        ]
        page.context.close()

    assert values == ["06:45", "23:15", "Sam Doe"]
    assert stored_zone(ready) == "Europe/Berlin"


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_nothing_on_your_day_with_and_without_errors(
    chromium: Any, ready: Path, dark: bool
) -> None:
    found = {}
    with running(ready) as server:
        page = settings_page(chromium, server, "Asia/Tokyo", dark=dark)
        found["filled from the browser"] = run_axe(page)
        page.get_by_label("Date of birth").fill("02/05/1974")
        page.get_by_label("When you usually get up").fill("6.30")
        page.get_by_role("button", name="Save my day").click()
        page.get_by_role("alert").wait_for()
        found["with errors"] = run_axe(page)
        page.context.close()

    assert {where: v for where, v in found.items() if v} == {}
