"""The patient's phone against a clinic's server over real HTTPS: Debian's Chromium
trusts a test certificate authority, reaches the server by a name that is not
loopback, logs in as a patient and gets a secure context (what service workers,
installation and the wake lock need)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import free_port
from easeback.server.app import create_server_app
from easeback.server.config import ServerConfig
from https import Https, launch_trusting, serving, trusting_home
from server_helpers import PASSWORD, SECRET, clinic_accounts


@pytest.fixture
def phone_clinic(postgres_url: str, tmp_path: Path, chromium: Any) -> Iterator[dict[str, Any]]:
    https = Https(tmp_path)
    port = free_port()
    base = f"https://clinic.test:{port}"
    app = create_server_app(
        ServerConfig(database=postgres_url, secret=SECRET, public_url=base), pool_size=4
    )
    people = clinic_accounts(app.state.clinic)
    browser = launch_trusting(chromium.browser_type, trusting_home(https, tmp_path / "home"), port)
    try:
        with serving(app, https, port) as url:
            yield {"url": url, "app": app, "people": people, "browser": browser}
    finally:
        browser.close()
        app.state.clinic.dispose()


def log_in_page(page: Any, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_patient_logs_in_over_https_and_the_page_is_a_secure_context(
    phone_clinic: dict[str, Any],
) -> None:
    context = phone_clinic["browser"].new_context(base_url=phone_clinic["url"])
    page = context.new_page()
    log_in_page(page, phone_clinic["people"]["pat_a"].email)
    page.wait_for_url("**/today")
    assert page.evaluate("window.isSecureContext") is True
    assert page.evaluate("location.protocol") == "https:"
    context.close()
