"""The installable web app as the server sends it: the manifest and its icons, the
service worker at the root with what it keeps, every page linking them, and diary
entries written offline stored once whatever the resends."""

from __future__ import annotations

import re
import struct
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.pictures.catalogue import catalogue
from easeback.store.diary import entries
from easeback.web.pictures import picture_url
from easeback.web.pwa import worker_lists
from easeback.web.static_files import static_url
from helpers import screened_store


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_manifest_makes_the_app_installable(client: TestClient) -> None:
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/manifest+json"
    assert response.headers["cache-control"] == "no-cache"  # one address, always checked
    manifest = response.json()
    assert (manifest["name"], manifest["short_name"]) == (
        "easeback: stretches for the lower back",
        "easeback",
    )
    assert (manifest["start_url"], manifest["scope"], manifest["display"]) == (
        "/today",
        "/",
        "standalone",
    )
    # The light theme of app.css: the accent for the bar, the page's background.
    assert (manifest["theme_color"], manifest["background_color"]) == ("#1d5e4f", "#fbfaf7")
    sizes = {}
    for icon in manifest["icons"]:
        found = client.get(icon["src"])
        assert found.status_code == 200, icon
        assert found.headers["content-type"] == icon["type"]
        if icon["type"] == "image/png":
            sizes[(icon["sizes"], icon.get("purpose", "any"))] = png_size(found.content)
    assert sizes == {
        ("192x192", "any"): (192, 192),
        ("512x512", "any"): (512, 512),
        ("512x512", "maskable"): (512, 512),
    }


def test_every_page_links_the_manifest_the_worker_and_the_home_screen_icon(
    client: TestClient, app: Any
) -> None:
    screened_store(app.state.engine)
    for path in ("/today", "/stretches", "/diary", "/play?routine=bed", "/check"):
        page = BeautifulSoup(client.get(path).text, "html.parser")
        head = page.head
        assert head is not None
        assert head.find("link", rel="manifest")["href"] == "/manifest.webmanifest", path
        colours = {
            m["media"]: m["content"] for m in head.find_all("meta", attrs={"name": "theme-color"})
        }
        assert colours == {
            "(prefers-color-scheme: light)": "#1d5e4f",
            "(prefers-color-scheme: dark)": "#121212",
        }
        touch = head.find("link", rel="apple-touch-icon")["href"]
        assert png_size(client.get(touch).content) == (180, 180)
        scripts = [s["src"] for s in head.find_all("script")]
        assert static_url("js/install.js") in scripts, path


def test_the_worker_is_served_from_the_root_and_always_checked(client: TestClient) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert "service-worker-allowed" not in response.headers  # scope "/" is its own
    first = response.text.splitlines()[0]
    assert first.startswith("const KEEP = {") and first.endswith("};")


def test_the_worker_keeps_every_static_file_and_picture_and_todays_pages() -> None:
    kept = worker_lists()

    assert static_url("js/play.js") in kept["shell"]
    assert static_url("js/outbox.js") in kept["shell"]
    assert static_url("app.css") in kept["shell"]
    assert {picture_url(name) for name in catalogue()} <= set(kept["shell"])
    # The icons are for installing, not for playing: left to the browser.
    assert not [url for url in kept["shell"] if url.endswith(".png")]
    assert kept["pages"][:2] == ["/today", "/stretches"]
    assert "/stretches/knee-press" in kept["pages"] and "/diary" in kept["pages"]
    assert re.fullmatch(r"easeback-.+-[0-9a-f]{12}-[0-9a-f]{12}", kept["cache"])


# --- diary entries written offline -----------------------------------------------------


def entry(**changes: Any) -> dict[str, Any]:
    at = datetime.now(UTC) - timedelta(hours=2)
    body = {
        "id": str(uuid.uuid4()),
        "at": at.isoformat(),
        "zone": "Europe/Paris",
        "pain": 4,
        "note": "  stiff after the train  ",
        "share": True,
    }
    return {**body, **changes}


def test_a_diary_entry_sent_twice_is_stored_once_when_it_was_written(
    client: TestClient, app: Any
) -> None:
    body = entry()

    first = client.post("/api/diary", json=body)
    again = client.post("/api/diary", json=body)

    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["stored"], again.json()["stored"]) == (True, False)
    (stored,) = entries(app.state.engine)
    assert (stored.pain, stored.note, stored.share, stored.zone) == (
        4,
        "stiff after the train",
        True,
        "Europe/Paris",
    )
    written = datetime.fromisoformat(body["at"]).astimezone(UTC).replace(tzinfo=None)
    assert stored.at_utc == written


def test_a_diary_entry_dated_ahead_of_the_server_is_dated_now(client: TestClient, app: Any) -> None:
    ahead = datetime.now(UTC) + timedelta(days=2)

    client.post("/api/diary", json=entry(at=ahead.isoformat()))

    (stored,) = entries(app.state.engine)
    assert stored.at_utc <= datetime.now(UTC).replace(tzinfo=None)


@pytest.mark.parametrize(
    ("change", "where", "text"),
    [
        ({"pain": None, "note": "   "}, "pain", "give a pain score or a note"),
        ({"pain": 11}, "pain", "10 or less"),
        ({"id": "1"}, "id", "must match the form"),
        ({"at": "2026-11-25T07:00:00"}, "at", "offset from UTC"),
        ({"zone": "Nowhere/Else"}, "zone", "IANA time zone"),
    ],
)
def test_a_wrong_diary_entry_is_refused_and_named(
    client: TestClient, app: Any, change: dict[str, Any], where: str, text: str
) -> None:
    refused = client.post("/api/diary", json=entry(**change))

    assert refused.status_code == 422
    (problem,) = refused.json()["errors"]
    assert problem["loc"] == ["body", where]
    assert text in problem["msg"]
    assert entries(app.state.engine) == []


def test_the_diary_form_posted_twice_with_its_id_stores_one_entry(
    client: TestClient, app: Any
) -> None:
    form = {"csrf": client.token, "pain": "3", "note": "", "client_id": str(uuid.uuid4())}  # type: ignore[attr-defined]

    client.post("/diary", data=form)
    client.post("/diary", data=form)  # the browser sends it again (a reload)
    client.post("/diary", data={**form, "client_id": ""})  # a page without scripts

    assert [e.pain for e in entries(app.state.engine)] == [3, 3]
