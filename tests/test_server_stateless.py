"""App servers keep no state of their own: what one starts, another finishes. Here a
prescription file uploaded through one app server waits for the patient's "Do you
know this clinician?" in the database, and the answer reaches another."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import easeback.usecases.clock
from easeback.prescribing import keys
from easeback.server.app import create_server_app
from easeback.server.tenancy import scoped
from easeback.store.prescriptions import current
from easeback.usecases.prescription import write_prescription
from server_helpers import PUBLIC_URL, clinic_accounts, config_for, csrf_of, log_in
from test_web_prescription import CLINICIAN, RX_TOML, START, Now, page


@pytest.fixture
def signed(tmp_path: Path) -> Callable[[], bytes]:
    data = tmp_path / "clinician"
    keys.init(data, CLINICIAN)

    def make() -> bytes:
        source = tmp_path / "rx.toml"
        source.write_text(RX_TOML.format(version=1, note="Little and often."), encoding="utf-8")
        raw, _ = write_prescription(data, source, patient="Sam Patel", now=START)
        return raw

    return make


def test_a_prescription_uploaded_on_one_server_is_confirmed_on_another(
    postgres_url: str, signed: Callable[[], bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", Now(START))
    first = create_server_app(config_for(postgres_url), pool_size=2)
    second = create_server_app(config_for(postgres_url), pool_size=2)
    try:
        people = clinic_accounts(first.state.clinic)
        one = TestClient(first, base_url=PUBLIC_URL)
        log_in(one, people["pat_a"].email)
        sent = one.post(
            "/prescription",
            data={"csrf": csrf_of(one, "/prescription")},
            files={"file": ("rx.json", signed(), "application/json")},
            follow_redirects=False,
        )
        assert sent.status_code == 303 and "/prescription/confirm" in sent.headers["location"]

        other = TestClient(second, base_url=PUBLIC_URL)
        other.cookies.update(one.cookies)  # the same browser, routed to another server
        step = other.get(sent.headers["location"])
        assert step.status_code == 200 and CLINICIAN.name in step.text
        form = page(step).find("form", action="/prescription/confirm")
        fields = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
        done = other.post(
            "/prescription/confirm", data={**fields, "answer": "confirm"}, follow_redirects=False
        )
        assert done.headers["location"] == "/prescription?done=followed"
        followed = current(scoped(second.state.clinic, people["pat_a"].id))
        assert followed is not None and followed.version == 1
        # Used up: the same answer again, on either server, finds nothing waiting.
        again = one.post(
            "/prescription/confirm", data={**fields, "answer": "confirm"}, follow_redirects=False
        )
        assert again.status_code == 400
    finally:
        first.state.clinic.dispose()
        second.state.clinic.dispose()
