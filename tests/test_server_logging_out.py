"""Every role can reach the account page their menu links to, and log out there: a
clinician on a shared computer at the clinic must be able to end their login."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from server_helpers import clinic, csrf_of


@pytest.mark.parametrize("who", ["admin", "dr_a", "pat_a"])
def test_each_role_follows_account_in_its_menu_and_logs_out(postgres_url: str, who: str) -> None:
    with clinic(postgres_url) as c:
        browser = c.client(who)
        home = browser.get("/").text
        menu = [a["href"] for a in BeautifulSoup(home, "html.parser").select("nav a")]
        assert "/account" in menu
        page = browser.get("/account")
        assert page.status_code == 200
        assert c.people[who].email in page.text
        logout = BeautifulSoup(page.text, "html.parser").select_one('form[action="/logout"]')
        assert logout is not None and logout.select_one("button")
        out = browser.post(
            "/logout", data={"csrf": csrf_of(browser, "/account")}, follow_redirects=False
        )
        assert out.status_code == 303
        assert (
            browser.get("/account", follow_redirects=False).headers["location"].startswith("/login")
        )


def test_only_the_patient_sees_who_opened_their_records(postgres_url: str) -> None:
    with clinic(postgres_url) as c:
        assert "Who has seen your records" in c.client("pat_a").get("/account").text
        theirs = c.client("dr_a").get("/account")
        assert theirs.status_code == 200
        assert "Who has seen your records" not in theirs.text
