"""The Sync page in Debian's Chromium, on a real `easeback serve`: reached from the
menu while linked, "Sync now" pressed from the keyboard, the failure said in plain
words, and axe-core finds nothing on a phone or a laptop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from browser import free_port, run_axe
from sync_shells import linked_here

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_sync_now_from_the_keyboard_says_why_it_failed_and_passes_axe(
    page: Any, db_path: Path
) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    linked_here(db_path.parent, server=nobody)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/today")
    page.get_by_text("Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync").click()
    page.wait_for_url("**/sync")
    assert page.get_by_role("heading", level=1).inner_text() == "Sync with your clinic"
    assert run_axe(page) == []

    button = page.get_by_role("button", name="Sync now")
    for _ in range(40):  # Tab through the page as a keyboard user would
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        raise AssertionError("Tab never reached the Sync now button")
    box = button.bounding_box()
    assert box is not None and box["height"] >= 44 and box["width"] >= 44
    page.keyboard.press("Enter")

    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.get_by_role("heading").inner_text() == (
        "Not synced: the server could not be reached"
    )
    assert "connection refused" in alert.inner_text()
    assert run_axe(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    assert run_axe(page) == []


def test_how_to_link_fits_a_phone_and_passes_axe(page: Any) -> None:
    """Not linked: the page says how, its command wraps on a phone, no Sync in the menu."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/settings")
    page.get_by_role("link", name="how to link").click()
    page.wait_for_url("**/sync")

    assert page.get_by_text("easeback link CODE --server").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_role("navigation", name="Main").get_by_role("link", name="Sync").count() == 0
    assert run_axe(page) == []
