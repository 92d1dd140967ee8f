"""The static files: every page names them by a versioned address that the browser
keeps for a year (so a new release is fetched fresh), the plain address is checked
again on every use, and they travel compressed to browsers that accept it."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.web.pictures import pictures_version
from easeback.web.static_files import FOLDER, folder_version, static_url, still_current, version
from helpers import screened_store

YEAR = "public, max-age=31536000, immutable"
PAGES = ["/today", "/stretches", "/stretches/knee-press", "/play?routine=default", "/diary"]


def assets(client: TestClient) -> set[str]:
    found = set()
    for path in PAGES:
        soup = BeautifulSoup(client.get(path).text, "html.parser")
        # The manifest keeps one address (web/pwa.py), checked again on every use.
        found |= {
            tag["href"]
            for tag in soup.find_all("link", href=True)
            if "manifest" not in tag.get("rel", [])
        }
        found |= {tag["src"] for tag in soup.find_all(["script", "img"], src=True)}
    return found


def test_every_file_a_page_names_has_a_versioned_address_kept_for_a_year(
    client: TestClient, app: Any
) -> None:
    screened_store(app.state.engine)

    named = assets(client)

    assert {static_url("app.css"), static_url("js/play.js"), static_url("icon.svg")} <= named
    for url in named:
        # The stretch pictures are drawn, not files: they carry their own version.
        versioned = f"/static/v-{version()}/", "/pictures/"
        assert url.startswith(versioned), url
        if url.startswith("/pictures/"):
            assert url.endswith(f".svg?v={pictures_version()}"), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == YEAR, url


KEPT = {
    "the same tag": ('"abc"', True),
    "a weak tag": ('W/"abc"', True),
    "one of several": ('"old", W/"abc" , "other"', True),
    "any": ("*", True),
    "another tag": ('"abd"', False),
    "a tag containing it": ('"xabcx"', False),
    "none": (None, False),
}


@pytest.mark.parametrize(("header", "current"), KEPT.values(), ids=KEPT)
def test_a_browsers_copy_is_current_when_its_if_none_match_lists_the_etag(
    header: str | None, current: bool
) -> None:
    assert still_current(header, '"abc"') is current


@pytest.mark.parametrize("path", ["/static/app.css", "/pictures/knee-press/start.svg"])
def test_a_weak_or_listed_etag_gets_a_304_everywhere(client: TestClient, path: str) -> None:
    tag = client.get(path).headers["etag"]

    again = client.get(path, headers={"If-None-Match": f'"older", W/{tag}'})

    assert again.status_code == 304


def test_a_plain_address_is_checked_again_before_each_use(client: TestClient) -> None:
    first = client.get("/static/app.css")
    again = client.get("/static/app.css", headers={"If-None-Match": first.headers["etag"]})

    assert first.headers["cache-control"] == "no-cache"
    assert (again.status_code, again.content) == (304, b"")


def test_a_page_left_open_over_an_update_still_gets_the_file_checked_again(
    client: TestClient,
) -> None:
    response = client.get("/static/v-000000000000/js/player.js")

    assert response.status_code == 200
    assert response.content == (FOLDER / "js" / "player.js").read_bytes()
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["app.css", "js/play.js", "js/figure.js"])
def test_static_files_travel_compressed(client: TestClient, path: str) -> None:
    with client.stream("GET", static_url(path), headers={"Accept-Encoding": "gzip"}) as response:
        sent = b"".join(response.iter_raw())

    original = (FOLDER / path).read_bytes()
    assert response.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in response.headers["vary"].lower()
    assert len(sent) < len(original) * 0.6
    assert gzip.decompress(sent) == original


def test_pages_are_not_compressed_since_they_carry_the_csrf_token(client: TestClient) -> None:
    # Compressing a secret next to text an attacker may choose (BREACH) leaks it by size.
    response = client.get("/diary", headers={"Accept-Encoding": "gzip"})

    assert "content-encoding" not in response.headers


def test_the_version_changes_with_any_file(tmp_path: Path) -> None:
    (tmp_path / "js").mkdir()
    (tmp_path / "js" / "a.js").write_text("let a = 1;")
    (tmp_path / "app.css").write_text("body {}")
    before = folder_version(tmp_path)

    (tmp_path / "js" / "a.js").write_text("let a = 2;")
    changed = folder_version(tmp_path)
    (tmp_path / "js" / "a.js").rename(tmp_path / "js" / "b.js")
    renamed = folder_version(tmp_path)

    assert len({before, changed, renamed}) == 3
    assert folder_version(tmp_path) == renamed  # and the same files, the same version


def test_a_file_that_is_not_there_is_a_404_page(client: TestClient) -> None:
    response = client.get(f"/static/v-{version()}/js/nothing.js")

    assert response.status_code == 404
    assert "There is no page at this address." in response.text


def test_the_scripts_use_no_import_attributes_and_the_player_carries_its_sounds(
    client: TestClient, app: Any
) -> None:
    # `import ... with { type: "json" }` is a syntax error before Safari 17.2 and
    # Firefox 138: the whole player would not run (Begin would stay disabled).
    for script in sorted((FOLDER / "js").glob("*.js")):
        text = script.read_text(encoding="utf-8")
        assert not re.search(r"^\s*import\b[^;]*\b(with|assert)\s*\{", text, re.M), script.name
        assert ".json" not in " ".join(re.findall(r"^\s*import\b.*$", text, re.M)), script.name

    screened_store(app.state.engine)
    soup = BeautifulSoup(client.get("/play?routine=default").text, "html.parser")
    player = soup.find(id="player")
    assert player is not None
    sounds = json.loads((FOLDER / "js" / "cue-sounds.json").read_text(encoding="utf-8"))
    assert json.loads(str(player["data-sounds"])) == sounds  # the one file, given to the page
