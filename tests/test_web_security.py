"""The web app answers only this machine, refuses forged requests, and forbids
anything but its own scripts and styles."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from easeback.web.security import host_allowed
from helpers import WEB_BASE, WEB_PORT


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        (f"127.0.0.1:{WEB_PORT}", True),
        (f"localhost:{WEB_PORT}", True),
        (f"[::1]:{WEB_PORT}", True),
        (f"LOCALHOST:{WEB_PORT}", True),
        ("127.0.0.1", False),  # a browser always names the port we are on
        ("[::1]", False),
        ("evil.example", False),
        (f"evil.example:{WEB_PORT}", False),
        (f"127.0.0.1.evil.example:{WEB_PORT}", False),
        (f"localhost.evil.example:{WEB_PORT}", False),
        ("127.0.0.1:9999", False),
        ("[::1]:9999", False),
        ("::1", False),
        (f"[::1]:{WEB_PORT}@evil.example", False),
        ("", False),
    ],
)
def test_only_loopback_host_headers_with_our_port_are_accepted(host: str, allowed: bool) -> None:
    assert host_allowed(host, WEB_PORT) is allowed


@pytest.mark.parametrize(
    "host", [f"127.0.0.1:{WEB_PORT}", f"localhost:{WEB_PORT}", f"[::1]:{WEB_PORT}"]
)
def test_the_three_loopback_names_reach_the_app(client: TestClient, host: str) -> None:
    response = client.get("/stretches", headers={"Host": host})

    assert response.status_code == 200


@pytest.mark.parametrize("host", ["evil.example", f"rebind.example:{WEB_PORT}", "127.0.0.1:1"])
@pytest.mark.parametrize("path", ["/", "/api/today", "/static/app.css", "/no-such-page"])
def test_a_foreign_host_is_refused_with_400_before_anything_runs(
    client: TestClient, host: str, path: str
) -> None:
    response = client.get(path, headers={"Host": host})

    assert response.status_code == 400
    assert "127.0.0.1" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/today", "/stretches/knee-press", "/static/js/play.js", "/nope", "/api/today"]
)
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers

    policy = headers["content-security-policy"]
    for rule in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "script-src 'self'",
    ):
        assert rule in policy
    assert "unsafe-inline" not in policy
    assert headers["x-content-type-options"] == "nosniff"


PAGES = ["/today", "/check", "/stretches", "/stretches/knee-press", "/history", "/settings"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script_and_load_nothing_from_elsewhere(
    client: TestClient, path: str
) -> None:
    soup = BeautifulSoup(client.get(path).text, "html.parser")

    for script in soup.find_all("script"):
        assert script.get("src", "").startswith("/static/"), script
        assert not script.string
    for tag, attribute in (("link", "href"), ("img", "src"), ("script", "src")):
        for element in soup.find_all(tag):
            value = element.get(attribute, "")
            assert value.startswith("/"), f"{tag} {attribute}={value}"
            assert not value.startswith("//")
    assert not soup.find_all(attrs={"style": True})
    assert not [a for a in soup.find_all(True) if any(k.startswith("on") for k in a.attrs)]


def test_the_csrf_cookie_is_strict_and_hidden_from_scripts(app: Any) -> None:
    with TestClient(app, base_url=WEB_BASE) as fresh:
        cookie = fresh.get("/today").headers["set-cookie"].lower()

    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_an_api_call_without_the_csrf_header_is_refused(client: TestClient) -> None:
    del client.headers["X-CSRF-Token"]

    response = client.post("/api/sessions", json={"routine": "default"})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_an_api_call_with_a_wrong_csrf_header_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/sessions", json={"routine": "default"}, headers={"X-CSRF-Token": "x" * 43}
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "form"),
    [
        ("/settings", {"wake": "07:00", "bed": "22:30", "zone": "UTC", "no_work": "yes"}),
        ("/check", {"clinician_checked": "yes"}),
    ],
)
def test_a_form_without_its_token_is_refused_and_changes_nothing(
    client: TestClient, path: str, form: dict[str, str]
) -> None:
    del client.headers["X-CSRF-Token"]

    refused = client.post(path, data=form)
    forged = client.post(path, data={**form, "csrf": "forged-token-" * 4})

    assert refused.status_code == forged.status_code == 403
    assert "Reload the page" in BeautifulSoup(refused.text, "html.parser").get_text()
    assert "Saved" not in client.get("/settings").text


def test_every_form_carries_the_token(client: TestClient) -> None:
    for path in ("/settings", "/check"):
        soup = BeautifulSoup(client.get(path).text, "html.parser")
        for form in soup.find_all("form", method="post"):
            token = form.find("input", attrs={"name": "csrf"})
            assert token is not None and token["value"] == client.token  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "origin",
    [
        f"http://localhost:{WEB_PORT + 1}",
        "http://evil.example",
        "null",
        f"https://localhost:{WEB_PORT}",
    ],
)
def test_a_form_posted_from_another_origin_is_refused_even_with_a_planted_cookie(
    client: TestClient, origin: str
) -> None:
    """A page on another port of this machine can set our cookie (cookies ignore
    ports), so its Origin is what gives it away."""
    form = {"csrf": client.token, "wake": "05:00", "bed": "22:30", "zone": "UTC", "no_work": "yes"}  # type: ignore[attr-defined]

    response = client.post("/settings", data=form, headers={"Origin": origin})
    api = client.post("/api/sessions", json={"routine": "default"}, headers={"Origin": origin})

    assert response.status_code == api.status_code == 403
    assert "another site or port" in response.text
    assert client.get("/api/today").json()["set_up"] is False


@pytest.mark.parametrize("origin", [f"http://localhost:{WEB_PORT}", f"http://[::1]:{WEB_PORT}"])
def test_a_form_from_our_own_origin_is_accepted(client: TestClient, origin: str) -> None:
    form = {"csrf": client.token, "wake": "06:00", "bed": "22:30", "zone": "UTC", "no_work": "yes"}  # type: ignore[attr-defined]

    response = client.post("/settings", data=form, headers={"Origin": origin})

    assert response.status_code == 200
    assert client.get("/api/today").json()["set_up"] is True


def test_a_cross_site_fetch_without_origin_is_refused(client: TestClient) -> None:
    response = client.post(
        "/api/sessions", json={"routine": "default"}, headers={"Sec-Fetch-Site": "same-site"}
    )

    assert response.status_code == 403
