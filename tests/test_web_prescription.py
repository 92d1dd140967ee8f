"""The clinician's prescription and the flare-up on the web: a signed file imported
through the page (a clinician seen for the first time confirmed on a step of its
own, the file checked again then), a changed, oversized or cross-site upload
refused with the plan unchanged, the way back to the article's plan; and on Today
the flare-up button, its morning question and the call for the safety questions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import easeback.usecases.clock
from easeback.content.prescription import Clinician
from easeback.prescribing import keys
from easeback.store.prescriptions import current, history, trust
from easeback.usecases.prescription import write_prescription
from easeback.wording import messages

CLINICIAN = Clinician(
    name="Dr Ada Okafor",
    role="Physiotherapist",
    organisation="Riverside Physio",
    contact="ada@riverside.example",
)
NOTE = "Little and often. Stop at once if anything hurts."
RX_TOML = """\
version = {version}
start = 2026-12-01
note = "{note}"

[[stretches]]
id = "knee-press"
hold_s = 30
reps = 2
slots = ["morning", "evening"]
ceiling = {{ hold_s = 45, reps = 3 }}

[[stretches]]
id = "pelvic-tilt"
hold_s = 7
reps = 12
progression = false

[flare_up]
days = 3
advice = "Keep moving gently; a warm shower helps."
contact = "Call the clinic if it is no better in 3 days: 020 7946 0000."

[[flare_up.stretches]]
id = "knee-press"
hold_s = 15
reps = 1
"""
# Mid-morning in London on 2 December 2026, the day after the prescription starts.
START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


class Now:
    """The wall clock every route reads, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> Iterator[Now]:
    monkeypatch.setenv("TZ", "Europe/London")
    clock = Now(START)
    monkeypatch.setattr(easeback.usecases.clock, "wall_now", clock)
    yield clock


@pytest.fixture
def clinician_data(tmp_path: Path) -> tuple[Path, str]:
    data = tmp_path / "clinician"
    card, _ = keys.init(data, CLINICIAN)
    return data, card.fingerprint


@pytest.fixture
def signed(tmp_path: Path, clinician_data: tuple[Path, str]) -> Callable[..., bytes]:
    """A signed file from Dr Okafor, written and signed as ``easeback prescribe`` does."""
    data, _ = clinician_data

    def make(version: int = 1, note: str = NOTE) -> bytes:
        source = tmp_path / f"rx-{version}.toml"
        source.write_text(RX_TOML.format(version=version, note=note), encoding="utf-8")
        raw, _ = write_prescription(data, source, patient="Sam Jones", now=START)
        return raw

    return make


def page(response: Any) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def summary(response: Any) -> str:
    box = page(response).find(class_="error-summary")
    return box.get_text(" ", strip=True) if box else ""


def upload(client: TestClient, raw: bytes, **headers: str) -> Any:
    return client.post(
        "/prescription",
        data={"csrf": client.token},  # type: ignore[attr-defined]
        files={"file": ("rx.json", raw, "application/json")},
        headers=headers,
        follow_redirects=False,
    )


def confirm(client: TestClient, response: Any, answer: str = "confirm") -> Any:
    """Answer the confirmation step the upload was sent to."""
    step = client.get(response.headers["location"])
    assert step.status_code == 200
    form = page(step).find("form", action="/prescription/confirm")
    fields = {i["name"]: i["value"] for i in form.find_all("input", type="hidden")}
    return client.post(
        "/prescription/confirm", data={**fields, "answer": answer}, follow_redirects=False
    )


# --- importing --------------------------------------------------------------------------


def test_without_a_prescription_the_page_says_the_plan_is_the_articles(
    client: TestClient, now: Now
) -> None:
    response = client.get("/prescription")

    assert response.status_code == 200
    assert "Your plan is the article's" in response.text
    upload_field = page(response).find("input", type="file")
    assert upload_field["accept"] == ".json,application/json"
    assert page(response).find("label", attrs={"for": "file"}) is not None
    assert page(response).find("a", href="/prescription") is not None  # in the menu


