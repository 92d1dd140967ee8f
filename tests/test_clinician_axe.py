"""axe-core finds nothing on the clinic's pages (issue 13): the clinician's list (with
an invitation shown), one patient's page, the prescription editor (with its errors),
and the login, join, account and admin pages (a patient's linked devices listed on
their account page and on the admin's page of them), on a phone and on a desk's
screen. A
real server over HTTP on loopback, on a real PostgreSQL database, in Debian's
Chromium."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import uvicorn

from browser import free_port, run_axe
from easeback.server.app import create_server_app
from easeback.server.config import ServerConfig
from easeback.server.devices import add_device
from easeback.server.tenancy import scoped
from easeback.store.diary import add_entry
from easeback.usecases.clock import wall_now
from helpers import screened_store
from server_helpers import PASSWORD, SECRET, Clinic, clinic, invite

SIZES = [(390, 844), (1280, 800)]


@pytest.fixture(scope="module")
def served(postgres_server: str) -> Iterator[tuple[str, Clinic]]:
    """The clinic of server_helpers, served by uvicorn in a thread on a free port."""
    from sqlalchemy import create_engine, text

    name = "axe_clinic"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with clinic(url) as made:
        store = scoped(made.app.state.clinic, made.people["pat_a"].id)  # type: ignore[attr-defined]
        screened_store(store)
        for day in range(20):
            add_entry(store, at=wall_now() - timedelta(days=day), zone="UTC", pain=5, note=None)
        with made.app.state.clinic.begin() as connection:  # type: ignore[attr-defined]
            for name in ("Sam's kitchen laptop", "Work computer"):
                add_device(connection, SECRET, made.people["pat_a"], name, wall_now())
        app = create_server_app(
            ServerConfig(database=url, secret=SECRET, public_url=base), pool_size=2
        )
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)  # polling for readiness, not waiting out time
        try:
            yield base, made
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            app.state.clinic.dispose()


def page_as(chromium: Any, base: str, size: tuple[int, int], email: str | None) -> Any:
    context = chromium.new_context(
        base_url=base, viewport={"width": size[0], "height": size[1]}, service_workers="block"
    )
    page = context.new_page()
    if email is not None:
        page.goto("/login")
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
        assert "/login" not in page.url, "the test account could not log in"
    return page


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_axe_finds_nothing_on_the_clinic_pages(
    chromium: Any, served: tuple[str, Clinic], size: tuple[int, int]
) -> None:
    base, made = served
    patient = made.people["pat_a"].id
    found: dict[str, list[dict[str, Any]]] = {}

    anonymous = page_as(chromium, base, size, None)
    for path in ("/login", "/join"):
        anonymous.goto(path)
        found[path] = run_axe(anonymous)
    anonymous.context.close()

    doctor = page_as(chromium, base, size, made.people["dr_a"].email)
    for path in (
        "/clinic",
        "/clinic?sort=-pain&q=sam",
        f"/clinic/patients/{patient}",
        f"/clinic/patients/{patient}/prescription",
        "/account",
    ):
        doctor.goto(path)
        found[path] = run_axe(doctor)
    doctor.goto("/clinic")
    doctor.get_by_label("Their name").fill("Noor Haddad")
    doctor.get_by_role("button", name="Make an invitation code").click()
    doctor.wait_for_load_state()
    found["/clinic, an invitation shown"] = run_axe(doctor)
    doctor.goto(f"/clinic/patients/{patient}/prescription")
    doctor.locator("#knee-press-hold_s").fill("99")
    doctor.get_by_role("button", name="Publish version 1").click()
    doctor.wait_for_load_state()
    assert doctor.locator("#knee-press-hold_s-error").count() == 1
    found["the editor, with an error"] = run_axe(doctor)
    doctor.context.close()

    patient_page = "/admin/patient?email=pat_a@clinic.test"
    for who, paths in (("pat_a", ["/account"]), ("admin", ["/admin", "/account", patient_page])):
        page = page_as(chromium, base, size, made.people[who].email)
        for path in paths:
            page.goto(path)
            found[f"{path} as {who}"] = run_axe(page)
        page.context.close()

    assert {where: v for where, v in found.items() if v} == {}
    assert len(found) == 13


# Every control a finger or a pointer uses, and how wide the page is against the window.
MEASURE = """() => {
  const small = [];
  const controls = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
    + 'button, select, textarea';
  for (const el of document.querySelectorAll(controls)) {
    const box = el.getBoundingClientRect();
    const name = `${el.tagName} ${el.id || el.name}`;
    if (box.width > 0 && box.height < 44) small.push(`${name}: ${Math.round(box.height)} px`);
  }
  for (const box of document.querySelectorAll('input[type=checkbox]')) {
    const label = document.querySelector(`label[for="${box.id}"]`);
    const tall = label ? label.getBoundingClientRect().height : 0;
    const side = box.getBoundingClientRect().height;
    if (tall < 44 || side < 24) small.push(`checkbox ${box.id}: ${side} px, label ${tall} px`);
  }
  return {small, sideways: document.documentElement.scrollWidth > window.innerWidth};
}"""


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_clinic_pages_fit_the_window_and_their_fields_are_big_enough(
    chromium: Any, served: tuple[str, Clinic], size: tuple[int, int]
) -> None:
    """Fields of every type are 44 px or taller (the login's email and password and the
    list's search box were 21 px), checkboxes have a label 44 px tall to tap (the
    editor's were 13 px boxes above their words), and no page scrolls sideways on a
    phone (the patient list's headings and the admin's and the patient's tables
    widened it)."""
    base, made = served
    patient = made.people["pat_a"].id
    found: dict[str, Any] = {}
    anonymous = page_as(chromium, base, size, None)
    for path in ("/login", "/join"):
        anonymous.goto(path)
        found[path] = anonymous.evaluate(MEASURE)
    anonymous.context.close()
    pages = {
        "dr_a": [
            "/clinic",
            f"/clinic/patients/{patient}",
            f"/clinic/patients/{patient}/prescription",
        ],
        "admin": ["/admin", "/account", "/admin/patient?email=pat_a@clinic.test"],
        "pat_a": ["/account", "/today"],  # after dr_a's reads: the list of who has seen
    }
    for who, paths in pages.items():
        page = page_as(chromium, base, size, made.people[who].email)
        for path in paths:
            page.goto(path)
            found[f"{path} as {who}"] = page.evaluate(MEASURE)
        page.context.close()
    wrong = {where: m for where, m in found.items() if m["small"] or m["sideways"]}
    assert wrong == {}


# Two clicks as a hurried thumb makes them: the second while the first is on its way
# (the page's own timer, so the test waits for nothing).
TWO_CLICKS = """(label) => {
  const button = [...document.querySelectorAll("button")].find((b) => b.textContent === label);
  button.click();
  setTimeout(() => button.click(), 80);
}"""


def test_a_double_click_sends_a_form_once(chromium: Any, served: tuple[str, Clinic]) -> None:
    """Joining with a double click lands on Today, not on "this code is used already"
    (the second click's answer), and a double-clicked Publish makes one version."""
    base, made = served
    code = invite(made, "dr_a", "Dee Double")
    page = page_as(chromium, base, SIZES[0], None)
    page.goto(f"/join?code={code}")
    page.locator("#email").fill("dee.double@clinic.test")
    page.locator("#password").fill(PASSWORD)
    page.locator("#again").fill(PASSWORD)
    page.evaluate(TWO_CLICKS, "Make my account")
    page.wait_for_url(lambda url: "?code=" not in url)  # the form's answer has come
    page.wait_for_load_state()
    assert page.url.endswith("/today"), page.url
    assert "not valid" not in page.content()
    page.context.close()

    doctor = page_as(chromium, base, SIZES[1], made.people["dr_a"].email)
    doctor.goto("/clinic?q=Dee")  # the patient who just joined, one of dr_a's
    doctor.get_by_role("link", name="Dee Double").click()
    path = doctor.url.split("127.0.0.1", 1)[1].split("/", 1)[1]
    path = "/" + path + "/prescription"
    doctor.goto(path)
    publish = doctor.get_by_role("button", name=re.compile(r"^Publish version \d+$"))
    before = int((publish.text_content() or "").rsplit(" ", 1)[1])
    doctor.evaluate(TWO_CLICKS, f"Publish version {before}")
    doctor.wait_for_url(lambda url: "published=true" in url)
    doctor.goto(path)
    after = doctor.get_by_role("button", name=re.compile(r"^Publish version \d+$"))
    assert after.text_content() == f"Publish version {before + 1}"
    doctor.context.close()
