"""The patient's phone against a clinic's server over real HTTPS: Debian's Chromium
trusts a test certificate authority and reaches the server by a name that is not
loopback. A patient logs in, the app installs (manifest, service worker), a session
is played with the network cut and a pain stop, and once the network is back every
event is on the server exactly once; the clinician's list then shows that patient
as needing attention."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from browser import free_port, keep_today, outbox_left, play_with_pain_stop, send_what_waits
from easeback.server.app import create_server_app
from easeback.server.config import ServerConfig
from easeback.server.tenancy import scoped
from helpers import screened_store
from https import Https, launch_trusting, serving, trusting_home
from server_helpers import PASSWORD, SECRET, clinic_accounts

PHONE = {"width": 390, "height": 844}


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


def test_a_session_played_offline_on_the_phone_reaches_the_server_once_and_the_clinician_sees_it(
    phone_clinic: dict[str, Any],
) -> None:
    app, people, url = phone_clinic["app"], phone_clinic["people"], phone_clinic["url"]
    sam = scoped(app.state.clinic, people["pat_a"].id)
    screened_store(sam)  # consent and a clean safety check, as the first visit records
    phone = phone_clinic["browser"].new_context(
        base_url=url, has_touch=True, service_workers="allow", viewport=PHONE
    )
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install()
    log_in_page(page, people["pat_a"].email)
    page.wait_for_url("**/today")

    # Installable: a manifest whose icons load, and a worker for the whole site.
    manifest = page.evaluate(
        "(href) => fetch(href, {credentials: 'include'}).then((r) => r.json())",
        page.locator("link[rel=manifest]").get_attribute("href"),
    )
    assert manifest["display"] == "standalone" and manifest["icons"]
    keep_today(page, Base(url))

    slot = page.locator('a[href^="/play?slot="]').first.get_attribute("href")
    phone.set_offline(True)
    session = play_with_pain_stop(page, slot)
    made = page.evaluate("window.easeback.state.seq")
    assert outbox_left(page) > 0
    assert events_of(sam, session) == []

    phone.set_offline(False)
    send_what_waits(page)
    rows = events_of(sam, session)
    assert [r.seq for r in rows] == list(range(made))
    assert len({r.client_id for r in rows}) == made
    assert rows[-1].kind == "pain_stop"
    # Sent again (a phone that never heard the answer): nothing more is stored.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    assert len(events_of(sam, session)) == made
    assert errors == []

    # The clinician's list, on a desk's browser, shows Sam as needing attention.
    desk = phone_clinic["browser"].new_context(base_url=url)
    clinician = desk.new_page()
    log_in_page(clinician, people["dr_a"].email)
    clinician.wait_for_url("**/clinic")
    row = clinician.locator("tr", has_text=people["pat_a"].name)
    assert "stopped for pain" in row.inner_text().lower()
    desk.close()
    phone.close()


class Base:
    """What keep_today needs of a server: its base address."""

    def __init__(self, base: str) -> None:
        self.base = base


def events_of(engine: Any, session_id: str) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                text("SELECT seq, kind, client_id FROM events WHERE session_id = :id ORDER BY seq"),
                {"id": session_id},
            )
        )


def test_logging_out_with_records_still_on_the_phone_says_so_before_deleting_them(
    phone_clinic: dict[str, Any],
) -> None:
    people = phone_clinic["people"]
    phone = phone_clinic["browser"].new_context(base_url=phone_clinic["url"], viewport=PHONE)
    page = phone.new_page()
    log_in_page(page, people["pat_a"].email)
    page.wait_for_url("**/today")
    phone.set_offline(True)
    page.evaluate(
        """async () => {
            const src = document.querySelector('script[src*="/js/outbox-flush.js"]').src;
            const { Outbox } = await import(src.replace('outbox-flush.js', 'outbox.js'));
            const entry = {id: crypto.randomUUID(), at: new Date().toISOString(), pain: 3};
            new Outbox('').push('/api/diary', entry);
        }"""
    )
    phone.set_offline(False)
    phone.route("**/api/diary", lambda route: route.abort())  # the server cannot be reached
    page.goto("/account")
    page.get_by_role("button", name="Log out").click()
    warning = page.get_by_role("alert")
    warning.wait_for()
    assert "1 record made on this device" in warning.inner_text()
    assert page.url.endswith("/account")  # still logged in: nothing deleted yet
    page.get_by_role("button", name="Log out anyway").click()
    page.wait_for_url("**/login")
    phone.close()
