"""Whatever a person types into a form or an address, the answer is a page, never a
server error."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

typed = st.text(max_size=300) | st.sampled_from(
    ["", " ", "25:99", "07:00", "\x00", "é" * 50, "²", "٣"]
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    wake=typed,
    bed=typed,
    start=typed,
    end=typed,
    zone=typed,
    days=st.lists(typed, max_size=9),
    no_work=st.booleans(),
    person=st.tuples(typed, typed | st.sampled_from(["1974-05-02", "1899-12-31"]), typed),
)
def test_any_settings_form_gives_a_page(
    client: TestClient,
    wake: str,
    bed: str,
    start: str,
    end: str,
    zone: str,
    days: list[str],
    no_work: bool,
    person: tuple[str, str, str],
) -> None:
    form: dict[str, Any] = {
        "csrf": client.token,  # type: ignore[attr-defined]
        "wake": wake,
        "bed": bed,
        "work_start": start,
        "work_end": end,
        "zone": zone,
        "work_days": days,
        "name": person[0],
        "birth_date": person[1],
        "clinic_id": person[2],
    }
    if no_work:
        form["no_work"] = "yes"

    response = client.post("/settings", data=form)

    assert response.status_code in (200, 400), response.text[:300]
    assert "Traceback" not in response.text


@FUZZ
@given(answers=st.dictionaries(st.sampled_from(["fever", "age", "clinician_checked", "x"]), typed))
def test_any_check_form_gives_a_page(client: TestClient, answers: dict[str, str]) -> None:
    response = client.post("/check", data={"csrf": client.token, **answers})  # type: ignore[attr-defined]

    assert response.status_code in (200, 400)


@FUZZ
@given(slot=typed, routine=typed, speed=typed, stretch=typed)
def test_any_address_gives_a_page(
    client: TestClient, slot: str, routine: str, speed: str, stretch: str
) -> None:
    for response in (
        client.get("/play", params={"slot": slot, "speed": speed}),
        client.get("/play", params={"routine": routine}),
        client.get(f"/stretches/{quote(stretch, safe='')}"),
        client.get("/progress", params={"start": slot, "end": routine}),
        client.get("/report.pdf", params={"start": routine}),
        client.get(f"/export/{quote(stretch, safe='')}"),
    ):
        assert response.status_code < 500, response.url


DATES = st.sampled_from(["0001-01-01", "1900-01-01", "9999-12-31", "2026-02-30", "2026-11-01"])


@FUZZ
@given(start=DATES, end=DATES)
def test_any_period_gives_a_page(client: TestClient, start: str, end: str) -> None:
    assert client.get("/progress", params={"start": start, "end": end}).status_code < 500
    assert client.get("/report.pdf", params={"start": start, "end": end}).status_code < 500


@FUZZ
@given(
    pain=typed, note=typed, names=st.lists(typed, max_size=5), values=st.lists(typed, max_size=5)
)
def test_any_diary_form_gives_a_page(
    client: TestClient, pain: str, note: str, names: list[str], values: list[str]
) -> None:
    token = client.token  # type: ignore[attr-defined]
    assert client.post("/diary", data={"csrf": token, "pain": pain, "note": note}).status_code in (
        200,
        400,
    )
    form = {"csrf": token}
    for i, (name, value) in enumerate(zip(names, values, strict=False)):
        form[f"activity-{i}"] = name
        form[f"rating-{i}"] = value
    assert client.post("/diary/psfs", data=form).status_code in (200, 400)