def test_a_clinician_seen_for_the_first_time_is_confirmed_then_followed(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    sent = upload(client, signed())
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/prescription/confirm?pending=")
    assert current(engine) is None  # nothing changes before the person says yes

    step = client.get(sent.headers["location"])
    said = page(step).get_text(" ", strip=True)
    for shown in (*CLINICIAN.model_dump().values(), fingerprint, messages.WEB_TRUST_QUESTION):
        assert shown in said
    assert [b.get_text(strip=True) for b in page(step).find_all("button")] == [
        "Confirm",
        "Cancel",
    ]

    answered = confirm(client, sent)
    assert answered.headers["location"] == "/prescription?done=followed"
    followed = current(engine)
    assert followed is not None and followed.fingerprint == fingerprint

    shown_page = client.get("/prescription?done=followed")
    text = page(shown_page).get_text(" ", strip=True)
    assert "Prescribed by Dr Ada Okafor (Physiotherapist, Riverside Physio) on 2026-12-02" in text
    assert messages.WEB_RX_DONE["followed"] in text
    note = page(shown_page).find(class_="clinician-note")
    assert note is not None and NOTE in note.get_text()
    assert "Hold 30 s, 2 times; first thing, before bed." in text
    assert "May rise to 45 s and 3 times." in text
    assert "Stays as prescribed." in text
    assert "Keep moving gently; a warm shower helps." in text
    assert fingerprint in text

    today = page(client.get("/today")).get_text(" ", strip=True)
    assert "Prescribed by Dr Ada Okafor" in today
    assert NOTE in today


def test_cancel_on_the_confirmation_step_changes_nothing(
    client: TestClient, engine: Engine, now: Now, signed: Callable[..., bytes]
) -> None:
    sent = upload(client, signed())
    answered = confirm(client, sent, answer="cancel")

    assert answered.headers["location"] == "/prescription?done=cancelled"
    assert current(engine) is None
    again = client.get(sent.headers["location"])  # the kept file is gone
    assert again.status_code == 400
    assert messages.WEB_RX_EXPIRED in summary(again)


def test_a_trusted_clinicians_file_is_followed_at_once(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)

    sent = upload(client, signed(version=2))

    assert sent.headers["location"] == "/prescription?done=followed"
    followed = current(engine)
    assert followed is not None and followed.version == 2


def test_the_same_file_again_changes_nothing(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)
    raw = signed()
    upload(client, raw)

    again = upload(client, raw)

    assert again.headers["location"] == "/prescription?done=already"
    assert len(history(engine)) == 1


def test_a_file_with_one_byte_changed_is_refused_and_the_plan_is_unchanged(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)
    raw = signed()
    changed = raw.replace(b"Little and often", b"Lyttle and often", 1)
    assert len(changed) == len(raw) and changed != raw

    response = upload(client, changed)

    assert response.status_code == 400
    said = summary(response)
    assert said.startswith("That file was not imported This prescription cannot be used:")
    assert "Your plan is unchanged." in said
    soup = page(response)
    assert soup.find(class_="error-summary").has_attr("autofocus")
    assert soup.find("input", type="file")["aria-describedby"] == "file-error"
    assert current(engine) is None
    assert history(engine) == []


def test_a_file_that_is_not_a_prescription_is_refused(
    client: TestClient, engine: Engine, now: Now
) -> None:
    response = upload(client, b'{"resourceType": "Patient"}')

    assert response.status_code == 400
    assert "This prescription cannot be used" in summary(response)
    assert current(engine) is None


def test_no_file_chosen_is_named(client: TestClient, now: Now) -> None:
    response = client.post(
        "/prescription",
        data={"csrf": client.token},  # type: ignore[attr-defined]
        files={"file": ("", b"", "application/octet-stream")},
    )

    assert response.status_code == 400
    assert messages.WEB_RX_NO_FILE in summary(response)


def test_an_oversized_upload_is_refused_with_413(
    client: TestClient, engine: Engine, now: Now
) -> None:
    response = upload(client, b"{" + b" " * (300 * 1024) + b"}")

    assert response.status_code == 413
    assert "larger than 256 KB" in summary(response)
    assert current(engine) is None


def test_a_cross_origin_upload_is_refused(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)

    response = upload(client, signed(), Origin="http://evil.example")

    assert response.status_code == 403
    assert current(engine) is None


def test_an_upload_without_the_token_is_refused(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)

    response = client.post(
        "/prescription", data={"csrf": "wrong"}, files={"file": ("rx.json", signed())}
    )

    assert response.status_code == 403
    assert current(engine) is None


def test_the_confirmation_belongs_to_the_browser_that_uploaded(
    app: Any, client: TestClient, engine: Engine, now: Now, signed: Callable[..., bytes]
) -> None:
    sent = upload(client, signed())
    step = client.get(sent.headers["location"])
    fields = {
        i["name"]: i["value"]
        for i in page(step).find("form", action="/prescription/confirm").find_all("input")
    }

    with TestClient(app, base_url=str(client.base_url)) as other:
        other.get("/stretches")
        token = other.cookies["easeback_csrf"]
        answered = other.post(
            "/prescription/confirm", data={**fields, "csrf": token, "answer": "confirm"}
        )

    assert answered.status_code == 400
    assert messages.WEB_RX_EXPIRED in summary(answered)
    assert current(engine) is None


def test_a_fingerprint_other_than_the_one_shown_is_refused(
    client: TestClient, engine: Engine, now: Now, signed: Callable[..., bytes]
) -> None:
    """Confirm with a fingerprint other than the one shown, and nothing is followed."""
    sent = upload(client, signed())
    step = client.get(sent.headers["location"])
    fields = {
        i["name"]: i["value"]
        for i in page(step).find("form", action="/prescription/confirm").find_all("input")
    }

    answered = client.post(
        "/prescription/confirm", data={**fields, "fingerprint": "x" * 43, "answer": "confirm"}
    )

    assert answered.status_code == 400
    assert "The fingerprint confirmed is not the one" in answered.text
    summary = page(answered).find("div", class_="error-summary").get_text()
    assert summary.count("Your plan is unchanged.") == 1
    assert current(engine) is None


def test_the_kept_file_is_checked_again_when_confirmed(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    """Between the upload and Confirm, a newer version from the same clinician came
    in: the kept file, opened again, is now the older one and is refused."""
    _, fingerprint = clinician_data
    sent = upload(client, signed(version=1))
    step = client.get(sent.headers["location"])
    trust(engine, fingerprint, CLINICIAN.name, at=START)
    upload(client, signed(version=3))
    fields = {
        i["name"]: i["value"]
        for i in page(step).find("form", action="/prescription/confirm").find_all("input")
    }

    answered = client.post("/prescription/confirm", data={**fields, "answer": "confirm"})

    assert answered.status_code == 400
    assert "older than version 3" in summary(answered)
    followed = current(engine)
    assert followed is not None and followed.version == 3


def test_go_back_to_the_articles_plan(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)
    upload(client, signed())
    shown = page(client.get("/prescription"))
    button = shown.find("form", action="/prescription/remove").find("button")
    assert button.get_text(strip=True) == "Go back to the article's plan"

    response = client.post(
        "/prescription/remove",
        data={"csrf": client.token},  # type: ignore[attr-defined]
        follow_redirects=False,
    )

    assert response.headers["location"] == "/prescription?done=removed"
    assert current(engine) is None
    after = page(client.get("/prescription?done=removed")).get_text(" ", strip=True)
    assert messages.WEB_RX_DONE["removed"] in after
    assert [row.action for row in history(engine)] == ["import", "remove"]
    refused = client.post("/prescription/remove", data={"csrf": "wrong"})
    assert refused.status_code == 403


# --- the flare-up -----------------------------------------------------------------------


def post(client: TestClient, path: str, **data: str) -> Any:
    return client.post(path, data={"csrf": client.token, **data})  # type: ignore[attr-defined]


def flare_section(response: Any) -> str:
    box = page(response).find(id="flare-up")
    return box.get_text(" ", strip=True) if box else ""


def test_the_flare_up_button_starts_it_and_today_shows_the_advice(
    client: TestClient, now: Now
) -> None:
    before = page(client.get("/today"))
    button = before.find("form", action="/flare-up").find("button")
    assert button.get_text(strip=True) == "My back has flared up"

    response = post(client, "/flare-up")

    assert response.status_code == 200
    assert "flare=started" in str(response.url)
    said = flare_section(response)
    assert "Flare-up: day 1 of 3" in said
    assert messages.FLARE_ADVICE.format(days=3) in said
    assert messages.FLARE_CONTACT in said
    assert messages.FLARE_QUESTION not in said  # the first morning question is tomorrow's
    assert page(response).find("form", action="/flare-up/end") is not None
    assert page(response).find("form", action="/flare-up") is None


def test_the_prescriptions_flare_up_plan_gives_its_own_advice(
    client: TestClient,
    engine: Engine,
    now: Now,
    signed: Callable[..., bytes],
    clinician_data: tuple[Path, str],
) -> None:
    _, fingerprint = clinician_data
    trust(engine, fingerprint, CLINICIAN.name, at=START)
    upload(client, signed())

    said = flare_section(post(client, "/flare-up"))

    assert "Keep moving gently; a warm shower helps." in said
    assert "Call the clinic if it is no better in 3 days" in said


def test_the_morning_question_and_two_worse_mornings_call_for_the_safety_questions(
    client: TestClient, now: Now
) -> None:
    post(client, "/flare-up")
    now.at += timedelta(days=1)

    morning = client.get("/today")
    form = page(morning).find("form", action="/flare-up/check")
    assert form is not None
    assert form.find("legend").get_text(strip=True) == messages.FLARE_QUESTION
    radios = {r["value"]: r["id"] for r in form.find_all("input", type="radio")}
    assert set(radios) == {"better", "same", "worse"}
    for control_id in [*radios.values(), "new_symptom"]:
        assert form.find("label", attrs={"for": control_id}) is not None

    unanswered = post(client, "/flare-up/check")
    assert unanswered.status_code == 400
    assert messages.WEB_FLARE_NO_ANSWER in summary(unanswered)

    answered = post(client, "/flare-up/check", answer="worse")
    assert "flare=answered" in str(answered.url)
    assert page(answered).find("form", action="/flare-up/check") is None  # once a day
    assert messages.WEB_FLARE_SAFETY not in answered.text

    now.at += timedelta(days=1)
    third = post(client, "/flare-up/check", answer="worse")
    said = flare_section(third)
    assert "Flare-up: day 3 of 3" in said
    assert messages.WEB_FLARE_SAFETY in said
    assert page(third).find(id="flare-up").find("a", href="/check") is not None


def test_a_new_symptom_calls_for_the_safety_questions_at_once(client: TestClient, now: Now) -> None:
    post(client, "/flare-up")
    now.at += timedelta(days=1)

    response = post(client, "/flare-up/check", answer="better", new_symptom="yes")

    assert messages.WEB_FLARE_SAFETY in flare_section(response)


def test_ending_the_flare_up_brings_the_button_back(client: TestClient, now: Now) -> None:
    post(client, "/flare-up")

    response = post(client, "/flare-up/end")

    assert messages.WEB_FLARE_DONE["ended"] in flare_section(response)
    assert "Flare-up: day" not in flare_section(response)
    assert page(response).find("form", action="/flare-up") is not None


def test_flare_up_forms_are_csrf_checked(client: TestClient, now: Now) -> None:
    for path in ("/flare-up", "/flare-up/check", "/flare-up/end"):
        assert client.post(path, data={"csrf": "wrong"}).status_code == 403
    foreign = client.post(
        "/flare-up",
        data={"csrf": client.token},  # type: ignore[attr-defined]
        headers={"Origin": "http://evil.example"},
    )
    assert foreign.status_code == 403
    assert "Flare-up: day" not in flare_section(client.get("/today"))
