"""Characters PostgreSQL cannot keep (NUL) or that nobody types (other control
characters), sent in the clinic's forms and search: each request gets an answer a
person can act on, never "something went wrong"; SQLite took them silently, so this
only showed on a clinic's server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from server_helpers import PASSWORD, PUBLIC_URL, clinic, csrf_of, invite


def post(browser: TestClient, path: str, form_page: str, **data: str) -> int:
    token = csrf_of(browser, form_page)
    answer = browser.post(path, data={"csrf": token, **data}, follow_redirects=False)
    assert "went wrong" not in answer.text
    return answer.status_code


@pytest.mark.parametrize("odd", ["\x00", "\x07", "\x1b[31m"])
def test_control_characters_in_the_clinics_forms_get_an_answer(postgres_url: str, odd: str) -> None:
    with clinic(postgres_url) as c:
        nobody = TestClient(c.app, base_url=PUBLIC_URL, raise_server_exceptions=False)  # type: ignore[arg-type]
        assert (
            post(nobody, "/login", "/login", email=f"pat_a{odd}@clinic.test", password="x") == 400
        )
        assert (
            post(nobody, "/login", "/login", email="pat_a@clinic.test", password=f"{odd}x" * 6)
            == 400
        )
        code = invite(c, "dr_a", "Noor Haddad")
        joined = post(
            nobody, "/join", "/join", code=f"{code}{odd}", email=f"noor{odd}@clinic.test",
            password=PASSWORD, again=PASSWORD,
        )  # fmt: skip
        assert joined in (303, 400)
        doctor = TestClient(c.app, base_url=PUBLIC_URL, raise_server_exceptions=False)  # type: ignore[arg-type]
        doctor.cookies.update(c.client("dr_a").cookies)
        made = post(doctor, "/clinic/invite", "/clinic", name=f"Kai{odd}Moana")
        assert made == 200
        listed = doctor.get("/clinic", params={"q": f"Sam{odd}"})
        assert listed.status_code == 200
        if len(odd) == 1:  # the search without the stray character finds Sam
            assert "Sam Patel" in listed.text
        admin = TestClient(c.app, base_url=PUBLIC_URL, raise_server_exceptions=False)  # type: ignore[arg-type]
        admin.cookies.update(c.client("admin").cookies)
        assert post(admin, "/admin/invite", "/admin", name=f"Dr{odd} Rua") == 200
        page = doctor.get("/clinic").text
        assert odd not in page  # nothing unprintable is kept to be shown
