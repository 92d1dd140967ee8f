"""The prescription and the flare-up in Debian's Chromium: a signed file imported
through the page (file chooser, the confirmation step), the clinician's note shown,
the flare-up button pressed with the keyboard; axe-core finds nothing on the
prescription page, the confirmation step and Today with a flare-up on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from browser import Server, check_own_origin, open_page, run_axe, running
from easeback.content.prescription import Clinician
from easeback.core.plan import DaySettings, person_day
from easeback.prescribing import keys
from easeback.store import open_store
from easeback.store.prescriptions import current, start_flare
from easeback.usecases.clock import local_zone
from easeback.usecases.prescription import write_prescription
from easeback.wording import messages
from helpers import screened_store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CLINICIAN = Clinician(
    name="Dr Ada Okafor",
    role="Physiotherapist",
    organisation="Riverside Physio",
    contact="ada@riverside.example",
)
NOTE = "Little and often. Stop at once if anything hurts."


def person_today() -> Any:
    return person_day(datetime.now(UTC), DaySettings(zone=local_zone()))


@pytest.fixture
def signed_file(tmp_path: Path) -> Path:
    """A signed prescription that started yesterday, from a clinician new to the store."""
    data = tmp_path / "clinician"
    keys.init(data, CLINICIAN)
    source = tmp_path / "rx.toml"
    start = person_today() - timedelta(days=1)
    source.write_text(
        f"""\
version = 1
start = {start.isoformat()}
note = "{NOTE}"

[[stretches]]
id = "knee-press"
hold_s = 30
reps = 2
ceiling = {{ hold_s = 45, reps = 3 }}

[flare_up]
days = 3
advice = "Keep moving gently; a warm shower helps."
contact = "Call the clinic if it is no better in 3 days: 020 7946 0000."

[[flare_up.stretches]]
id = "knee-press"
hold_s = 15
reps = 1
""",
        encoding="utf-8",
    )
    raw, _ = write_prescription(data, source, patient="Sam Jones", now=datetime.now(UTC))
    target = tmp_path / "sam-rx.json"
    target.write_bytes(raw)
    return target


@pytest.fixture
def server(db_path: Path) -> Iterator[Server]:
    engine = open_store(str(db_path))
    screened_store(engine)
    engine.dispose()
    with running(db_path) as live:
        yield live


@pytest.fixture
def page(chromium: Any, server: Server) -> Iterator[Any]:
    page = open_page(chromium, server)
    yield page
    check_own_origin(page, server)
    assert page.errors == []
    page.context.close()


def test_a_prescription_is_imported_through_the_page_and_its_note_shown(
    page: Any, db_path: Path, signed_file: Path
) -> None:
    found = {}
    page.goto("/prescription")
    found["no prescription"] = run_axe(page)

    page.get_by_label("The signed file").set_input_files(signed_file)
    page.get_by_role("button", name="Check and import").click()
    page.get_by_role("heading", name="Do you know this clinician?").wait_for()
    step = page.locator("main").inner_text()
    found["the confirmation step"] = run_axe(page)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("status").wait_for()
    said = page.locator("main").inner_text()
    note = page.locator(".clinician-note").inner_text()
    found["a prescription followed"] = run_axe(page)

    page.goto("/today")
    today_note = page.locator(".clinician-note").inner_text()

    engine = open_store(str(db_path))
    followed = current(engine)
    engine.dispose()
    assert "ada@riverside.example" in step
    assert messages.WEB_TRUST_QUESTION in step
    assert messages.WEB_RX_DONE["followed"] in said
    assert "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio)" in said
    assert NOTE in note and NOTE in today_note
    assert followed is not None and followed.version == 1
    assert {where: v for where, v in found.items() if v} == {}


def test_a_changed_file_is_refused_with_the_summary_focused(
    page: Any, db_path: Path, signed_file: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.json"
    changed.write_bytes(signed_file.read_bytes().replace(b"Little", b"Lyttle", 1))

    page.goto("/prescription")
    page.get_by_label("The signed file").set_input_files(changed)
    page.get_by_role("button", name="Check and import").click()
    page.get_by_role("alert").wait_for()
    focused = page.evaluate("document.activeElement.className")
    said = page.get_by_role("alert").inner_text()
    found = run_axe(page)

    engine = open_store(str(db_path))
    followed = current(engine)
    engine.dispose()
    assert focused == "error-summary"
    assert "This prescription cannot be used" in said
    assert followed is None
    assert found == []


def test_the_flare_up_button_works_from_the_keyboard(page: Any) -> None:
    page.goto("/today")
    button = page.get_by_role("button", name="My back has flared up")
    button.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Flare-up: day 1 of 3").wait_for()
    said = page.locator("#flare-up").inner_text()
    focused = page.evaluate("document.activeElement.id")
    found = run_axe(page)

    assert messages.FLARE_CONTACT in said
    assert focused == "flare-up"
    assert found == []


def test_axe_finds_nothing_on_today_with_the_morning_question(chromium: Any, db_path: Path) -> None:
    """A flare-up that began yesterday: today's banner asks the morning question."""
    engine = open_store(str(db_path))
    screened_store(engine)
    start_flare(
        engine,
        day=person_today() - timedelta(days=1),
        days=3,
        prescription_id=None,
        at=datetime.now(UTC),
    )
    engine.dispose()
    with running(db_path) as server:
        page = open_page(chromium, server)
        page.goto("/today")
        page.get_by_role("group", name=messages.FLARE_QUESTION).wait_for()
        found = {"the morning question": run_axe(page)}
        page.get_by_role("button", name="Send my answer").click()
        page.get_by_role("alert").wait_for()
        found["the question unanswered"] = run_axe(page)
        page.get_by_label("Worse").check()
        page.get_by_label(messages.FLARE_SYMPTOM_QUESTION).check()
        page.get_by_role("button", name="Send my answer").click()
        page.get_by_text(messages.WEB_FLARE_SAFETY).wait_for()
        found["the call for the safety questions"] = run_axe(page)
        errors = page.errors
        page.context.close()

    assert errors == []
    assert {where: v for where, v in found.items() if v} == {}
